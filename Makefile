# scenrun — make run, make test; see README.md.
GO      ?= go
BIN     := bin/scenrun
SPEC    ?= scenarios/mitigation.yaml
FUZZTIME ?= 10s

.PHONY: build run test race fuzz bench aa lint clean

build:
	$(GO) build -o $(BIN) ./cmd/scenrun

# Runs scenarios/mitigation.yaml; each run's database lives in a fresh temp dir.
run: build
	./$(BIN) $(SPEC)

# Everything CI checks: formatting, vet, the race detector on every package,
# every scenario validated, and each fuzz target briefly.
test: lint
	$(GO) test -race -count=1 ./...
	$(MAKE) fuzz FUZZTIME=$(FUZZTIME)

# Each fuzz target in turn (go test -fuzz takes one target at a time).
fuzz:
	$(GO) test ./scenario -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./scenario -run '^$$' -fuzz '^FuzzSet$$' -fuzztime $(FUZZTIME)
	$(GO) test ./engine -run '^$$' -fuzz '^FuzzCompile$$' -fuzztime $(FUZZTIME)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench: build
	./scripts/bench.sh
	$(MAKE) aa

# The gate's honesty: how often lower() finds a difference between two
# identical runs (scenarios/aa-test.yaml, AA_REPS repetitions, default 20).
aa: build
	./scripts/aa.sh

clean:
	rm -rf bin
