package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "-version", "--version"} {
		t.Run(arg, func(t *testing.T) {
			code, stdout, stderr := scenrun(t, arg)
			want := " (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ", SQLite 3."
			if code != exitOK || stderr != "" || !strings.HasPrefix(stdout, "scenrun ") || !strings.Contains(stdout, want) {
				t.Errorf("got %d %q, stderr %q; want 0 and scenrun VERSION%s…", code, stdout, stderr, want)
			}
		})
	}
}

// TestFormatVersion checks the version a binary reads from its build
// information, as each way of building it records it.
func TestFormatVersion(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d"
	tests := []struct {
		name    string
		ldflags string
		bi      *debug.BuildInfo
		want    string
	}{
		{"go install …@v0.3.0", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}}, "v0.3.0"},
		{"go install …@latest, a pseudo-version", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261126062758-1a2b3c4d5e6f"}}, "v0.0.0-20261126062758-1a2b3c4d5e6f"},
		{"go build in a clean checkout", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "false")}, "(devel) 1a2b3c4d5e6f"},
		{"go build in a modified checkout", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "true")}, "(devel) 1a2b3c4d5e6f-dirty"},
		{"go build without VCS", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "(devel)"},
		{"go test", "", &debug.BuildInfo{}, "(devel)"},
		{"no build information", "", nil, "(devel)"},
		{"-ldflags -X main.version", "v1.2.3", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "true")}, "v1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatVersion(tt.ldflags, tt.bi); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
