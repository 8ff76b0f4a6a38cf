// gantry-demo (`make demo`): the whole path from `kubectl apply` of a TrainingJob to pods on sliced devices
// and the job succeeding, on the dev cluster. Starts gantry-devcluster (a small GCU fleet with thermal
// readings), the scheduler extender, and the training controller (--admission=self until
// the quota controller exists); applies CRDs/ and Manifests/examples/ with kubectl if .tools/bin/kubectl is
// there, else with its own loader over KubeClient; prints a live summary until the example job finishes;
// stops everything it started on completion and on Ctrl-C. A Swift program rather than a shell script so
// the summary needs no kubectl and child processes are always reaped.

import Foundation
import GantryAPI
import HTTPServer
import KubeClient
import KubeCore

let root = FileManager.default.currentDirectoryPath
let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
let work = NSTemporaryDirectory() + "gantry-demo-\(ProcessInfo.processInfo.processIdentifier)"
let jobNamespace = "vision-dev"
let jobName = "bert-finetune"
let schedulerName = "gantry-scheduler"

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

// MARK: Child processes

final class Children: @unchecked Sendable {
    // Guarded by `lock`: touched from the main flow and from the signal handler.
    private var processes: [(String, Process)] = []
    private let lock = NSLock()

    func start(_ name: String, _ executable: String, _ arguments: [String], log: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        lock.withLock { processes.append((name, p)) }
        return p
    }

    /// SIGTERM to each child in reverse start order, then waits (SIGKILL after 10 s).
    func stopAll() {
        let all = lock.withLock { () -> [(String, Process)] in
            defer { processes = [] }
            return processes
        }
        for (_, p) in all.reversed() where p.isRunning { p.terminate() }
        let deadline = Date().addingTimeInterval(10)
        for (name, p) in all.reversed() {
            while p.isRunning && Date() < deadline { usleep(50_000) }
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                say("demo: \(name) did not stop in time; killed")
            }
        }
    }
}

let children = Children()

func cleanUp() {
    children.stopAll()
    try? FileManager.default.removeItem(atPath: work)
}

func fail(_ message: String) -> Never {
    say("demo: \(message)")
    say("demo: logs were in \(work) (removed); rerun with GANTRY_DEMO_KEEP=1 to keep them")
    if ProcessInfo.processInfo.environment["GANTRY_DEMO_KEEP"] == nil { cleanUp() } else { children.stopAll() }
    exit(1)
}

func waitForLine(_ needle: String, in log: String, timeout: Double) -> String? {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let text = try? String(contentsOfFile: log, encoding: .utf8), let line = text.split(separator: "\n").first(where: { $0.contains(needle) }) {
            return String(line)
        }
        usleep(100_000)
    }
    return nil
}

