package record

import (
	"math"
	"strconv"
)

// ServerTimestamp finds a server timestamp in event data: a number whose
// integer part has 13 digits (Unix milliseconds, optionally with a
// fraction) within a day of now — the seed stream's "Test Message -- <ms>"
// and the "ts" field of /events?ts=1. It looks at the first
// TimestampWindow bytes only, where these streams put it. It returns the
// timestamp (0 when there is none) and the data with it masked, so that two
// connections stamped at different moments still compare equal.
func ServerTimestamp(data string, now float64) (ts float64, masked string) {
	end := min(len(data), TimestampWindow)
	for i := 0; i < end; {
		if !isDigit(data[i]) || (i > 0 && (isDigit(data[i-1]) || data[i-1] == '.')) {
			i++
			continue
		}
		j := i
		for j < len(data) && isDigit(data[j]) {
			j++
		}
		intLen := j - i
		if j+1 < len(data) && data[j] == '.' && isDigit(data[j+1]) {
			j++
			for j < len(data) && isDigit(data[j]) {
				j++
			}
		}
		if intLen == 13 {
			if v, err := strconv.ParseFloat(data[i:j], 64); err == nil && math.Abs(v-now) < 24*3600*1000 {
				return v, data[:i] + "‹ts›" + data[j:]
			}
		}
		i = j
	}
	return 0, data
}

// TimestampWindow bounds the bytes ServerTimestamp scans.
const TimestampWindow = 256

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
