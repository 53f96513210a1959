# QuickHelp: one entry point for setting up, building, running and testing.
#   make run    set up, build and start a complete local installation
#   make test   set up, build and run every test (what CI runs)

SHELL := /bin/bash
VERSION ?= $(shell cat VERSION 2>/dev/null || echo 0.0.0-dev)
LDFLAGS := -s -w -X github.com/quickhelp/quickhelp/internal/version.Version=$(VERSION)
GO ?= go
BIN := bin

.PHONY: all deps frontend build build-go build-test build-desktop build-desktop-linux run test test-go test-fuzz test-frontend test-e2e test-desktop test-wine lint bench bench-compare bench-load dist dist-test clean

all: build

deps:
	@scripts/deps.sh

frontend:
	@if [ -f frontend/package.json ]; then npm run build --workspace frontend --silent; fi
	@mkdir -p frontend/dist && touch frontend/dist/.gitkeep
	@mkdir -p signaling/adminui/dist && touch signaling/adminui/dist/.gitkeep

build-go: frontend
	@mkdir -p $(BIN)
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./signaling/cmd/quickhelp-server $(wildcard ./daemon/cmd/quickhelp-sharer)
	$(GO) build -tags desktop,production,webkit2_41 -ldflags '$(LDFLAGS)' -o $(BIN)/quickhelp .

# Test builds (bin/test/): the same programs with the test-only knobs of the
# quickhelp_test build tag, e.g. $$QUICKHELP_POLICY_FILE in place of the machine
# policy. Only tests use them; shipped binaries never have the tag.
TEST_TAGS := quickhelp_test
build-test: frontend
	@mkdir -p $(BIN)/test
	$(GO) build -tags $(TEST_TAGS) -ldflags '$(LDFLAGS)' -o $(BIN)/test/ . ./daemon/cmd/quickhelp-sharer

# The desktop app through the Wails CLI: Linux (WebKitGTK 4.1) and a Windows cross-build.
build-desktop: frontend
	@if [ -f wails.json ]; then \
	  $(BIN)/wails build -s -tags "desktop webkit2_41" -ldflags '$(LDFLAGS)' -o quickhelp-desktop && \
	  $(BIN)/wails build -s -platform windows/amd64 -webview2 error -tags desktop -ldflags '$(LDFLAGS)' -o quickhelp.exe; \
	fi

build-desktop-linux: frontend
	$(BIN)/wails build -s -tags "desktop webkit2_41" -ldflags '$(LDFLAGS)' -o quickhelp-desktop

build: deps build-go build-desktop

run: build
	@scripts/run.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags $(TEST_TAGS) ./internal/policy/... ./daemon/cmd/quickhelp-sharer/... ./daemon/sharer/... ./test/integration/...
	@grep -q '"productVersion": "$(VERSION)"' wails.json || { echo "wails.json productVersion differs from VERSION ($(VERSION))"; exit 1; }
	GOOS=windows $(GO) vet ./wire/... ./daemon/win32/... ./daemon/x11/... ./daemon/input/... ./daemon/capture/... ./daemon/overlay/... ./daemon/tray/... ./internal/localapi/... ./daemon/hotkey/... ./daemon/desktop/... ./daemon/actions/... ./daemon/shareable/... ./internal/i18n/... ./internal/policy/... ./test/wine/pattern/...
	@# macOS: the three programs build without cgo and without the desktop tag
	@# (the daemon refuses to share there; the helper console runs in web mode).
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) build -o /dev/null ./signaling/cmd/quickhelp-server ./daemon/cmd/quickhelp-sharer .
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) vet ./internal/localapi/... ./daemon/shareable/... ./daemon/sharer/...
	@# The app and the daemon meet only in test/integration: neither side's
	@# packages or tests import the other (so app/... tests build without cgo).
	@if $(GO) list -deps -test ./app/... | grep 'quickhelp/daemon'; then echo "app/... imports daemon/... (tests of both go in test/integration)"; exit 1; fi
	@if $(GO) list -deps -test ./daemon/... | grep 'quickhelp/app'; then echo "daemon/... imports app/... (tests of both go in test/integration)"; exit 1; fi

test-go:
	$(GO) test -race -tags $(TEST_TAGS) -timeout 20m ./...
	@# The app's unit tests need neither cgo nor libvpx.
	CGO_ENABLED=0 $(GO) test -count=1 ./app/...
	@# Without the tag: the shipped build ignores the test-only knobs.
	$(GO) test -count=1 -run 'Shipped' ./internal/policy/ ./daemon/sharer/
	@# The full brute-force search is too slow under the race detector.
	$(GO) test -count=1 -run 'TestBruteForceNoHit' ./signaling/server/

# Every fuzz target of the module, a few seconds each, one after the other
# (scripts/fuzz.sh finds them; about two minutes in all).
test-fuzz:
	@scripts/fuzz.sh

test-frontend:
	@if [ -f frontend/package.json ]; then npm run check --workspace frontend && npm test --workspace frontend; fi

test-e2e: build-test
	npm test --workspace test/e2e

# The desktop app: builds with the Wails CLI, starts under Xvfb and shows
# the sign-in screen (screenshot checked non-blank), runs a whole session in
# the WebKitGTK window against bin/'s service and sharer daemon (video decoded
# in the window, checked by its pixels; control); the Windows cross-build.
test-desktop: build-go
	@scripts/desktop-test.sh

# QuickHelp's Windows code under wine64 on a private Xvfb display: the local
# API's real Win32 pipe calls, and the real quickhelp-sharer.exe joining a
# session (scripts/wine-test.sh; a ProcessPrng shim DLL for Go under wine 8,
# tests only).
test-wine:
	@scripts/wine-test.sh

test: build lint test-go test-fuzz test-frontend test-e2e test-desktop test-wine dist-test

dist: build
	@scripts/dist.sh

dist-test: build
	@scripts/dist-test.sh

bench-load: build-go
	@# CLUSTER=3: that many nodes on a throw-away PostgreSQL and nats-server, each session across two nodes.
	ulimit -n $$(ulimit -Hn); $(GO) run ./bench/load -sessions $${SESSIONS:-10000} -duration 60s -interval 5s \
		$${CLUSTER:+-cluster $$CLUSTER} -out bench/results/load$${CLUSTER:+-cluster}.json

bench: build
	@scripts/bench.sh

# QuickHelp against x11vnc + noVNC on one Xvfb (bench/README.md); RUNS=n repeats every workload
# (10-s windows after 5 s of settling: RUNS=10 takes about 40 minutes). Needs root (nft byte counters).
bench-compare: build
	node bench/compare/compare.mjs -runs $${RUNS:-1} -secs 10 -settle 5

clean:
	rm -rf $(BIN) build/bin dist bench/results
