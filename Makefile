# cardcenter — see README.md. `make demo` is the main job; `make test` is the whole test suite.
GO        ?= go
DB        ?= cardcenter-demo.db
STATICCHECK = $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The concurrent packages and the property tests are slow under -race on 2 cores.
TEST_TIMEOUT ?= 30m

.PHONY: all build deps run demo test test-pg lint bench fuzz fmt clean

all: build

build:
	$(GO) build -o cardcenter .

deps:
	./scripts/deps.sh

# The operator cash report of a generated site, from the command line.
run: deps build
	@test -f $(DB) || ./cardcenter gen --db $(DB) --recharges 20000
	./cardcenter settle --db $(DB)
	./cardcenter report --db $(DB) --days 7 --format table

# The desk on a demo site with virtual cards on the real PC/SC stack (see README).
demo: deps build
	./scripts/demo.sh

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

# The tests run under scripts/pg-run.sh: a throw-away PostgreSQL 15 cluster with fsync on,
# in a temporary directory (several can run at once, unlike pg_virtualenv's fixed
# 15/regress), whose PGHOST, PGPORT and PGUSER reach them (store/pgtest gives each test a
# database of its own); the cluster is removed when they end. Under CI=true a PostgreSQL
# test fails when there is no server, elsewhere it is skipped.
PG_RUN ?= ./scripts/pg-run.sh
# Then every screen test once more with its desk a client of a host (the desk API on a
# loopback TLS socket, views/viewtest RemoteEnv): the same screens and the same ledger.
test: deps lint
	$(PG_RUN) env CI=$${CI:-} $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...
	env CI=$${CI:-} CARDCENTER_VIEWTEST_REMOTE=1 $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./views/...

# Every test of the app package on PostgreSQL (make test runs only the rule and property
# tests there, beside the whole package on SQLite).
test-pg: deps
	$(PG_RUN) env CI=$${CI:-} CARDCENTER_TEST_DB=postgres $(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./app/ ./store/...

bench: deps
	$(PG_RUN) $(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

# Each fuzz target for FUZZTIME (go test fuzzes one target per run). Their seed corpora
# (f.Add and testdata/fuzz/) run in every `make test`; an input that fails is written to the
# package's testdata/fuzz/<target>/ and stays there as a regression seed. See README.
FUZZTIME  ?= 30s
FUZZFLAGS ?=
FUZZ_TARGETS = \
	app/posapi:FuzzDecodeAuthorize app/posapi:FuzzDecodeRecharge app/posapi:FuzzDecodeConfirm \
	app/posapi:FuzzDecodeCancel app/posapi:FuzzDecodeReverse app/posapi:FuzzDecodeSummary \
	app/posapi:FuzzDecodeLastSerial app/posapi:FuzzDecodeBatch app/deskapi:FuzzDecodeArgs \
	cardio:FuzzDecode cardio:FuzzDecodePurse cardio:FuzzDecodeLogEntry cardio:FuzzDecodeIdentity cardio:FuzzRead

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; echo "== $$pkg $$fn ($(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./$$pkg; \
	done

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -f cardcenter $(DB) $(DB)-wal $(DB)-shm
