# dmswatch — the two commands: `make demo` and `make test`.
SWIFT ?= swift
PYTHON ?= python3
BIN := .build/debug/dmswatch

.PHONY: demo build test test-swift test-e2e bench soak fuzz clean

demo:
	@scripts/setup.sh run
	$(SWIFT) build --product dmswatch
	$(BIN) --demo $(ARGS)

build:
	@scripts/setup.sh run
	$(SWIFT) build

test:
	@scripts/setup.sh test
	$(SWIFT) build --build-tests
	$(MAKE) --no-print-directory test-swift test-e2e

test-swift:
	$(SWIFT) test --skip-build

test-e2e:
	$(PYTHON) -m pytest -q Tests/e2e

# With ARGS=--json stdout carries only the JSON object: set-up and build output go to stderr.
bench:
	@scripts/setup.sh bench >&2
	@$(SWIFT) build -c release --product dmswatch-bench >&2
	@$(SWIFT) build -c release --product dmswatch >&2
	@.build/release/dmswatch-bench --dmswatch .build/release/dmswatch $(ARGS)
	@# Reconciliation bisection vs the fetch-all baseline (PostgreSQL/MariaDB on loopback); its table goes to stderr.
	@.build/release/dmswatch-bench --reconcile >&2

clean:
	rm -rf .build

# Fuzzing (libFuzzer, not part of `make test`): each target runs FUZZ_SECONDS on its committed seed corpus
# (Fuzz/Corpus/<name>; new inputs go to Fuzz/.build/corpus/<name>, crashes to Fuzz/.build/crashes/).
# -max_len 256 KiB: the corpora hold deep inputs (5,000 `[` configs and themes, a 50,000-deep STS body of 150 KB).
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := FuzzJSON:json FuzzConfig:config FuzzTheme:theme FuzzKeys:keys FuzzLogLine:logline

fuzz:
	cd Fuzz && $(SWIFT) build --sanitize=fuzzer --sanitize=address
	@set -e; for pair in $(FUZZ_TARGETS); do \
	  t=$${pair%%:*}; c=$${pair##*:}; \
	  mkdir -p Fuzz/.build/corpus/$$c Fuzz/.build/crashes; rm -f Fuzz/.build/crashes/$$t-*; \
	  echo "== $$t ($(FUZZ_SECONDS)s)"; \
	  SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=$(CURDIR)/Fuzz/lsan.supp Fuzz/.build/debug/$$t Fuzz/.build/corpus/$$c Fuzz/Corpus/$$c -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	    -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1 -artifact_prefix=Fuzz/.build/crashes/$$t- 2>&1 \
	    | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)" || true; \
	  test -z "$$(ls Fuzz/.build/crashes | grep "^$$t-" || true)" || { echo "$$t found a crash: Fuzz/.build/crashes"; exit 1; }; \
	done

# Soak: the simulated fleet (1,000 tasks) at accelerated time for SOAK_HOURS simulated hours.
SOAK_HOURS ?= 24

soak:
	$(SWIFT) build --build-tests
	SOAK_HOURS=$(SOAK_HOURS) SOAK_TASKS=1000 $(SWIFT) test --skip-build --filter SoakTests
