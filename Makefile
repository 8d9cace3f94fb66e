# llmtel: `make demo` (the main job) and `make test` (every suite). Both install what they need.

export CARGO_BUILD_TARGET ?= x86_64-unknown-linux-gnu
CARGO ?= cargo
VENV  := .venv
PY    := $(VENV)/bin/python

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
PROFILE ?= debug
C_OUT   := target/c
C_LIB   := target/$(CARGO_BUILD_TARGET)/$(PROFILE)/libllmtel.a
CFLAGS_STRICT := -Wall -Wextra -Werror -Iinclude
C_LINK  := $(C_LIB) -lpthread -ldl -lm

.PHONY: all demo test test-browser test-rust test-python python-build bench-python bench-node bench-cli test-node node-build test-c c-build c-lib header-check lint bench toolchain clean

all: test

toolchain:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install rustup (https://rustup.rs) first"; exit 1; }
	@rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt clippy

$(VENV)/.installed: tests/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	touch $@

# The Generate Report task from Node, Python and C, then the llmtel command's reports on it.
demo: toolchain node-build python-build c-lib examples/node/node_modules/.installed
	$(CARGO) build --quiet --release -p llmtel-cli
	$(CC) -std=c99 $(CFLAGS_STRICT) examples/c/quickstart.c $(C_LINK) -o $(C_OUT)/quickstart
	LLMTEL_BIN=target/$(CARGO_BUILD_TARGET)/release/llmtel PY=$(PY) C_QUICKSTART=$(C_OUT)/quickstart \
		bash examples/demo.sh

examples/node/node_modules/.installed: examples/node/package.json
	cd examples/node && npm install --no-audit --no-fund --silent
	touch $@

test: lint header-check test-rust test-c test-node test-python test-browser

lint: toolchain
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --exclude llmtel-python --all-targets --quiet -- -D warnings

test-rust: toolchain
	$(CARGO) test --workspace --exclude llmtel-python

# maturin owns the pyo3 crate (it sets its own PYO3 config), so plain cargo runs leave it out.
python-build: toolchain $(VENV)/.installed
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --quiet -m bindings-python/Cargo.toml

test-python: toolchain $(VENV)/.installed c-build python-build
	$(CARGO) build --quiet -p llmtel-core --example sentry_envelope
	$(PY) -m pytest -q -p no:warnings tests/relay tests/provider tests/c bindings-python/tests
	cd bindings-python/python && ../../$(PY) -m mypy.stubtest llmtel._native

# The checked-in header must be what build.rs generates from bindings-c/src/lib.rs.
header-check: toolchain
	@git ls-files --error-unmatch include/llmtel.h >/dev/null 2>&1 || { echo "include/llmtel.h is not checked in"; exit 1; }
	$(CARGO) build --quiet -p llmtel-c
	@git diff --exit-code --stat -- include/llmtel.h || { echo "include/llmtel.h is stale: commit the regenerated header"; exit 1; }

# The napi binding is a cdylib; node loads it as bindings-node/llmtel.node.
node-build: toolchain
	$(CARGO) build --quiet -p llmtel-node
	cp target/$(CARGO_BUILD_TARGET)/debug/libllmtel_node.so bindings-node/llmtel.node

bindings-node/node_modules/.installed: bindings-node/package.json
	cd bindings-node && npm install --no-audit --no-fund --silent
	touch $@

test-node: node-build bindings-node/node_modules/.installed
	cd bindings-node && node --test test/*.test.js

# Tests, the C++ check and the example, compiled strictly against the static library.
c-build: toolchain
	$(CARGO) build --quiet -p llmtel-c $(if $(filter release,$(PROFILE)),--release)
	@mkdir -p $(C_OUT)
	$(CC) -std=c99 $(CFLAGS_STRICT) tests/c/test_api.c $(C_LINK) -o $(C_OUT)/test_api
	$(CC) -std=c99 $(CFLAGS_STRICT) tests/c/scenario_runner.c $(C_LINK) -o $(C_OUT)/scenario_runner
	$(CXX) -std=c++17 $(CFLAGS_STRICT) tests/c/test_cpp.cpp $(C_LINK) -o $(C_OUT)/test_cpp

test-c: c-lib c-build
	$(C_OUT)/test_api
	$(C_OUT)/test_cpp
	@command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=9 $(C_OUT)/test_api
	$(CC) -std=c99 $(CFLAGS_STRICT) examples/c/quickstart.c $$(PKG_CONFIG_PATH=$(C_OUT)/dist/lib/pkgconfig pkg-config --cflags --libs --static llmtel) -o $(C_OUT)/quickstart
	cd $(C_OUT) && LD_LIBRARY_PATH=dist/lib LLMTEL_SPOOL=quickstart.jsonl ./quickstart

# An install tree: lib/libllmtel.{a,so}, include/llmtel.h, lib/pkgconfig/llmtel.pc.
# `make c-lib PROFILE=release PREFIX=/usr/local` builds for installing there.
PREFIX ?= $(abspath $(C_OUT)/dist)
c-lib: toolchain
	$(CARGO) build --quiet -p llmtel-c $(if $(filter release,$(PROFILE)),--release)
	@mkdir -p $(C_OUT)/dist/lib/pkgconfig $(C_OUT)/dist/include
	cp target/$(CARGO_BUILD_TARGET)/$(PROFILE)/libllmtel.a target/$(CARGO_BUILD_TARGET)/$(PROFILE)/libllmtel.so $(C_OUT)/dist/lib/
	cp include/llmtel.h $(C_OUT)/dist/include/
	sed -e 's#@PREFIX@#$(PREFIX)#' -e 's#@VERSION@#$(VERSION)#' bindings-c/llmtel.pc.in > $(C_OUT)/dist/lib/pkgconfig/llmtel.pc

# The HTML report in Debian's headless Chromium, driven by playwright-core (which downloads no
# browser of its own).
CHROMIUM ?= /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

tests/browser/node_modules/.installed: tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --silent
	touch $@

test-browser: toolchain $(CHROMIUM) tests/browser/node_modules/.installed
	$(CARGO) build --quiet -p llmtel-cli --bins --examples
	cd tests/browser && CHROMIUM=$(CHROMIUM) LLMTEL_BIN=target/$(CARGO_BUILD_TARGET)/debug/llmtel \
		SAMPLE_SPOOL_BIN=target/$(CARGO_BUILD_TARGET)/debug/examples/sample_spool node --test *.test.mjs

# The Python overhead benchmark wants an optimised extension and sentry-sdk to compare with.
bench-python: toolchain $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r bindings-python/bench/requirements.txt
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --release --quiet -m bindings-python/Cargo.toml
	$(PY) bindings-python/bench/bench_openai.py

# The Node overhead benchmark: an optimised binding and @sentry/node to compare with.
bench-node: toolchain
	cd bindings-node/bench && npm install --no-audit --no-fund --silent
	$(CARGO) build --quiet --release -p llmtel-node
	cp target/$(CARGO_BUILD_TARGET)/release/libllmtel_node.so bindings-node/llmtel.node
	node bindings-node/bench/bench.js

bench-cli: toolchain
	$(CARGO) build --quiet --release -p llmtel-cli
	python3 cli/bench/report_1m.py target/$(CARGO_BUILD_TARGET)/release/llmtel target/bench-spool-1m.jsonl

bench: toolchain
	$(CARGO) bench -p llmtel-core --bench hot_path
	$(CARGO) bench -p llmtel-core --bench export
	$(CARGO) bench -p llmtel-core --bench genai

clean:
	$(CARGO) clean
	rm -rf $(VENV) .llmtel
