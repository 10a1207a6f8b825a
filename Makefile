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

bench:
	@scripts/setup.sh run
	$(SWIFT) build -c release --product dmswatch-bench
	$(SWIFT) build -c release --product dmswatch
	.build/release/dmswatch-bench --dmswatch .build/release/dmswatch $(ARGS)

clean:
	rm -rf .build
