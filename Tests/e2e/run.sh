#!/usr/bin/env bash
# End-to-end test: the real kubectl 1.35 and helm 4 against gantry-devcluster. Starts the dev cluster on a
# free loopback port with a few simulated nodes, runs kubectl and helm commands with checks on what they
# print, stops the cluster with SIGINT, and prints "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

bin=${DEVCLUSTER_BIN:-$root/.build/debug/gantry-devcluster}
tools=${KUBE_TOOLS:-$root/.tools/bin}
[ -x "$bin" ] || { echo "e2e: $bin not built (run swift build)"; exit 1; }
[ -x "$tools/kubectl" ] && [ -x "$tools/helm" ] || { echo "e2e: kubectl/helm missing (run .ci/install-kube-tools)"; exit 1; }

work=$(mktemp -d)
export KUBECONFIG=$work/kubeconfig HELM_CACHE_HOME=$work/helm/cache HELM_CONFIG_HOME=$work/helm/config HELM_DATA_HOME=$work/helm/data
kubectl() { "$tools/kubectl" --cache-dir="$work/kube-cache" --request-timeout=20s "$@"; }
helm() { "$tools/helm" "$@"; }

"$bin" --port 0 --kubeconfig "$KUBECONFIG" --nodes 3 --devices-per-node 4 --pod-start-delay 0.2 >"$work/server.log" 2>&1 &
server=$!
cleanup() { kill -INT "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$work/server.log" 2>/dev/null && break; sleep 0.1; done
grep -q "listening on" "$work/server.log" || { echo "e2e: dev cluster did not start"; cat "$work/server.log"; exit 1; }

passed=0
failed=0
# check NAME EXPECTED-REGEX COMMAND...: runs the command, passes when it succeeds and its output matches.
check() {
    local name=$1 pattern=$2
    shift 2
    local out
    if out=$("$@" 2>&1) && grep -Eq -- "$pattern" <<<"$out"; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"; echo "$out" | sed 's/^/     | /' | head -20
    fi
}
# check_fails NAME EXPECTED-REGEX COMMAND...: passes when the command fails with matching output.
check_fails() {
    local name=$1 pattern=$2
    shift 2
    local out
    if ! out=$("$@" 2>&1) && grep -Eq -- "$pattern" <<<"$out"; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name (expected failure)"; echo "$out" | sed 's/^/     | /' | head -20
    fi
}
e2e=Tests/e2e

check "server version" "Server Version: v1.35" kubectl version
check "nodes ready" "node-0002 +Ready" kubectl get nodes
check "device slices" "^node-0001 +node-0001" kubectl get deviceslices --no-headers

# CRD and objects, client-side apply
check "apply CRD" "trainingjobs.e2e.gantry.dev created" kubectl apply -f $e2e/crd.yaml
check "CRD established" "condition met" kubectl wait --for=condition=Established crd/trainingjobs.e2e.gantry.dev --timeout=20s
cat >"$work/job-a.yaml" <<'YAML'
apiVersion: e2e.gantry.dev/v1alpha1
kind: TrainingJob
metadata:
  name: job-a
  labels: {team: vision}
spec:
  framework: pytorch
  replicas: 2
  gang: {minMember: 2}
YAML
check "apply object" "trainingjob.e2e.gantry.dev/job-a created" kubectl apply -f "$work/job-a.yaml"
check "apply unchanged" "job-a unchanged" kubectl apply -f "$work/job-a.yaml"
check "get table printer columns" "^NAME +REPLICAS +PHASE +READY +AGE" kubectl get trainingjobs
check "get by short name" "^job-a +2 " kubectl get tj
check "get by category" "trainingjob.e2e.gantry.dev/job-a +2 " kubectl get gantry
check "get -o yaml has schema default" "timeoutSeconds: 300" kubectl get tj job-a -o yaml
check "describe" "Min Member: +2" kubectl describe tj job-a
check "explain from CRD schema" "Pods that must be placed together" kubectl explain trainingjob.spec.gang
cat >"$work/bad.yaml" <<'YAML'
apiVersion: e2e.gantry.dev/v1alpha1
kind: TrainingJob
metadata: {name: bad}
spec: {framework: jax, replicas: -1}
YAML
check_fails "invalid object rejected (422)" 'spec.framework: Unsupported value: "jax"' kubectl apply --validate=false -f "$work/bad.yaml"
cat >"$work/unknown.yaml" <<'YAML'
apiVersion: e2e.gantry.dev/v1alpha1
kind: TrainingJob
metadata: {name: unknown}
spec: {framework: mpi, bogus: 1}
YAML
check_fails "unknown field rejected (strict)" 'unknown field "spec.bogus"' kubectl apply -f "$work/unknown.yaml"

# Server-side apply
cat >"$work/job-b.yaml" <<'YAML'
apiVersion: e2e.gantry.dev/v1alpha1
kind: TrainingJob
metadata: {name: job-b}
spec: {framework: mpi, replicas: 3}
YAML
check "server-side apply create" "job-b serverside-applied" kubectl apply --server-side -f "$work/job-b.yaml"
check "server-side apply over client-side" "job-a serverside-applied" kubectl apply --server-side --force-conflicts -f "$work/job-a.yaml"
check "managed fields recorded" "manager: kubectl" kubectl get tj job-b -o yaml --show-managed-fields

# Patch, label, scale
check "patch merge" "job-a patched" kubectl patch tj job-a --type merge -p '{"spec":{"replicas":3}}'
check "patch json" "job-a patched" kubectl patch tj job-a --type json -p '[{"op":"add","path":"/spec/queue","value":"fast"}]'
check "patched values" "^3 fast 3$" kubectl get tj job-a -o 'jsonpath={.spec.replicas} {.spec.queue} {.metadata.generation}'
check "label" "job-a labeled" kubectl label tj job-a tier=gold
check "label selector" "^job-a" kubectl get tj -l tier=gold --no-headers
check "scale subresource" "job-a scaled" kubectl scale tj job-a --replicas=5
check "scaled replicas" "^5$" kubectl get tj job-a -o 'jsonpath={.spec.replicas}'

# Watch and wait on live changes
kubectl get tj -w --output-watch-events >"$work/watch.out" 2>&1 &
watcher=$!
kubectl wait tj/job-a --for=condition=Ready --timeout=30s >"$work/wait.out" 2>&1 &
waiter=$!
sleep 1
check "status subresource patch" "job-a patched" kubectl patch tj job-a --subresource=status --type merge \
    -p '{"status":{"phase":"Running","replicas":5,"conditions":[{"type":"Ready","status":"True","reason":"AllUp","message":"ok","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}'
wait $waiter
check "wait --for=condition" "condition met" cat "$work/wait.out"
check "get shows status columns" "^job-a +5 +Running +True" kubectl get tj job-a --no-headers
check "delete" "deleted" kubectl delete tj job-b
sleep 1
kill $watcher 2>/dev/null; wait $watcher 2>/dev/null
check "get -w saw the status change" "MODIFIED +job-a +5 +Running +True" cat "$work/watch.out"
check "get -w saw the deletion" "DELETED +job-b" cat "$work/watch.out"
check "deleted object gone" "NotFound" bash -c "$tools/kubectl --cache-dir=$work/kube-cache get tj job-b 2>&1 || true"

# Client-side apply of a built-in kind (strategic merge patch computed from last-applied)
cat >"$work/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: tuning, labels: {tier: one}}
data: {a: "1", b: "2"}
YAML
check "apply configmap" "configmap/tuning created" kubectl apply -f "$work/cm.yaml"
sed -i 's/tier: one/tier: two/; s/b: "2"/c: "3"/' "$work/cm.yaml"
check "re-apply configmap" "configmap/tuning configured" kubectl apply -f "$work/cm.yaml"
check "strategic merge result" '^two \{"a":"1","c":"3"\}$' kubectl get cm tuning -o 'jsonpath={.metadata.labels.tier} {.data}'
sed -i 's/c: "3"/c: "4"/' "$work/cm.yaml"
check "server-side dry run" "configmap/tuning configured \(server dry run\)" kubectl apply --dry-run=server -f "$work/cm.yaml"
check "dry run changed nothing" '^3$' kubectl get cm tuning -o 'jsonpath={.data.c}'

# Built-in kinds through kubectl's typed (protobuf) commands; namespace deletion
check "create namespace" "namespace/team-a created" kubectl create namespace team-a
check "create configmap" "configmap/settings created" kubectl create configmap settings -n team-a --from-literal=mode=fast
check "create secret" "secret/token created" kubectl create secret generic token -n team-a --from-literal=key=value
check "get configmap" "^settings +1 " kubectl get cm -n team-a --no-headers
check "delete namespace" "deleted" kubectl delete namespace team-a --wait=true --timeout=30s
check_fails "namespace contents gone" "NotFound|not found" kubectl get cm settings -n team-a

# Pods: scheduled by the shim, run and finish on the simulated kubelet
cat >"$work/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: trainer
  annotations: {sim.gantry.dev/duration: "1s", sim.gantry.dev/exit-code: "0"}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    resources: {requests: {cpu: "1", memory: 1Gi, enflame.com/gcu: "2"}, limits: {enflame.com/gcu: "2"}}
YAML
check "create pod" "pod/trainer created" kubectl apply -f "$work/pod.yaml"
check "pod scheduled and running" "condition met" kubectl wait pod/trainer --for=condition=Ready --timeout=30s
check "pod succeeded" "condition met" kubectl wait pod/trainer --for=jsonpath='{.status.phase}'=Succeeded --timeout=30s
check "scheduled event" "Successfully assigned default/trainer to node-" kubectl describe pod trainer
check "logs" "exited with code 0" kubectl logs trainer
cat >"$work/huge.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: too-big}
spec:
  containers:
  - {name: main, image: busybox, resources: {requests: {cpu: "1000"}}}
YAML
check "unschedulable pod created" "pod/too-big created" kubectl apply -f "$work/huge.yaml"
sleep 1.5
check "unschedulable reason" "0/3 nodes are available: 3 Insufficient cpu" kubectl get pod too-big -o 'jsonpath={.status.conditions[0].message}'

# The project's own CRDs, install manifests and examples, as the README installs them
check "apply CRDs/" "trainingjobs.gantry.dev created" kubectl apply -f CRDs/
check "CRDs/ established" "condition met" kubectl wait --for=condition=Established crd -l app.kubernetes.io/part-of=gantry --timeout=30s
check "apply scheduler-extender.yaml" "deployment.apps/gantry-scheduler created" kubectl apply -f Manifests/scheduler-extender.yaml
check "apply training-controller.yaml" "deployment.apps/gantry-training-controller created" kubectl apply -f Manifests/training-controller.yaml
check "apply Manifests/examples/" "trainingjob.gantry.dev/bert-finetune created" kubectl apply -f Manifests/examples/
check "examples served" "bert-finetune" kubectl get trainingjobs.gantry.dev -A

# Helm: install, upgrade, uninstall a chart with a CRD
check "helm install" "STATUS: deployed" helm install demo $e2e/chart --wait --timeout 60s
check "helm CRD served" "demo-widget +1" kubectl get widgets --no-headers
check "helm upgrade" "REVISION: 2" helm upgrade demo $e2e/chart --set replicas=3 --set message=bye
check "upgrade applied" "^3 bye$" bash -c "$tools/kubectl --cache-dir=$work/kube-cache get widget demo-widget -o jsonpath='{.spec.size}' && echo -n ' ' && $tools/kubectl --cache-dir=$work/kube-cache get cm demo-config -o jsonpath='{.data.message}' && echo"
check "helm list" "demo.*deployed" helm list
check "helm uninstall" "release \"demo\" uninstalled" helm uninstall demo
check "release objects gone" "^$" kubectl get cm,svc,widgets -l app.kubernetes.io/instance=demo --no-headers --ignore-not-found

# Clean stop on SIGINT
kill -INT "$server"
if wait "$server"; then passed=$((passed + 1)); echo "ok   clean stop on SIGINT"; else failed=$((failed + 1)); echo "FAIL clean stop on SIGINT"; fi
trap 'rm -rf "$work"' EXIT

echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
