package scenario

import "testing"

func TestRepeatAuto(t *testing.T) {
	const src = `version: 1
name: s
defaults: {repeat: auto, repeat_max: 12}
runs:
  - name: a
  - name: b
    repeat_max: 30
  - name: fixed
    repeat: 5
  - name: later
    repeat: 3
    repeat_max: 8
`
	type want struct {
		auto           bool
		repeat, repMax int
	}
	tests := []struct {
		name string
		sets []string
		want map[string]want
	}{
		{"file", nil, map[string]want{"a": {true, 12, 12}, "b": {true, 30, 30}, "fixed": {false, 5, 12}, "later": {false, 3, 8}}},
		{"-set repeat=auto", []string{"repeat=auto"}, map[string]want{"a": {true, 12, 12}, "b": {true, 30, 30}, "fixed": {true, 12, 12}, "later": {true, 8, 8}}},
		{"-set repeat_max=6", []string{"repeat_max=6"}, map[string]want{"a": {true, 6, 6}, "b": {true, 6, 6}, "fixed": {false, 5, 6}, "later": {false, 3, 6}}},
		{"-set repeat=4", []string{"repeat=4"}, map[string]want{"a": {false, 4, 12}, "b": {false, 4, 30}, "fixed": {false, 4, 12}, "later": {false, 4, 8}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, src, tt.sets...)
			for _, r := range s.Runs {
				c := r.Config
				got := want{c.RepeatAuto, c.Repeat, c.RepeatMax}
				if got != tt.want[r.Name] {
					t.Errorf("run %s: got auto %v repeat %d repeat_max %d, want %+v", r.Name, got.auto, got.repeat, got.repMax, tt.want[r.Name])
				}
			}
		})
	}
	if d := DefaultConfig(); d.RepeatAuto || d.RepeatMax != 20 {
		t.Errorf("got default auto %v repeat_max %d, want false 20", d.RepeatAuto, d.RepeatMax)
	}
}
