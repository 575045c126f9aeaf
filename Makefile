# t3attr — see README.md. Targets install the Debian packages they need.
PREFIX ?= /usr/local
SWIFT ?= swift
ARGS ?=
CONFIG ?= debug
BIN := .build/$(CONFIG)/t3attr
SAMPLE_EXPORT := Tests/Fixtures/sample-incident.export
SAMPLE_DIR := .build/sample
JOURNAL_REMOTE := /lib/systemd/systemd-journal-remote

# Packages: to build (sd-journal headers, pkg-config) and to test (journal-remote builds
# the test journals from export text; journalctl is the oracle).
BUILD_PKGS := libsystemd-dev pkg-config libcurl4-openssl-dev
TEST_PKGS := systemd-journal-remote systemd groff-base bsdutils util-linux python3 prometheus tzdata

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build release run test test-sanitize install deps-build deps-test sample fixtures-check clean bench fuzz fuzz-ci mutate

all: build

deps-build:
	@bash tools/ensure-packages.sh $(BUILD_PKGS)

deps-test: deps-build
	@bash tools/ensure-packages.sh $(TEST_PKGS)

build: deps-build
	$(SWIFT) build -c $(CONFIG)

# The release binary links the Swift runtime and Foundation statically (issue 16:
# 5 ms less start-up per run, measured on a 1-hour window, 25.0 vs 30.4 ms median).
# libcurl (--url, --prometheus) is loaded only when used: its headers build
# Sources/CCurl, libcurl4 runs it.
release: deps-build
	$(SWIFT) build -c release --static-swift-stdlib --product t3attr

# `make run` with no ARGS: the sample incident journal built from the committed fixtures.
# `make run ARGS="dispatch --since 1h"`: the host's own journal.
run: build
ifeq ($(strip $(ARGS)),)
	@$(MAKE) --no-print-directory sample
	$(BIN) report --file $(SAMPLE_DIR)/sample.journal --dispatch-table Tests/Fixtures/dispatch.json
else
	$(BIN) $(ARGS)
endif

sample: deps-test
	@mkdir -p $(SAMPLE_DIR)
	@rm -f $(SAMPLE_DIR)/sample.journal
	@$(JOURNAL_REMOTE) --output=$(SAMPLE_DIR)/sample.journal $(SAMPLE_EXPORT) 2>/dev/null

test: deps-test
	python3 tools/fixtures.py --check
	python3 tools/prom-fixtures.py --check
	python3 tools/mutate.py --patterns
	$(SWIFT) build
	$(SWIFT) test

# libFuzzer on the message and time parsers and the attributor, FUZZ_SECONDS each (default 60).
FUZZ_SECONDS ?= 60
fuzz: deps-build
	bash fuzz/run.sh $(FUZZ_SECONDS)

# CI: every fuzz target for FUZZ_CI_SECONDS (20) from the committed corpus (fuzz/corpus) alone.
FUZZ_CI_SECONDS ?= 20
fuzz-ci: deps-build
	bash fuzz/run.sh --ci $(FUZZ_CI_SECONDS)

# The test suite under AddressSanitizer, then ThreadSanitizer (dispatch --jobs uses threads).
# Each sanitizer stops at its first report with an exit code of its own (86, 87: no
# t3attr status), and the tests fail on any sanitizer report on a child's stderr
# (Tests/TestSupport: Sanitizer), so a race in a test that expects 66 is not a pass.
# Leak checking is off: ArgumentParser's and Foundation's objects still live at exit() are not leaks.
ASAN_ENV := ASAN_OPTIONS=detect_leaks=0:exitcode=86:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
TSAN_ENV := TSAN_OPTIONS=exitcode=87:halt_on_error=1
test-sanitize: deps-test
	$(SWIFT) build --sanitize=address --scratch-path .build-asan
	$(ASAN_ENV) T3ATTR_BIN=$(CURDIR)/.build-asan/debug/t3attr $(SWIFT) test --sanitize=address --scratch-path .build-asan
	$(SWIFT) build --sanitize=thread --scratch-path .build-tsan
	$(TSAN_ENV) T3ATTR_BIN=$(CURDIR)/.build-tsan/debug/t3attr $(SWIFT) test --sanitize=thread --scratch-path .build-tsan

# Mutation check: each mutation in tools/mutate.py applied alone to a scratch copy of the
# tree (MUTATE_DIR, default /tmp/t3attr-mutate, kept for incremental builds), its tests run;
# fails if any survives or a pattern is no longer found. MUTATE_ARGS="-k stop_timeout" picks some.
mutate: deps-test
	@bash tools/ensure-packages.sh rsync
	python3 tools/mutate.py $(MUTATE_ARGS)

# Speed and memory against ../shared/bench's reference reader and the runbook recipes.
bench: deps-test
	@bash tools/ensure-packages.sh hyperfine time gcc bc
	$(MAKE) release
	bash bench/bench.sh $(BENCH_ARGS)

# The binary, the man page and shell completions under PREFIX (default /usr/local).
install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0755 .build/release/t3attr $(DESTDIR)$(PREFIX)/bin/t3attr
	install -m 0644 man/t3attr.1 $(DESTDIR)$(PREFIX)/share/man/man1/t3attr.1
	.build/release/t3attr --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/t3attr
	.build/release/t3attr --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_t3attr
	.build/release/t3attr --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/t3attr.fish

clean:
	rm -rf .build
