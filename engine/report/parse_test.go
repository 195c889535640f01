package report

import (
	"testing"

	"github.com/scenrun/scenrun/scenario"
)

// parse builds a spec from YAML text for a test.
func parse(t *testing.T, src string, sets ...string) *scenario.Spec {
	t.Helper()
	spec, err := scenario.Parse("test.yaml", []byte(src), sets)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return spec
}
