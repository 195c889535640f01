package main

import (
	"fmt"
	"io"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jedib0t/go-pretty/v6/progress"

	"github.com/scenrun/scenrun/engine"
	"github.com/scenrun/scenrun/engine/analysis"
	"github.com/scenrun/scenrun/scenario"
)

// progressEvery is how often the plain display prints a line per trial.
const progressEvery = 2 * time.Second

// pollEvery is how often a trial's counters are read: the end of a trial is
// noticed within it, and the terminal display refreshes at it.
const pollEvery = 50 * time.Millisecond

// A progressDisplay shows on stderr how far the running trial has got: files
// done of the total, transitions per second and an estimate of the time
// left. On a terminal it is go-pretty's progress writer, one line per run,
// sized to the terminal's width (a line that wrapped would break the
// redraw, which moves up one line per run); its bar and its ETA are both
// the run's, all trials together. Elsewhere (a pipe, a CI log, or a
// terminal too narrow for a bar) it prints plain lines every few seconds
// and one when each trial ends — the progress writer would fill a log with
// cursor movements; their figures are the trial's. It never writes to
// stdout.
type progressDisplay struct {
	w      io.Writer
	every  time.Duration    // plain mode: the period of the lines
	trials map[string]int   // trials per run, warm-ups included
	pw     progress.Writer  // terminal mode; nil in plain mode
	render chan struct{}    // closed when pw.Render returns
	now    func() time.Time // the clock the rates and ETAs read
	long   bool             // terminal mode: room for "transitions/s"

	mu       sync.Mutex
	trackers map[string]*progress.Tracker
	doneRuns map[string]int64 // files of the run's finished trials (terminal mode)
	cur      *trialWatch
	last     map[string]string // terminal mode: the run's trial label last shown
}

// trialWatch follows one trial until it ends or the next one starts.
type trialWatch struct {
	ts    engine.TrialStart
	start time.Time
	stop  chan struct{}
	ended chan struct{}
}

// defaultCols is the width assumed for a terminal that does not say.
const defaultCols = 80

// A progressLayout is how a terminal line of the display is laid out: the
// message's width, the bar's, whether the message says "transitions/s" in
// full, and whether the percentage and the elapsed time are shown.
type progressLayout struct {
	msg, bar        int
	long, pct, time bool
}

// Widths of the parts of a terminal line beyond the message and the value.
const (
	sepWidth    = len(" ... ")       // go-pretty's separator
	pctWidth    = len("100.00%")     // go-pretty's percentage
	timeWidth   = len(" in 1m23.4s") // the elapsed time, to 100 ms
	statsFrame  = len(" []")
	minBarWidth = 10
	maxBarWidth = 20
)

// fitProgress lays a terminal line out within cols columns, the last
// column left free (a terminal wraps a line that fills it). It tries, in
// order, the full line with a bar of up to 20; no percentage; "t/s" for
// "transitions/s"; no elapsed time; each time with a bar of at least 10.
// ok is false when none fits: the display falls back to plain lines. nameW
// and labelW are the widest run name and trial label, valueW the widest
// count of files with its unit.
func fitProgress(cols, nameW, labelW, valueW int) (l progressLayout, ok bool) {
	budget := cols - 1
	for _, try := range []progressLayout{{long: true, pct: true, time: true}, {long: true, time: true}, {time: true}, {}} {
		try.msg = messageWidth(nameW, labelW, try.long)
		fixed := try.msg + sepWidth + statsFrame + valueW
		if try.pct {
			fixed += pctWidth
		}
		if try.time {
			fixed += timeWidth
		}
		if bar := min(maxBarWidth, budget-fixed-1); bar >= minBarWidth {
			try.bar = bar
			return try, true
		}
	}
	return progressLayout{}, false
}

// messageWidth is the width of the widest message: "NAME LABEL · 99999
// transitions/s · run ETA 59m59s" (t/s when not long).
func messageWidth(nameW, labelW int, long bool) int {
	rate := " t/s"
	if long {
		rate = " transitions/s"
	}
	return nameW + 1 + labelW + utf8.RuneCountInString(" · 99999"+rate+" · run ETA 59m59s")
}

// filesWidth is the width of the widest count of files up to total as
// go-pretty's FormatNumber writes it ("818", "9.00K"), with " files".
func filesWidth(total int64) int {
	w := len(progress.FormatNumber(total))
	if total >= 1000000 {
		w = max(w, len("999.99K"))
	}
	return w + len(" files")
}

