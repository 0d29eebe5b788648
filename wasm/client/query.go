package client

import "strings"

// The query editing here stands in for net/url, which would weigh on the
// wasm module.

// withQuery returns rawURL with the query parameter name set to value,
// replacing any earlier one.
func withQuery(rawURL, name, value string) string {
	return editQuery(rawURL, name, value, true)
}

// withoutQuery returns rawURL without the query parameter name.
func withoutQuery(rawURL, name string) string {
	return editQuery(rawURL, name, "", false)
}

// editQuery drops the query parameter name from rawURL and, if set, appends
// it with value.
func editQuery(rawURL, name, value string, set bool) string {
	rest, fragment, hasFragment := strings.Cut(rawURL, "#")
	path, query, _ := strings.Cut(rest, "?")
	key := queryEscape(name)
	var b strings.Builder
	b.WriteString(path)
	sep := byte('?')
	for part := range strings.SplitSeq(query, "&") {
		if k, _, _ := strings.Cut(part, "="); part == "" || k == key || k == name {
			continue
		}
		b.WriteByte(sep)
		b.WriteString(part)
		sep = '&'
	}
	if set {
		b.WriteByte(sep)
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(queryEscape(value))
	}
	if hasFragment {
		b.WriteByte('#')
		b.WriteString(fragment)
	}
	return b.String()
}

// queryEscape percent-encodes every byte but the URL unreserved ones. It
// stands in for net/url, which would weigh on the wasm module.
func queryEscape(s string) string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s))
	for i := range len(s) {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}
