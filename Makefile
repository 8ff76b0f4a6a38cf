# Gantry build entry points. `make demo` runs the system end to end; `make test` runs every test (CI runs it).
SWIFT ?= swift

.PHONY: build release test bench manifests clean

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

# Unit and integration tests (Swift Testing). Serial on purpose: every suite shares the process's cooperative
# pool (two threads here), and CPU-heavy suites running alongside starve the loopback servers of the
# integration tests into spurious timeouts.
test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel

# Benchmarks (release build); record results in docs/benchmarks.md.
bench: release
	.build/release/gantry-bench json
	.build/release/gantry-bench http
	.build/release/gantry-bench watch

# Regenerate CRDs/ and docs/api.md from the Swift schema descriptions in Sources/GantryAPI.
manifests:
	$(SWIFT) build --product gantry-manifests
	$$($(SWIFT) build --show-bin-path)/gantry-manifests --root .

clean:
	rm -rf .build
