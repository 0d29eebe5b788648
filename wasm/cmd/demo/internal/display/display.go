// Package display renders values for the demo's tables and captions:
// cut to a length, control characters made visible, absent values as a
// dash, constructor calls as JavaScript source. It is plain Go, tested
// natively.
package display

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Shorten cuts s to at most n runes, the last one an ellipsis when cut,
// for table cells (the full text goes in a title attribute). It reads only
// as far as it keeps, so a 1 MiB event costs no more than a short one.
func Shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	runes := 0
	for i := range s {
		if runes == n-1 {
			if _, size := utf8.DecodeRuneInString(s[i:]); i+size == len(s) {
				return s // exactly n runes: nothing to cut
			}
			return s[:i] + "…"
		}
		runes++
	}
	return s
}

var controls = strings.NewReplacer("\n", "⏎", "\r", "␍", "\t", "⇥")

// Visible renders control characters so that a multi-line data field or an
// empty string is recognisable in one table cell.
func Visible(s string) string {
	if s == "" {
		return "(empty)"
	}
	return controls.Replace(s)
}

// Dash returns *s, or an em dash when s is nil or empty.
func Dash(s *string) string {
	if s == nil || *s == "" {
		return "—"
	}
	return *s
}

// Call renders a constructor call as JavaScript source, for a pane's
// subtitle: new class("url", {key: value, …}) with the keys sorted and the
// values as [Literal] writes them.
func Call(class, url string, init map[string]any) string {
	call := "new " + class + "(" + Literal(url)
	if len(init) > 0 {
		call += ", " + Literal(init)
	}
	return call + ")"
}

// Literal writes v as a JavaScript literal: a string as a JSON string, a
// bool or number as it is, a []any as an array, a map[string]any as an
// object with sorted keys (quoted unless they are identifiers). Any other
// value (a function) shows as ƒ.
func Literal(v any) string {
	switch x := v.(type) {
	case string:
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(x) // a string cannot fail
		return strings.TrimSuffix(b.String(), "\n")
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Literal(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = key(k) + ": " + Literal(x[k])
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return "ƒ"
}

// key writes an object key: bare when it is an identifier.
func key(k string) string {
	for i, r := range k {
		if !(r == '_' || r == '$' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
			return Literal(k)
		}
	}
	if k == "" {
		return `""`
	}
	return k
}

// Millis renders a duration in milliseconds with one decimal: "12.5 ms".
func Millis(ms float64) string { return fmt.Sprintf("%.1f ms", ms) }
