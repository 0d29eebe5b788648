# eventsource-wasm — `make run` serves the demo, `make test` runs every test.
SHELL := /bin/bash
GO      ?= go
ADDR    ?= 127.0.0.1:8080
GOROOT  := $(shell $(GO) env GOROOT)
WASMEXEC := $(GOROOT)/lib/wasm
DIST    := web/dist
WASMBUILD := GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w'
NATIVE_PKGS := ./e2e/streamgen/... ./e2e/supporttable/... ./sse/... ./broker/... ./server/... ./web/... ./wasm/client/... ./wasm/cmd/eventsource/... ./wasm/cmd/demo/internal/...

.PHONY: all build wasm package run test vet test-native test-wasm test-browser browser-support fuzz-browser chromium firefox webkit curl redis fuzz bench screenshots clean
comma := ,
MINIBROWSER := /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser
# APT_INSTALL installs Debian packages, refreshing the package lists first
# only when the install cannot find them (a fresh image has none); as root,
# or through sudo for another user.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get install -y -qq -o DPkg::Lock::Timeout=300 "$$@" >/dev/null 2>&1 || \
  { apt-get update -qq -o DPkg::Lock::Timeout=300 && apt-get install -y -qq -o DPkg::Lock::Timeout=300 "$$@" >/dev/null; }' apt-install

all: build

## build: the wasm modules (precompressed) and the server binary with them embedded.
build: wasm
	$(GO) build -trimpath -o bin/eventsource-server ./server/cmd/eventsource-server

wasm:
	$(WASMBUILD) -o $(DIST)/eventsource.wasm ./wasm/cmd/eventsource
	$(WASMBUILD) -o $(DIST)/demo.wasm ./wasm/cmd/demo
	cp $(WASMEXEC)/wasm_exec.js $(DIST)/wasm_exec.js
	$(GO) run ./web/precompress $(DIST)/eventsource.wasm $(DIST)/demo.wasm $(DIST)/wasm_exec.js

