package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/scenrun/scenrun/engine"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

// scenrunVersion is the -ldflags version, else the module version or VCS
// revision the binary was built from, else "dev".
func scenrunVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if dirty {
				rev += "-dirty"
			}
			return "dev-" + rev
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

// printVersion is `scenrun version`: scenrun's version, Go's and SQLite's.
func printVersion(stdout io.Writer) int {
	e := engine.NewEnvironment("")
	fmt.Fprintf(stdout, "scenrun %s (%s, SQLite %s)\n", scenrunVersion(), e.Go, e.SQLite)
	return exitOK
}