func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    do { try p.run() } catch { return (127, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

// MARK: Ctrl-C

signal(SIGINT, SIG_IGN)
signal(SIGTERM, SIG_IGN)
var signalSources: [DispatchSourceSignal] = []
for sig in [SIGINT, SIGTERM] {
    let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
    source.setEventHandler {
        say("\ndemo: interrupted; stopping everything it started")
        cleanUp()
        exit(130)
    }
    source.resume()
    signalSources.append(source)
}

// MARK: Fleet and scheduler

try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
let fleet = """
    # Two 4-card Enflame S60 nodes of the gcu-train pool, in two racks, at different temperatures.
    nodes:
    - namePrefix: gcu-a
      count: 1
      pool: gcu-train
      rack: rack-1
      devices: {count: 4, model: enflame-s60, memoryMiB: 49152, temperatureC: 48, maxSlices: 4}
    - namePrefix: gcu-b
      count: 1
      pool: gcu-train
      rack: rack-2
      devices: {count: 4, model: enflame-s60, memoryMiB: 49152, temperatureC: 61, maxSlices: 4}

    """
try fleet.write(toFile: "\(work)/fleet.yaml", atomically: true, encoding: .utf8)

let extenderBinary = "\(binDirectory)/gantry-scheduler-extender"
guard FileManager.default.isExecutableFile(atPath: extenderBinary) else {
    fail("\(extenderBinary) is not built (run `make demo`, which builds it)")
}

// The shim reads Manifests/scheduler-config.yaml's extender, pointed at the port the demo's extender gets.
guard let extenderPort = HTTPServer.freeLoopbackPort() else { fail("no free loopback port for the scheduler extender") }
guard let shippedConfig = try? String(contentsOfFile: "\(root)/Manifests/scheduler-config.yaml", encoding: .utf8),
      shippedConfig.contains("http://127.0.0.1:8888/gantry") else {
    fail("Manifests/scheduler-config.yaml not found or without the extender at http://127.0.0.1:8888/gantry (run from the repository root)")
}
try shippedConfig.replacingOccurrences(of: "http://127.0.0.1:8888/gantry", with: "http://127.0.0.1:\(extenderPort)/gantry")
    .write(toFile: "\(work)/scheduler.yaml", atomically: true, encoding: .utf8)

// MARK: Processes

let kubeconfig = "\(work)/kubeconfig.json"
do {
    _ = try children.start("gantry-devcluster", "\(binDirectory)/gantry-devcluster",
                           ["--port", "0", "--kubeconfig", "\(work)/devcluster.kubeconfig", "--fleet", "\(work)/fleet.yaml",
                            "--pod-start-delay", "2", "--scheduler-config", "\(work)/scheduler.yaml"],
                           log: "\(work)/devcluster.log")
} catch {
    fail("cannot start gantry-devcluster: \(error) (run `make demo`, which builds it)")
}
guard let banner = waitForLine("listening on", in: "\(work)/devcluster.log", timeout: 30) else {
    fail("gantry-devcluster did not start: \((try? String(contentsOfFile: "\(work)/devcluster.log", encoding: .utf8)) ?? "")")
}
let server = String(banner.split(separator: " ").last ?? "")
say("demo: \(banner) — 2 nodes × 4 Enflame S60 GCUs (pool gcu-train)")
// A kubeconfig of the demo's own, as JSON (a YAML subset that kubectl and KubeClient both read).
let kubeconfigJSON: JSONValue = [
    "apiVersion": "v1", "kind": "Config", "current-context": "gantry-devcluster",
    "clusters": [["name": "gantry-devcluster", "cluster": ["server": .string(server)]]],
    "contexts": [["name": "gantry-devcluster", "context": ["cluster": "gantry-devcluster", "user": "gantry-devcluster",
                                                           "namespace": "default"]]],
    "users": [["name": "gantry-devcluster", "user": .object(JSONObject())]],
]
try String(decoding: JSONWriter.write(kubeconfigJSON), as: UTF8.self).write(toFile: kubeconfig, atomically: true, encoding: .utf8)


let client: KubeClient
do {
    client = try KubeClient(configuration: ClientConfiguration(server: server, requestTimeout: .seconds(10)))
} catch {
    fail("cannot reach \(server): \(error)")
}

// MARK: Apply

let kubectl = "\(root)/.tools/bin/kubectl"
func yamlFiles(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(directory)")) ?? [])
        .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(root)/\(directory)/\($0)" }
}

/// The loader used without kubectl: creates every document, CRDs first, by their API coordinates.
func load(_ files: [String]) async throws {
    let known: [String: ResourceDescriptor] = Dictionary(uniqueKeysWithValues: (GantryAPI.kinds.map { $0.descriptor } + [
        ResourceDescriptor(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false),
        ResourceDescriptor(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition",
                           plural: "customresourcedefinitions", namespaced: false),
    ]).map { ($0.kind, $0) })
    for file in files {
        for doc in try YAML.decodeAll(try String(contentsOfFile: file, encoding: .utf8)) where !doc.isNull {
            let kind = doc["kind"]?.stringValue ?? ""
            let name = doc["metadata"]?["name"]?.stringValue ?? ""
            guard let resource = known[kind] else {
                say("  skipped \(kind)/\(name): the loader knows only Namespaces, CRDs and Gantry kinds")
                continue
            }
            var attempt = 0
            while true {
                do {
                    _ = try await client.create(resource, doc, namespace: doc["metadata"]?["namespace"]?.stringValue)
                    say("  \(resource.plural)/\(name) created")
                    break
                } catch let e as KubeError where e.isAlreadyExists {
                    say("  \(resource.plural)/\(name) unchanged")
                    break
                } catch let e as KubeError where e.isNotFound && attempt < 50 {
                    attempt += 1  // a CRD just created is not served yet
                    try await Task.sleep(nanoseconds: 100_000_000)
                }
            }
        }
    }
}

let useKubectl = FileManager.default.isExecutableFile(atPath: kubectl)
/// Applies a directory with kubectl, or with the loader when kubectl is not installed.
func apply(_ directory: String) async {
    if useKubectl {
        let env = ["KUBECONFIG": kubeconfig]
        let (status, out) = run(kubectl, ["apply", "-f", "\(root)/\(directory)/"], environment: env)
        say(out.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        if status != 0 { fail("kubectl apply -f \(directory)/ failed") }
        if directory == "CRDs" {
            _ = run(kubectl, ["wait", "--for=condition=Established", "crd", "--all", "--timeout=30s"], environment: env)
        }
    } else {
        do { try await load(yamlFiles(directory)) } catch { fail("applying \(directory)/ failed: \(error)") }
    }
}

say(useKubectl ? "demo: applying CRDs/ with \(kubectl)"
    : "demo: kubectl not found at .tools/bin (make kube-tools installs it); applying with the demo's own loader")
await apply("CRDs")
// Started once its kinds exist, as on a real cluster where the CRDs are installed first.
do {
    _ = try children.start("gantry-training-controller", "\(binDirectory)/gantry-training-controller",
                           ["--kubeconfig", kubeconfig, "--admission", "self", "--scheduler-name", schedulerName,
                            "--leader-elect", "false", "--metrics-port", "0"],
                           log: "\(work)/training-controller.log")
} catch {
    fail("cannot start gantry-training-controller: \(error)")
}
do {
    _ = try children.start("gantry-scheduler-extender", extenderBinary,
                           ["--kubeconfig", kubeconfig, "--host", "127.0.0.1", "--port", String(extenderPort), "--probe-port", "0"],
                           log: "\(work)/scheduler-extender.log")
} catch {
    fail("cannot start gantry-scheduler-extender: \(error)")
}
say("demo: gantry-scheduler-extender on 127.0.0.1:\(extenderPort); the dev cluster's scheduler shim calls it for every pod")
say("demo: gantry-training-controller started (--admission=self: the quota controller does not exist yet)")
say("demo: applying Manifests/examples/")
await apply("Manifests/examples")

// MARK: Live summary

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

func summary(elapsed: Int) async throws -> TrainingPhase? {
    let job = try await client.get(TrainingJob.self, name: jobName, namespace: jobNamespace)
    let pods = try await client.list(Pod.self, namespace: jobNamespace,
                                     options: ListOptions(labelSelector: "\(LabelKey.jobName)=\(jobName)")).items
    let slices = try await client.list(DeviceSlice.self).items.filter { s in s.metadata.name?.hasPrefix("gcu-a") == true || s.metadata.name?.hasPrefix("gcu-b") == true }
    let phase = job.status?.phase
    let why = job.status?.conditions?.first { $0.status == .true && $0.type != ConditionType.admitted }?.message ?? ""
    var lines = ["", "[\(elapsed)s] TrainingJob \(jobNamespace)/\(jobName): phase \(phase?.rawValue ?? "-"), ready \(job.status?.ready ?? "-"), "
        + "restarts \(job.status?.restarts ?? 0)" + (why.isEmpty ? "" : " — \(why)")]
    lines.append("  " + pad("POD", 26) + pad("PHASE", 10) + pad("NODE", 13) + "DEVICES (id:cores%:MiB)")
    for pod in pods.sorted(by: { $0.name < $1.name }) {
        lines.append("  " + pad(pod.name, 26) + pad(pod.status?.phase?.rawValue ?? "Pending", 10)
            + pad(pod.spec?.nodeName ?? "-", 13) + (pod.metadata.annotations?[AnnotationKey.devices] ?? "-"))
    }
    lines.append("  " + pad("NODE", 13) + pad("DEVICES", 9) + pad("CORES ALLOCATED", 22) + pad("MEMORY ALLOCATED", 22) + "HOTTEST")
    for slice in slices.sorted(by: { $0.spec.node < $1.spec.node }) {
        let devices = slice.spec.devices ?? []
        var cores = 0
        var memory: Int64 = 0
        for pod in pods where pod.spec?.nodeName == slice.spec.node && !pod.isTerminal {
            for share in (try? DeviceAllocation.parseList(pod.metadata.annotations?[AnnotationKey.devices] ?? "")) ?? [] {
                cores += share.cores
                memory += share.memoryMiB
            }
        }
        let totalCores = devices.reduce(0) { $0 + Int($1.cores ?? 100) }
        let totalMemory = devices.reduce(Int64(0)) { $0 + ($1.memoryMiB ?? 0) }
        let hottest = devices.compactMap(\.temperatureC).max().map { String(format: "%.0f°C", $0) } ?? "-"
        let corePct = totalCores > 0 ? cores * 100 / totalCores : 0
        let memPct = totalMemory > 0 ? Int(memory * 100 / totalMemory) : 0
        lines.append("  " + pad(slice.spec.node, 13) + pad(String(devices.count), 9)
            + pad("\(cores)/\(totalCores) (\(corePct)%)", 22) + pad("\(memory / 1024)/\(totalMemory / 1024) GiB (\(memPct)%)", 22)
            + hottest)
    }
    say(lines.joined(separator: "\n"))
    return phase
}

say("demo: following \(jobNamespace)/\(jobName) until it finishes (its pods run 3 minutes; Ctrl-C stops the demo)")
let started = Date()
var failures = 0
while true {
    let elapsed = Int(Date().timeIntervalSince(started))
    do {
        let phase = try await summary(elapsed: elapsed)
        failures = 0
        if phase == .succeeded {
            say("\ndemo: \(jobName) succeeded in \(elapsed)s; stopping the controller and the dev cluster")
            cleanUp()
            exit(0)
        }
        if phase == .failed { fail("\(jobName) failed; see its conditions above") }
    } catch {
        failures += 1
        if failures > 15 { fail("cannot read the job: \(error)") }
    }
    if elapsed > 900 { fail("the job did not finish within 15 minutes") }
    try await Task.sleep(nanoseconds: 3_000_000_000)
}
