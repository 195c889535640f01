package engine

import "fmt"

// batchColumn shows single_writer's group commits, the state changes per
// transaction as "mean/max"; it appears only when a run has them.
var batchColumn = resultColumn{header: "batch mean/max", right: true, cell: func(_ *reportWriter, run *RunResult) string {
	if run.Batches == nil {
		return ""
	}
	return fmt.Sprintf("%s/%d", fmtNum(run.Batches.Mean), run.Batches.Max)
}}
