package scenario

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/bad/*.err from the current output")

// badSpecs lists the bad-spec corpus; files named expr_* (assertions) and
// sqlite_* (workload SQL, prepared on SQLite) are the engine's.
func badSpecs(t testing.TB) []string {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if base := filepath.Base(f); !strings.HasPrefix(base, "expr_") && !strings.HasPrefix(base, "sqlite_") {
			out = append(out, f)
		}
	}
	return out
}

func TestBadSpecs(t *testing.T) {
	// A postgres run's URL defaults to this variable; the goldens expect
	// it unset.
	t.Setenv("SCENRUN_POSTGRES_URL", "")
	files := badSpecs(t)
	if len(files) < 45 {
		t.Errorf("got %d bad specs, want at least 45", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := Parse(f, data, nil)
			if err == nil {
				t.Fatalf("got spec %q, want an error", spec.Name)
			}
			if _, ok := err.(Errors); !ok {
				t.Errorf("got error of type %T, want Errors", err)
			}
			got := err.Error()
			golden := strings.TrimSuffix(f, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if w := strings.TrimSuffix(string(want), "\n"); got != w {
				t.Errorf("got\n%s\nwant\n%s", got, w)
			}
		})
	}
}

func TestGoodSpecs(t *testing.T) {
	files, err := filepath.Glob("testdata/good/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("got no good specs, want some")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, err := Load(f, nil)
			if err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if len(s.Runs) == 0 {
				t.Errorf("got no runs, want some")
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, file := range badSpecs(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	good, _ := filepath.Glob("testdata/good/*.yaml")
	for _, file := range good {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data, []string{"files=5", "pragmas.cache_size=-100"})
		if err != nil {
			es, ok := err.(Errors)
			if !ok || len(es) == 0 {
				t.Fatalf("got error %T %v, want non-empty Errors", err, err)
			}
			for _, e := range es {
				if e.Msg == "" {
					t.Fatalf("got an empty message in %v", es)
				}
			}
			return
		}
		if len(s.Runs) == 0 {
			t.Fatalf("got a spec with no runs and no error")
		}
		for _, r := range s.Runs {
			if r.Config.Files != 5 && !r.Matrix {
				t.Fatalf("run %s: got files %d, want 5 from -set", r.Name, r.Config.Files)
			}
		}
		for _, a := range s.Assertions {
			for l := 0; l < 4; l++ {
				for c := -1; c < 80; c++ {
					a.PosOf(l, c)
				}
			}
		}
	})
}

func FuzzSet(f *testing.F) {
	for _, s := range []string{"files=10", "pragmas.Cache_Size=-1", "timeout=1s", "setup_sql=[a, b]", "connect_sql={a: b}", "profile=slow", "seed=-9", "keep_db=true", "=", "x", "pragmas.=1", "files=&a 1", "files=*a", "gate.alpha=0.2", "gate.noise_floor_pct=3", "workload=files", "database=postgres", "isolation=serializable", "busy_backoff=1ms", "postgres=postgres://h/db"} {
		f.Add(s)
	}
	const src = "version: 1\nname: s\nprofiles: {slow: {latency: 1s}}\nruns: [{name: a, files: 3}]\nmatrix: {concurrency: [1, 2]}\n"
	f.Fuzz(func(t *testing.T, set string) {
		s, err := Parse("f.yaml", []byte(src), []string{set})
		if err != nil {
			es, ok := err.(Errors)
			if !ok || len(es) != 1 || es[0].Line != 0 || !strings.HasPrefix(es[0].Msg, "-set ") {
				t.Fatalf("got %v, want one -set error", err)
			}
			return
		}
		if len(s.Runs) != 3 {
			t.Fatalf("got %d runs, want 3", len(s.Runs))
		}
	})
}
