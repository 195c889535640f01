package analysis

import "testing"

func TestLockVerdict(t *testing.T) {
	for _, tt := range []struct {
		uncontended, write float64
		want               string
		ratio              float64
	}{
		{0.05, 0.05, "CLEAN", 1},
		{0.05, 0.14, "CLEAN", 2.8},
		{0.05, 0.16, "WAITING", 3.2},
		{0.05, 30, "WAITING", 600},
		{0, 30, "", 0},
	} {
		m := Measurement{UncontendedWriteMS: Stat{P95: tt.uncontended, Count: 32}, WriteLockMS: Stat{P95: tt.write, Count: 100}}
		if tt.uncontended == 0 {
			m.UncontendedWriteMS.Count = 0
		}
		v, r := LockVerdict(&m)
		if v != tt.want || r < tt.ratio-1e-9 || r > tt.ratio+1e-9 {
			t.Errorf("uncontended %g, write %g: got %s %g, want %s %g", tt.uncontended, tt.write, v, r, tt.want, tt.ratio)
		}
	}
}