// newProgressDisplay starts a display on w; tty chooses the terminal mode,
// cols is the terminal's width (0: unknown, taken as 80). runs are the runs
// about to be carried out (for the trials per run).
func newProgressDisplay(w io.Writer, tty bool, cols int, every time.Duration, runs []scenario.Run) *progressDisplay {
	if every <= 0 {
		every = progressEvery
	}
	p := &progressDisplay{w: w, every: every, trials: map[string]int{}, now: time.Now,
		trackers: map[string]*progress.Tracker{}, doneRuns: map[string]int64{}, last: map[string]string{}}
	nameW, labelW, valueW := 0, 0, 0
	for _, r := range runs {
		p.trials[r.Name] = r.Config.Warmup + r.Config.Repeat
		nameW = max(nameW, utf8.RuneCountInString(r.Name))
		labelW = max(labelW, len(fmt.Sprintf("trial %d/%d", r.Config.Repeat, r.Config.Repeat)))
		if r.Config.Warmup > 0 {
			labelW = max(labelW, len(fmt.Sprintf("warm-up %d/%d", r.Config.Warmup, r.Config.Warmup)))
		}
		valueW = max(valueW, filesWidth(int64(r.Config.Files*p.trials[r.Name])))
	}
	if cols <= 0 {
		cols = defaultCols
	}
	layout, fits := fitProgress(cols, nameW, labelW, valueW)
	if tty && fits {
		p.long = layout.long
		pw := progress.NewWriter()
		pw.SetOutputWriter(w)
		pw.SetAutoStop(false)
		pw.SetUpdateFrequency(100 * time.Millisecond)
		pw.SetMessageLength(layout.msg)
		pw.SetTrackerLength(layout.bar)
		// go-pretty measures only os.Stdout; stderr is measured here. The
		// layout fits already: this only cuts a line that would not.
		pw.SetTerminalWidth(cols - 1)
		pw.SetSortBy(progress.SortByIndex)
		pw.SetTrackerPosition(progress.PositionRight)
		st := pw.Style()
		st.Visibility.ETA = false // the message carries the run's own
		st.Visibility.ETAOverall = false
		st.Visibility.TrackerOverall = false
		st.Visibility.Time = layout.time
		st.Visibility.Percentage = layout.pct
		st.Visibility.Value = true
		st.Options.TimeInProgressPrecision = 100 * time.Millisecond
		st.Options.TimeDonePrecision = 100 * time.Millisecond
		// A run that did not finish: its message says why (close).
		st.Options.ErrorString = "stopped"
		p.pw = pw
		p.render = make(chan struct{})
		for i, r := range runs {
			t := &progress.Tracker{Message: r.Name, Total: int64(r.Config.Files * p.trials[r.Name]), Index: uint64(i),
				Units:      progress.Units{Notation: " files", NotationPosition: progress.UnitsNotationPositionAfter, Formatter: progress.FormatNumber},
				DeferStart: true}
			p.trackers[r.Name] = t
			pw.AppendTracker(t)
		}
		go func() {
			defer close(p.render)
			pw.Render()
		}()
	}
	return p
}

// onTrial is engine.Options.OnTrial: the previous trial has ended.
func (p *progressDisplay) onTrial(ts engine.TrialStart) {
	p.finish()
	w := &trialWatch{ts: ts, start: p.now(), stop: make(chan struct{}), ended: make(chan struct{})}
	p.mu.Lock()
	p.cur = w
	p.mu.Unlock()
	go p.watch(w)
}

// finish ends the current trial's watch, which prints its last line.
func (p *progressDisplay) finish() {
	p.mu.Lock()
	w := p.cur
	p.cur = nil
	p.mu.Unlock()
	if w != nil {
		close(w.stop)
		<-w.ended
	}
}

// close ends the display: the last trial's line, and the terminal display
// stopped and drawn a last time. A run started and not finished says
// "interrupted" when the command was, else "failed" (its error follows the
// tables); never "done!".
func (p *progressDisplay) close(interrupted bool) {
	p.finish()
	if p.pw != nil {
		why := "failed"
		if interrupted {
			why = "interrupted"
		}
		p.mu.Lock()
		for name, t := range p.trackers {
			if t.IsStarted() && !t.IsDone() {
				t.UpdateMessage(fmt.Sprintf("%s %s · %s", name, p.last[name], why))
				t.MarkAsErrored()
			}
		}
		p.mu.Unlock()
		// Let the writer draw the final state before it stops.
		time.Sleep(150 * time.Millisecond)
		p.pw.Stop()
		<-p.render
	}
}

