# Gantry build entry points. `make demo` runs the system end to end; `make test` runs every test (CI runs it).
SWIFT ?= swift

.PHONY: build release test bench clean

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

# Unit and integration tests (Swift Testing).
test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Benchmarks (release build); record results in docs/benchmarks.md.
bench: release
	.build/release/gantry-bench json
	.build/release/gantry-bench http

clean:
	rm -rf .build