## package: the npm package eventsource-wasm in $(PKG)/ (from the template web/package/, whose
## package.json holds the version) and its `npm pack` tarball in build/; `npm publish --dry-run` checks it.
PKG := build/package
package: wasm
	rm -rf $(PKG) build/eventsource-wasm-*.tgz && mkdir -p $(PKG)
	cp web/package/package.json web/package/README.md LICENSE $(PKG)/
	cp web/eventsource-wasm.js web/eventsource-wasm.d.ts web/eventsource-shared*.js $(DIST)/eventsource.wasm $(DIST)/wasm_exec.js $(PKG)/
	cp $(GOROOT)/LICENSE $(PKG)/wasm_exec.LICENSE
	chmod 644 $(PKG)/*
	cd $(PKG) && npm publish --dry-run --loglevel=warn
	npm pack ./$(PKG) --pack-destination build --loglevel=warn

## run: build everything and serve the demo on $(ADDR).
run: build
	./bin/eventsource-server -addr $(ADDR)

## test: every test — vet, staticcheck and gofmt, native tests with -race, wasm tests under Node, browser tests in headless Chromium.
## The packages are installed first, one apt-get at a time; then the four phases run at the same time (the
## browser tests spend most of their time waiting, the others fill the CPU meanwhile), each phase's output
## printed whole when it ends. Any failure fails the run.
test:
	@$(MAKE) --no-print-directory $(sort chromium $(subst $(comma), ,$(BROWSERS)) redis curl)
	@$(MAKE) --no-print-directory -j4 --output-sync=target vet test-native test-wasm test-browser

vet: wasm
	@out=$$(gofmt -l .) || exit 1; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./wasm/...
	$(GO) build -o bin/staticcheck honnef.co/go/tools/cmd/staticcheck
	bin/staticcheck ./...
	GOOS=js GOARCH=wasm bin/staticcheck ./wasm/...

# web/... embeds web/dist: wasm writes it first.
test-native: wasm redis curl
	$(GO) test -race -count=1 $(NATIVE_PKGS)

# The wasm tests need a live server: e2e's TestWasmUnderNode starts one and runs
# `GOOS=js GOARCH=wasm go test ./wasm/...` under Node against it.
test-wasm: wasm
	$(GO) test -count=1 -run 'TestWasmUnderNode' ./e2e/

## test-browser: the e2e tests in real browsers; BROWSERS=chromium,firefox,webkit (default) picks the
## engines of the cross-engine tests (the Chromium-only tests, DevTools and bundler fixtures, always run).
BROWSERS ?= chromium,firefox,webkit
test-browser: wasm package chromium $(subst $(comma), ,$(BROWSERS))
	E2E_BROWSERS=$(BROWSERS) $(GO) test -count=1 -timeout 10m -skip 'TestWasmUnderNode' ./e2e/

## chromium: Debian's chromium, installed with apt-get when missing (never a downloaded browser).
chromium:
	@command -v chromium >/dev/null || { echo "installing Debian's chromium"; \
	  $(APT_INSTALL) chromium; }

## browser-support: run the conformance suite in every engine and write the browser support table
## (README block and docs/browser-support.md). Not part of test, which leaves the tree untouched.
browser-support: wasm chromium firefox webkit
	rm -rf build/conformance && mkdir -p build/conformance
	E2E_CONFORMANCE_OUT=$(CURDIR)/build/conformance $(GO) test -count=1 -run '^TestConformance$$' ./e2e/
	$(GO) run ./e2e/supporttable/write -in build/conformance -readme README.md -detail docs/browser-support.md

## firefox: Debian's firefox-esr (driven through its built-in WebDriver BiDi: Debian has no geckodriver).
firefox:
	@command -v firefox-esr >/dev/null || { echo "installing Debian's firefox-esr"; \
	  $(APT_INSTALL) firefox-esr; }

## webkit: WebKitGTK's MiniBrowser and WebKitWebDriver, and Xvfb for its display.
webkit:
	@{ command -v WebKitWebDriver && command -v Xvfb && test -x $(MINIBROWSER); } >/dev/null || \
	  { echo "installing Debian's webkit2gtk-driver and xvfb"; $(APT_INSTALL) webkit2gtk-driver xvfb; }

## curl: Debian's curl (the command's HTTP/2 test drives it), installed with apt-get when missing.
curl:
	@command -v curl >/dev/null || { echo "installing Debian's curl"; \
	  $(APT_INSTALL) curl; }

## redis: Debian's redis-server, installed with apt-get when missing; the tests start their own
## on free loopback ports, so the packaged service is stopped.
redis:
	@command -v redis-server >/dev/null || { echo "installing Debian's redis-server"; \
	  $(APT_INSTALL) redis-server && \
	  { $(SUDO) systemctl disable --now redis-server >/dev/null 2>&1 || $(SUDO) invoke-rc.d redis-server stop >/dev/null 2>&1 || true; }; }

## fuzz-browser: random differential fuzzing of WasmEventSource in the browsers against the sse parser,
## FUZZCOUNT streams (default 500) from a random first seed (FUZZSEED to replay).
FUZZCOUNT ?= 500
fuzz-browser: wasm $(subst $(comma), ,$(BROWSERS))
	E2E_BROWSERS=$(BROWSERS) E2E_FUZZ_SEED=$${FUZZSEED:-$$(date +%s)} E2E_FUZZ_COUNT=$(FUZZCOUNT) \
	  $(GO) test -count=1 -timeout 30m -run '^TestBrowserFuzz$$' -v ./e2e/ | grep -v '^=== RUN'

## fuzz: run the parser's chunking fuzz target for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzChunking -fuzztime $(FUZZTIME) ./sse/

clean:
	rm -rf bin build
	find $(DIST) -type f ! -name .gitkeep -delete

## screenshots: PNGs of the demo's compare, auth, try and lifecycle views (headless Chromium), shown in the README.
screenshots: wasm chromium
	$(GO) run ./e2e/screenshots -out docs/screenshots

## bench: benchmarks, not part of test (about 11 min): writes bench/RESULTS.md and bench/chart-*.svg.
## Fails loudly when eventsource.wasm exceeds its 600 KB brotli budget. BENCHFLAGS="-only client" runs one section.
bench: wasm chromium
	npm ci --prefix bench --no-audit --no-fund --loglevel=error
	$(GO) run ./bench $(BENCHFLAGS)
