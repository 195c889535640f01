package main

import (
	"fmt"
	"io"
	"sync"
	"time"

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
// left. On a terminal it is go-pretty's progress writer, one line per run;
// elsewhere (a pipe, a CI log) it prints plain lines every few seconds and
// one when each trial ends — the progress writer would fill a log with
// cursor movements. It never writes to stdout.
type progressDisplay struct {
	w      io.Writer
	every  time.Duration    // plain mode: the period of the lines
	trials map[string]int   // trials per run, warm-ups included
	pw     progress.Writer  // terminal mode; nil in plain mode
	render chan struct{}    // closed when pw.Render returns
	now    func() time.Time // the clock the rates and ETAs read

	mu       sync.Mutex
	trackers map[string]*progress.Tracker
	doneRuns map[string]int64 // files of the run's finished trials (terminal mode)
	cur      *trialWatch
}

// trialWatch follows one trial until it ends or the next one starts.
type trialWatch struct {
	ts    engine.TrialStart
	start time.Time
	stop  chan struct{}
	ended chan struct{}
}

// newProgressDisplay starts a display on w; tty chooses the terminal mode.
// runs are the runs about to be carried out (for the trials per run).
func newProgressDisplay(w io.Writer, tty bool, every time.Duration, runs []scenario.Run) *progressDisplay {
	if every <= 0 {
		every = progressEvery
	}
	p := &progressDisplay{w: w, every: every, trials: map[string]int{}, now: time.Now,
		trackers: map[string]*progress.Tracker{}, doneRuns: map[string]int64{}}
	width := 0
	for _, r := range runs {
		p.trials[r.Name] = r.Config.Warmup + r.Config.Repeat
		width = max(width, len(r.Name))
	}
	if tty {
		pw := progress.NewWriter()
		pw.SetOutputWriter(w)
		pw.SetAutoStop(false)
		pw.SetUpdateFrequency(100 * time.Millisecond)
		pw.SetMessageLength(width + len(" trial 10/10 · 99999 transitions/s · ETA 1h00m00s"))
		pw.SetTrackerLength(20)
		pw.SetSortBy(progress.SortByIndex)
		pw.SetTrackerPosition(progress.PositionRight)
		st := pw.Style()
		st.Visibility.ETA = false // the message carries the current trial's own
		st.Visibility.ETAOverall = false
		st.Visibility.TrackerOverall = false
		st.Visibility.Time = true
		st.Visibility.Value = true
		st.Options.TimeInProgressPrecision = 100 * time.Millisecond
		st.Options.TimeDonePrecision = 100 * time.Millisecond
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
// stopped and drawn a last time.
func (p *progressDisplay) close() {
	p.finish()
	if p.pw != nil {
		for _, t := range p.trackers {
			if t.IsStarted() && !t.IsDone() {
				t.MarkAsDone()
			}
		}
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
	msg := fmt.Sprintf("%s %s · %.0f transitions/s · ETA %s", w.ts.Run, label, rate, eta(files, w.ts.Files, elapsed))
	if final {
		msg = fmt.Sprintf("%s %s · %.0f transitions/s · %s", w.ts.Run, label, rate, analysis.FormatDuration(elapsed))
		p.doneRuns[w.ts.Run] = before + int64(files)
	}
	t.UpdateMessage(msg)
	t.SetValue(before + int64(files))
	if final && w.ts.Trial == w.ts.Trials && !w.ts.Warmup {
		t.MarkAsDone()
	}
}

// eta is the time left at the trial's average rate so far; "?" before the
// first file is done.
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
