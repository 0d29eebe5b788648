package main

import (
	"fmt"
	"html"
	"math"
	"os"
	"strings"
)

// A chart is panels of horizontal bars stacked vertically, written as a
// self-contained SVG that GitHub renders inline.
type panel struct {
	title    string
	unit     string
	bars     []bar
	ref      float64 // a reference line (e.g. a budget or target); 0 for none
	refLabel string
}

type bar struct {
	label string
	value float64
	lo    float64 // whisker: min over rounds (0 for none)
	hi    float64 // whisker: max over rounds
	kind  string  // "ours", "native" or "" (others), for the colour
}

const (
	chartWidth = 780
	labelWidth = 230
	barArea    = 400
	rowHeight  = 22
)

var barColours = map[string]string{"ours": "#e8590c", "native": "#1971c2", "": "#868e96", "go": "#e8590c", "nethttp": "#495057", "express": "#868e96"}

func writeChart(path, title string, panels []panel) error {
	var b strings.Builder
	y := 34
	for _, p := range panels {
		y += 26 + len(p.bars)*rowHeight + 18
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif" font-size="12">`+"\n", chartWidth, y, chartWidth, y)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="15" font-weight="600" fill="#212529">%s</text>`+"\n", html.EscapeString(title))
	y = 34
	for _, p := range panels {
		fmt.Fprintf(&b, `<text x="10" y="%d" font-size="13" font-weight="600" fill="#343a40">%s</text>`+"\n", y+16, html.EscapeString(p.title+" ("+p.unit+")"))
		y += 26
		top := y
		scale := p.ref
		for _, br := range p.bars {
			scale = math.Max(scale, math.Max(br.value, br.hi))
		}
		if scale <= 0 || math.IsNaN(scale) {
			scale = 1
		}
		px := func(v float64) float64 { return labelWidth + barArea*v/scale }
		for _, br := range p.bars {
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="#212529">%s</text>`+"\n", labelWidth-8, y+15, html.EscapeString(br.label))
			if !math.IsNaN(br.value) {
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s" rx="2"/>`+"\n", labelWidth, y+4, px(br.value)-labelWidth, rowHeight-8, barColours[br.kind])
				if br.hi > br.lo {
					fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#212529" stroke-width="1"/>`+"\n", px(br.lo), px(br.hi), y+rowHeight/2, y+rowHeight/2)
				}
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="#495057">%s</text>`+"\n", math.Max(px(br.value), px(br.hi))+6, y+15, html.EscapeString(fmtValue(br.value)))
			} else {
				fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#c92a2a">no result</text>`+"\n", labelWidth+4, y+15)
			}
			y += rowHeight
		}
		if p.ref > 0 {
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#c92a2a" stroke-dasharray="4 3"/>`+"\n", px(p.ref), px(p.ref), top, y)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="#c92a2a" font-size="11">%s</text>`+"\n", px(p.ref)+3, y+11, html.EscapeString(p.refLabel))
		}
		y += 18
	}
	b.WriteString("</svg>\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// fmtValue prints a value with about three significant digits.
func fmtValue(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
