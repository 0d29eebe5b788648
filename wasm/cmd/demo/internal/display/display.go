// Package display renders values for the demo's tables and captions:
// cut to a length, control characters made visible, absent values as a
// dash, constructor calls as JavaScript source. It is plain Go, tested
// natively.
package display

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
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
// subtitle: new class("url", {key: value, …}) with the keys sorted.
// Strings are quoted, numbers and booleans written as they are, and any
// other value (a function) shows as ƒ.
func Call(class, url string, init map[string]any) string {
	call := "new " + class + "(" + strconv.Quote(url)
	if len(init) > 0 {
		keys := slices.Sorted(maps.Keys(init))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + literal(init[k])
		}
		call += ", {" + strings.Join(parts, ", ") + "}"
	}
	return call + ")"
}

func literal(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = literal(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = strconv.Quote(k) + ": " + literal(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "ƒ"
}

// Millis renders a duration in milliseconds with one decimal: "12.5 ms".
func Millis(ms float64) string { return fmt.Sprintf("%.1f ms", ms) }
