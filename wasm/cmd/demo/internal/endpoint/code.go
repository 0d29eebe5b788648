package endpoint

import (
	"embed"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/eventsource-wasm/eventsource-wasm/wasm/cmd/demo/internal/display"
)

// The snippets' source lives in template files, with {{NAME}} holes.
// They are filled by plain replacement: text/template would cost the demo
// megabytes (its use of reflection keeps every method of every type).
//
//go:embed snippets/*.tmpl
var snippetFS embed.FS

// fill returns the template file name with each {{KEY}} replaced by
// vars[KEY].
func fill(name string, vars map[string]string) string {
	b, err := snippetFS.ReadFile("snippets/" + name)
	if err != nil {
		panic("endpoint: " + err.Error()) // the embedded files are fixed
	}
	pairs := make([]string, 0, 2*len(vars))
	for k, v := range vars {
		pairs = append(pairs, "{{"+k+"}}", v)
	}
	return strings.NewReplacer(pairs...).Replace(string(b))
}

// secret is a header value left out of code.
type secret struct {
	Name        string // the header
	Var         string // the JavaScript constant or environment variable
	Placeholder string // what stands in its place in JavaScript
}

// secrets returns the secret header rows, each with a variable name
// derived from the header's.
func (s *Setup) secrets() map[string]secret {
	out := map[string]secret{}
	for _, h := range s.headers() {
		if h.Secret {
			v := constName(h.Name)
			out[h.Name] = secret{Name: h.Name, Var: v, Placeholder: "<your " + h.Name + " value>"}
		}
	}
	return out
}

// JS returns the setup as a JavaScript module snippet: an import from
// module (the URL of eventsource-wasm.js) and new WasmEventSource(url,
// {…}) with the same options. Secret header values are constants holding a
// placeholder.
func (s *Setup) JS(module string) string {
	sec := s.secrets()
	var init []string
	for _, k := range slices.Sorted(maps.Keys(s.WasmInit(""))) {
		v := s.WasmInit("")[k]
		if k == "headers" {
			var rows []string
			for _, h := range s.headers() {
				val := jsString(h.Value)
				if x, ok := sec[h.Name]; ok {
					val = x.Var
				}
				rows = append(rows, jsString(h.Name)+": "+val)
			}
			init = append(init, "headers: { "+strings.Join(rows, ", ")+" }")
			continue
		}
		init = append(init, k+": "+display.Literal(v))
	}
	var secrets, listeners strings.Builder
	for _, x := range sortedSecrets(sec) {
		secrets.WriteString(fill("secret.js.tmpl", map[string]string{"NAME": x.Name, "VAR": x.Var, "PLACEHOLDER": jsString(x.Placeholder)}))
	}
	for _, ty := range s.EventTypes {
		listeners.WriteString(fill("listener.js.tmpl", map[string]string{"TYPE": jsString(ty)}))
	}
	opts := ""
	if len(init) > 0 {
		opts = ", {\n  " + strings.Join(init, ",\n  ") + ",\n}"
	}
	return fill("snippet.js.tmpl", map[string]string{
		"MODULE":    jsString(module),
		"SECRETS":   secrets.String(),
		"URL":       jsString(s.URL),
		"INIT":      opts,
		"LISTENERS": listeners.String(),
	})
}

