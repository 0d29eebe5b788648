package client

import (
	"strings"
	"time"
)

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if secs, ok := decimal(v, 1<<32-1); ok {
		return time.Duration(secs) * time.Second, true
	}
	if t, ok := parseHTTPDate(v); ok {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// parseHTTPDate parses the preferred HTTP date format (IMF-fixdate), such
// as "Sun, 06 Nov 1994 08:49:37 GMT". It stands in for time.Parse, whose
// layout machinery and time zone loading would weigh on the wasm module.
func parseHTTPDate(v string) (time.Time, bool) {
	const months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	if len(v) != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' ||
		v[16] != ' ' || v[19] != ':' || v[22] != ':' || v[25:] != " GMT" {
		return time.Time{}, false
	}
	month := strings.Index(months, v[8:11])
	if month < 0 || month%3 != 0 {
		return time.Time{}, false
	}
	var n [5]int // day, year, hour, minute, second
	for i, f := range [...]string{v[5:7], v[12:16], v[17:19], v[20:22], v[23:25]} {
		x, ok := decimal(f, 1<<16-1)
		if !ok {
			return time.Time{}, false
		}
		n[i] = int(x)
	}
	return time.Date(n[1], time.Month(month/3+1), n[0], n[2], n[3], n[4], 0, time.UTC), true
}

// decimal parses s, ASCII digits only, as a number up to limit. It stands
// in for strconv.ParseUint, whose error type would bring strconv.Quote and
// its tables of printable characters into the wasm module.
func decimal(s string, limit uint64) (uint64, bool) {
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n = n*10 + uint64(c-'0'); n > limit {
			return 0, false
		}
	}
	return n, s != ""
}
