package client

// quote returns s in double quotes, with quotes, backslashes and ASCII
// control characters escaped (\n as \x0a): what strconv.Quote returns for
// printable text. It stands in for strconv.Quote, whose tables of
// printable characters weigh about 2 KB of brotli in the wasm module, for
// the two error messages that quote what they got.
func quote(s string) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < ' ' || c == 0x7f:
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}