// Go returns the setup as Go code for package client (GOOS=js):
// client.Connect(ctx, url, &client.Options{…}). Secret header values are
// read from environment variables.
func (s *Setup) Go() string {
	sec := s.secrets()
	var fields []field
	if m := s.method(); m != "GET" {
		fields = append(fields, field{"Method", strconv.Quote(m)})
	}
	if hs := s.headers(); len(hs) > 0 {
		rows := make([]field, len(hs))
		for i, h := range hs {
			rows[i] = field{strconv.Quote(h.Name), strconv.Quote(h.Value)}
			if x, ok := sec[h.Name]; ok {
				rows[i].value = "os.Getenv(" + strconv.Quote(x.Var) + ")"
			}
		}
		fields = append(fields, field{"Headers", "map[string]string{\n" + aligned(rows, "\t\t") + "\t}"})
	}
	if s.Body != "" {
		fields = append(fields, field{"Body", "[]byte(" + strconv.Quote(s.Body) + ")"})
	}
	if s.WithCredentials {
		fields = append(fields, field{"WithCredentials", "true"})
	}
	if s.LastEventID != "" {
		fields = append(fields, field{"LastEventID", strconv.Quote(s.LastEventID)})
	}
	if s.LastEventIDQuery != "" {
		fields = append(fields, field{"LastEventIDQuery", strconv.Quote(s.LastEventIDQuery)})
	}
	if b := s.Backoff; b != nil {
		var parts []string
		if b.Initial > 0 {
			parts = append(parts, "Initial: "+goMillis(b.Initial))
		}
		if b.Max > 0 {
			parts = append(parts, "Max: "+goMillis(b.Max))
		}
		if b.Factor > 0 {
			parts = append(parts, "Factor: "+strconv.FormatFloat(b.Factor, 'g', -1, 64))
		}
		fields = append(fields, field{"Backoff", "&client.Backoff{" + strings.Join(parts, ", ") + "}"})
	}
	if s.MaxRetries != nil {
		// Go's 0 means no limit; a negative value never reconnects.
		n := *s.MaxRetries
		if n == 0 {
			n = -1
		}
		fields = append(fields, field{"MaxRetries", strconv.Itoa(n)})
	}
	if len(s.RetryOnStatus) > 0 {
		st := make([]string, len(s.RetryOnStatus))
		for i, v := range s.RetryOnStatus {
			st[i] = strconv.Itoa(v)
		}
		fields = append(fields, field{"RetryOnStatus", "[]int{" + strings.Join(st, ", ") + "}"})
	}
	if s.HeartbeatTimeout > 0 {
		fields = append(fields, field{"HeartbeatTimeout", goMillis(s.HeartbeatTimeout)})
	}
	secrets := ""
	if len(sec) > 0 {
		secrets = fill("secrets.go.tmpl", nil)
	}
	opts := "nil" // the zero Options: native EventSource's behaviour
	if len(fields) > 0 {
		opts = "&client.Options{\n" + aligned(fields, "\t") + "}"
	}
	return fill("snippet.go.tmpl", map[string]string{
		"SECRETS": secrets,
		"URL":     strconv.Quote(s.URL),
		"OPTIONS": opts,
	})
}

// field is one key: value line of a Go composite literal.
type field struct{ key, value string }

// aligned writes fields one a line, each ending in a comma, with the
// values aligned as gofmt aligns them: within runs of single-line values
// (a multi-line value ends a run and is not padded).
func aligned(fields []field, indent string) string {
	var b strings.Builder
	for i := 0; i < len(fields); {
		j, width := i, 0
		for ; j < len(fields) && !strings.Contains(fields[j].value, "\n"); j++ {
			width = max(width, len(fields[j].key))
		}
		if j == i { // a multi-line value on its own
			b.WriteString(indent + fields[i].key + ": " + fields[i].value + ",\n")
			i++
			continue
		}
		for _, f := range fields[i:j] {
			b.WriteString(indent + f.key + ":" + strings.Repeat(" ", width-len(f.key)+1) + f.value + ",\n")
		}
		i = j
	}
	return b.String()
}

func sortedSecrets(m map[string]secret) []secret {
	out := make([]secret, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

// goMillis writes a millisecond count as a time.Duration expression.
func goMillis(ms int) string {
	if ms%1000 == 0 {
		return strconv.Itoa(ms/1000) + " * time.Second"
	}
	return strconv.Itoa(ms) + " * time.Millisecond"
}

// jsString writes s as a JavaScript string literal.
func jsString(s string) string { return display.Literal(s) }

// constName turns a header name into an upper-case identifier:
// Authorization → AUTHORIZATION, X-Api-Key → X_API_KEY.
func constName(header string) string {
	var b strings.Builder
	for _, r := range header {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToUpper(r))
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || unicode.IsDigit(rune(s[0])) {
		s = "H_" + s
	}
	return s
}
