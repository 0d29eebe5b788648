package main

import (
	"math"
	"slices"
)

// Summary describes repeated measurements of one quantity.
type Summary struct {
	Median float64   `json:"median"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	N      int       `json:"n"`
	Values []float64 `json:"values,omitempty"`
}

// summarize returns the median, min and max of xs, ignoring NaNs; N is 0
// when nothing is left.
func summarize(xs []float64) Summary {
	xs = slices.DeleteFunc(slices.Clone(xs), math.IsNaN)
	if len(xs) == 0 {
		return Summary{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return Summary{Median: quantileSorted(s, 0.5), Min: s[0], Max: s[len(s)-1], N: len(s), Values: xs}
}

// quantileSorted returns the q-quantile of sorted xs, interpolating
// linearly between the closest ranks.
func quantileSorted(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(xs)-1)
	i := int(pos)
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	f := pos - float64(i)
	return xs[i]*(1-f) + xs[i+1]*f
}

// quantile returns the q-quantile of xs, which it sorts.
func quantile(xs []float64, q float64) float64 {
	slices.Sort(xs)
	return quantileSorted(xs, q)
}
