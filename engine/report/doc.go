// Package report renders results for people and tools: the text, markdown
// and CSV tables (go-pretty), the HTML report with its charts (gonum/plot),
// JUnit XML and the plan table, and it writes every output file through one
// atomic writer (saveFile). It reads results and never changes them; it is
// the only package that imports go-pretty's table or gonum/plot.
package report
