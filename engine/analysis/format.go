package analysis

// One home for how scenrun writes numbers and durations for people, so that
// a figure reads the same in the terminal, the markdown and HTML reports,
// the plan, the progress line and the assertion details.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/scenrun/scenrun/scenario"
)

// FormatExact is v at full precision, never in scientific notation.
func FormatExact(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// FormatNum formats a figure (milliseconds, seconds, a rate) for people, with
// one rule everywhere: three significant digits, but never fewer than the
// integer digits — 0.0121, 0.500, 4.69, 80.5, 1204. Small values keep their
// digits (fsm_dispatch is measured in microseconds, and 0.0118 against
// 0.0121 must not both read 0.012); large ones are never rounded to tens or
// shown in scientific notation.
func FormatNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	if v == 0 {
		return "0"
	}
	d := numDecimals(math.Abs(v))
	s := strconv.FormatFloat(v, 'f', d, 64)
	// Rounding may carry into the next magnitude (9.996 → 10.00): format
	// again with that magnitude's decimals.
	if r, err := strconv.ParseFloat(s, 64); err == nil {
		if d2 := numDecimals(math.Abs(r)); d2 < d {
			s = strconv.FormatFloat(v, 'f', d2, 64)
		}
	}
	return s
}

func numDecimals(a float64) int {
	return min(max(2-int(math.Floor(math.Log10(a))), 0), 15)
}

// FormatSigned is FormatNum with an explicit sign, for differences.
func FormatSigned(v float64) string {
	s := FormatNum(v)
	if v > 0 && !math.IsInf(v, 0) {
		return "+" + s
	}
	return s
}

// FormatPct formats a relative difference with one decimal and its sign.
func FormatPct(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a" // the baseline was zero
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if s == "-0.0" {
		s = "0.0"
	}
	if v > 0 && s != "0.0" {
		s = "+" + s
	}
	return s + "%"
}

// FormatP formats a p-value to three decimals, as benchstat does.
func FormatP(p float64) string {
	if p < 0.001 {
		return "<0.001"
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}

// FormatBytes formats a byte count in binary units: 512 B, 4.0 MiB.
func FormatBytes(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	if n < 1024 {
		return fmt.Sprintf("%s%d B", sign, n)
	}
	v := float64(n)
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := -1
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	// 1023.96 KiB rounds to "1024.0 KiB": say 1.0 MiB instead.
	if v >= 1023.95 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%s%.1f %s", sign, v, units[i])
}

// FormatDuration rounds d for people: 850ms, 4.2s, 3m05s, 1h02m.
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// formatDetail formats a number an assertion compared, for its detail
// line (SPEC §6: "4.69 < 80.52"): two decimals from 1, one from 100, more
// below 1 so that microsecond figures keep their digits.
func formatDetail(x float64) string {
	a := math.Abs(x)
	switch {
	case x == 0 || math.IsNaN(x) || math.IsInf(x, 0):
		return strconv.FormatFloat(x, 'f', -1, 64)
	case a >= 100:
		return strconv.FormatFloat(x, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(x, 'f', 2, 64)
	case a >= 0.001:
		return strconv.FormatFloat(x, 'f', 4, 64)
	}
	return strconv.FormatFloat(x, 'f', 6, 64)
}

// EscapeControls shows each control character of s (scenario.IsControl;
// line breaks and tabs stay) as its Go escape, \x1b: text from a spec or
// a database never drives a terminal or reorders a report.
func EscapeControls(s string) string {
	if !strings.ContainsFunc(s, isEscaped) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isEscaped(r) {
			b.WriteString(strings.Trim(strconv.QuoteRune(r), "'"))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isEscaped(r rune) bool { return r != '\n' && r != '\t' && scenario.IsControl(r) }
