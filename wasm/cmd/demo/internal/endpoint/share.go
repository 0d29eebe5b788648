package endpoint

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// ShareFragment returns the location hash that reopens the view with the
// setup: "try:" and the setup as base64url JSON. A fragment never reaches
// a server, so nothing of it is stored or logged there. Header values are
// left out (names kept) unless withValues.
func (s *Setup) ShareFragment(withValues bool) string {
	c := *s
	c.Headers = nil
	for _, h := range s.headers() {
		if !withValues {
			h.Value = ""
		}
		c.Headers = append(c.Headers, h)
	}
	b, _ := json.Marshal(c) // strings, numbers and slices: cannot fail
	return ShareView + ":" + base64.RawURLEncoding.EncodeToString(b)
}

// ShareView is the view name that share fragments start with.
const ShareView = "try"

// ParseShare reads a fragment made by [Setup.ShareFragment] (with or
// without its leading "#").
func ParseShare(fragment string) (Setup, error) {
	rest, ok := strings.CutPrefix(strings.TrimPrefix(fragment, "#"), ShareView+":")
	if !ok {
		return Setup{}, errors.New("endpoint: not a shared setup")
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return Setup{}, errors.New("endpoint: the shared setup is damaged (was the link cut?)")
	}
	var s Setup
	if err := json.Unmarshal(b, &s); err != nil {
		return Setup{}, errors.New("endpoint: the shared setup is damaged (was the link cut?)")
	}
	return s, nil
}
