# scenrun — make run, make test; see README.md.
GO      ?= go
BIN     := bin/scenrun
SPEC    ?= scenarios/mitigation.yaml
FUZZTIME ?= 10s

.PHONY: build run test race fuzz bench gobench aa lint clean html-check soak

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
	$(GO) test ./engine/analysis -run '^$$' -fuzz '^FuzzCompile$$' -fuzztime $(FUZZTIME)

# Random mutations of every scenario in scenarios/ (a key deleted or given
# twice, a value of another type, a number huge, negative or zero, names
# swapped, the text cut short), each run by the built binary with -quick
# for SOAK (default 60s): fails on a panic, an exit code outside 0–3 and
# 130, a spec error without FILE:LINE:COL, anything left in TMPDIR or an
# invalid results JSON. It prints its seed; SOAK_SEED=N replays a soak and
# SOAK_CASE=K one mutation of it. Failed specs go to bin/soak-failures/.
SOAK ?= 60s
soak: build
	SOAK=$(SOAK) $(GO) run ./cmd/soak -bin $(BIN)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# The engine against the raw limit of SQLite from Go and, for every
# connection mode at c=1, 10 and 50, against its hand-written twin, in
# alternating repetitions (cmd/scenbench; BENCHFLAGS=-reps 15 for more);
# then the read-then-write workload (per_file, pool, single_writer) and, when
# SCENRUN_POSTGRES_URL is set, the PostgreSQL pool (skipped, and said so,
# without a server). BENCHFLAGS='-run jobs' measures only those matching.
# About a minute and a half on two idle cores. The A/A false-positive check
# is its own target (make aa, three minutes more): run together they
# overran the bench's five minutes on a busy machine.
BENCHFLAGS ?=
bench:
	$(GO) run ./cmd/scenbench $(BENCHFLAGS)

# The pieces, as Go benchmarks: fsm Apply/ApplyBatch/raw loop, engine
# summarize, draw and a whole trial per mode.
gobench:
	$(GO) test -run '^$$' -bench . -benchtime 20000x ./fsm/...
	$(GO) test -run '^$$' -bench 'Summarize|Draw' ./engine
	$(GO) test -run '^$$' -bench 'Trial' -benchtime 5x ./engine

# The gate's honesty: how often lower() finds a difference between two
# identical runs (scenarios/aa-test.yaml at AA_FILES files, default 100):
# AA_REPS repetitions with its fixed repeat (default 20), then AA_SEQ_REPS
# with repeat: auto (default 10, 60 verdicts), whose rate must stay ≤ α.
aa:
	$(GO) run ./cmd/scenbench -aa $${AA_REPS:-20} -aa-seq $${AA_SEQ_REPS:-10} -aa-files $${AA_FILES:-100}

# Renders the HTML report of $(SPEC) under -quick in headless Chromium
# (Debian: apt-get install chromium) and writes bin/report.html and
# bin/report.png: look at the picture. No network is needed to render it.
html-check: build
	./$(BIN) -quick -no-progress -out bin -html bin/report.html $(SPEC) >/dev/null; \
	  code=$$?; [ $$code -le 1 ] || exit $$code
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	  --disable-background-networking --disable-component-update --disable-sync \
	  --user-data-dir=$$(mktemp -d) --screenshot=bin/report.png --window-size=1400,3000 \
	  file://$(CURDIR)/bin/report.html 2>/dev/null
	@echo "wrote bin/report.html and bin/report.png"

clean:
	rm -rf bin
