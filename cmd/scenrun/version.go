package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/scenrun/scenrun/engine"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

// scenrunVersion is the version this binary says it is: the -ldflags
// version, else what the Go toolchain recorded when it built it.
func scenrunVersion() string {
	bi, _ := debug.ReadBuildInfo()
	return formatVersion(version, bi)
}

// formatVersion is the version from an -ldflags version, else from the
// build information: `go install …@v0.3.0` records the module version
// (v0.3.0); `go build` in a git checkout records "(devel)" and the VCS
// revision, with -dirty when the work tree had changes ("(devel)
// 1a2b3c4d5e6f-dirty"). Without either it is "(devel)".
func formatVersion(ldflags string, bi *debug.BuildInfo) string {
	if ldflags != "" {
		return ldflags
	}
	if bi == nil {
		return "(devel)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if v != "(devel)" || rev == "" {
		// A module version names its source already (a pseudo-version
		// holds the revision).
		return v
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return v + " " + rev
}

// commitTime is the time of the VCS commit the binary was built from, ""
// when the toolchain recorded none.
func commitTime(bi *debug.BuildInfo) string {
	if bi == nil {
		return ""
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.time" {
			return s.Value
		}
	}
	return ""
}

// printVersion is `scenrun version` (and -version): scenrun's version, then
// Go's, the platform and SQLite's, and the commit time when known.
func printVersion(stdout io.Writer) int {
	bi, _ := debug.ReadBuildInfo()
	e := engine.NewEnvironment("")
	fmt.Fprintf(stdout, "scenrun %s (%s, %s/%s, SQLite %s)\n", formatVersion(version, bi), runtime.Version(), runtime.GOOS, runtime.GOARCH, e.SQLite)
	if t := commitTime(bi); t != "" {
		fmt.Fprintf(stdout, "commit time %s\n", t)
	}
	return exitOK
}