// watch follows w until its files are all done or it is stopped.
func (p *progressDisplay) watch(w *trialWatch) {
	defer close(w.ended)
	tick := time.NewTicker(min(pollEvery, p.every))
	defer tick.Stop()
	lastLine := w.start
	for {
		select {
		case <-w.stop:
			p.update(w, true)
			return
		case <-tick.C:
			files, _ := w.ts.Progress()
			if files >= w.ts.Files {
				p.update(w, true)
				<-w.stop // nothing more to show for this trial
				return
			}
			if p.pw != nil {
				p.update(w, false)
			} else if now := p.now(); now.Sub(lastLine) >= p.every {
				lastLine = now
				p.update(w, false)
			}
		}
	}
}

// update shows w's progress; final is its last update.
func (p *progressDisplay) update(w *trialWatch, final bool) {
	files, transitions := w.ts.Progress()
	elapsed := p.now().Sub(w.start)
	label := fmt.Sprintf("trial %d/%d", w.ts.Trial, w.ts.Trials)
	if w.ts.Warmup {
		label = fmt.Sprintf("warm-up %d/%d", w.ts.Trial, w.ts.Trials)
	}
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(transitions) / s
	}
	if p.pw != nil {
		p.updateTracker(w, label, files, rate, elapsed, final)
		return
	}
	switch {
	case final && files >= w.ts.Files:
		fmt.Fprintf(p.w, "done     %s %s: %d/%d files in %s, %.0f transitions/s\n", w.ts.Run, label, files, w.ts.Files, analysis.FormatDuration(elapsed), rate)
	case final:
		fmt.Fprintf(p.w, "stopped  %s %s: %d/%d files after %s, %.0f transitions/s\n", w.ts.Run, label, files, w.ts.Files, analysis.FormatDuration(elapsed), rate)
	default:
		fmt.Fprintf(p.w, "progress %s %s: %d/%d files, %.0f transitions/s, ETA %s\n", w.ts.Run, label, files, w.ts.Files, rate, eta(files, w.ts.Files, elapsed))
	}
}

func (p *progressDisplay) updateTracker(w *trialWatch, label string, files int, rate float64, elapsed time.Duration, final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.trackers[w.ts.Run]
	if t == nil {
		return
	}
	before := p.doneRuns[w.ts.Run]
	p.last[w.ts.Run] = label
	unit := "t/s"
	if p.long {
		unit = "transitions/s"
	}
	// The ETA is the run's, as the bar is: its files left at this trial's
	// rate so far.
	msg := fmt.Sprintf("%s %s · %.0f %s · run ETA %s", w.ts.Run, label, rate, unit, eta(files, int(t.Total-before), elapsed))
	if final {
		msg = fmt.Sprintf("%s %s · %.0f %s · %s", w.ts.Run, label, rate, unit, analysis.FormatDuration(elapsed))
		p.doneRuns[w.ts.Run] = before + int64(files)
	}
	t.UpdateMessage(msg)
	t.SetValue(before + int64(files))
	// A trial stopped short (an interruption, an error) leaves its run
	// unfinished: close says why.
	if final && files >= w.ts.Files && w.ts.Trial == w.ts.Trials && !w.ts.Warmup {
		t.MarkAsDone()
	}
}

// eta is the time the files left of total take at the rate of files in
// elapsed; "?" before the first file is done. total is the trial's files
// for the plain lines, the run's files not done before this trial for the
// terminal display.
func eta(files, total int, elapsed time.Duration) string {
	if files <= 0 {
		return "?"
	}
	left := time.Duration(float64(elapsed) * float64(total-files) / float64(files))
	return analysis.FormatDuration(left)
}

// A progressHook is a runner's OnTrial: it forwards to the display of the
// spec being run, which is made only when its run starts.
type progressHook struct{ disp *progressDisplay }

func (h *progressHook) onTrial(ts engine.TrialStart) {
	if h.disp != nil {
		h.disp.onTrial(ts)
	}
}
