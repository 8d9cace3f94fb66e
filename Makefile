# llmtel: `make demo` (the main job) and `make test` (every suite). Both install what they need.

export CARGO_BUILD_TARGET ?= x86_64-unknown-linux-gnu
CARGO ?= cargo
VENV  := .venv
PY    := $(VENV)/bin/python

.PHONY: all demo test test-rust test-python lint bench toolchain clean

all: test

toolchain:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install rustup (https://rustup.rs) first"; exit 1; }
	@rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt clippy

$(VENV)/.installed: tests/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	touch $@

demo: toolchain
	$(CARGO) run --quiet --release -p llmtel-core --example demo

test: lint test-rust test-python

lint: toolchain
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --quiet -- -D warnings

test-rust: toolchain
	$(CARGO) test --workspace

test-python: toolchain $(VENV)/.installed
	$(CARGO) build --quiet -p llmtel-core --example sentry_envelope
	$(PY) -m pytest -q -p no:warnings tests/relay tests/provider

bench: toolchain
	$(CARGO) bench -p llmtel-core --bench hot_path
	$(CARGO) bench -p llmtel-core --bench export
	$(CARGO) bench -p llmtel-core --bench genai

clean:
	$(CARGO) clean
	rm -rf $(VENV) .llmtel
