# cardcenter — see README.md. `make run` is the main job; `make test` is the whole test suite.
GO        ?= go
DB        ?= cardcenter-demo.db
STATICCHECK = $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The concurrent packages and the property tests are slow under -race on 2 cores.
TEST_TIMEOUT ?= 30m

.PHONY: all build deps run demo test lint bench fmt clean

all: build

build:
	$(GO) build -o cardcenter .

deps:
	./scripts/deps.sh

# Until the desk screens exist, the main job shows the operator cash report of a generated site.
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

test: deps lint
	CI=$${CI:-} $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -f cardcenter $(DB) $(DB)-wal $(DB)-shm
