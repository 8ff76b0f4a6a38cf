// gantry-devcluster: the embedded Kubernetes-compatible control plane on loopback, for demos, tests and
// benchmarks. Parses flags, writes a kubeconfig, serves until SIGINT/SIGTERM.

import DevCluster
import Foundation
import HTTPServer
import KubeCore

let usage = """
    usage: gantry-devcluster [options]

    API server
      --host ADDR                  listen address (default 127.0.0.1; loopback only, no authentication)
      --port N                     port (default 6443; 0 picks a free one)
      --kubeconfig PATH            where to write a kubeconfig for kubectl/helm (default ./devcluster.kubeconfig)
      --history N                  watch events kept for resuming (default 50000; older versions get 410)
      --bookmark-interval S        seconds between watch bookmarks (default 60)
      -v, --log-requests           log every request to standard error

    Simulated cluster
      --fleet FILE                 nodes from a fleet file (YAML, JSON, or CSV by its .csv name)
      --nodes N                    generate N nodes (default 0 without --fleet)
      --devices-per-node M         devices per generated node (default 8)
      --device-model NAME          device model of generated nodes (default enflame-s60)
      --pod-start-delay S          seconds before a bound pod runs (default 1)
      --scheduler-config FILE      KubeSchedulerConfiguration for the scheduler shim (default: no extenders)
      --no-scheduler               do not run the scheduler shim

    Faults (seeded, reproducible; also at run time: PUT/PATCH/POST /devcluster/faults)
      --fault-seed N  --fault-latency S  --fault-error-rate P  --fault-throttle-rate P
      --fault-conflict-rate P  --fault-watch-drop-rate P
      --fault-drop-watches-every S  --fault-expire-every S  --fault-restart-every S   (periodic, seconds)

    """

struct Flags {
    var values: [String: String] = [:]
    var switches: Set<String> = []

    init(_ args: [String]) throws {
        var i = 0
        let booleans: Set<String> = ["log-requests", "v", "help", "h", "no-scheduler"]
        while i < args.count {
            var a = args[i]
            guard a.hasPrefix("-") else { throw FlagError("unexpected argument \(a)") }
            a = String(a.drop { $0 == "-" })
            if let eq = a.firstIndex(of: "=") {
                values[String(a[..<eq])] = String(a[a.index(after: eq)...])
            } else if booleans.contains(a) {
                switches.insert(a)
            } else {
                guard i + 1 < args.count else { throw FlagError("--\(a) needs a value") }
                values[a] = args[i + 1]
                i += 1
            }
            i += 1
        }
    }

    func int(_ name: String, _ fallback: Int) throws -> Int {
        guard let v = values[name] else { return fallback }
        guard let n = Int(v), n >= 0 else { throw FlagError("--\(name) must be a non-negative integer, got \(v)") }
        return n
    }

    func double(_ name: String, _ fallback: Double, max: Double = .infinity) throws -> Double {
        guard let v = values[name] else { return fallback }
        guard let d = Double(v), d >= 0, d <= max else { throw FlagError("--\(name) must be a number in 0...\(max), got \(v)") }
        return d
    }
}

struct FlagError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("gantry-devcluster: \(message)\n".utf8))
    exit(2)
}

let flags: Flags
do { flags = try Flags(Array(CommandLine.arguments.dropFirst())) } catch { fail("\(error)\n\n\(usage)") }
if flags.switches.contains("help") || flags.switches.contains("h") {
    print(usage)
    exit(0)
}

do {
    var options = APIServerOptions()
    options.logRequests = flags.switches.contains("log-requests") || flags.switches.contains("v")
    options.bookmarkInterval = max(0.05, try flags.double("bookmark-interval", 60))
    var faults = FaultConfig()
    faults.seed = UInt64(try flags.int("fault-seed", 1))
    faults.latency = try flags.double("fault-latency", 0, max: 60)
    faults.errorRate = try flags.double("fault-error-rate", 0, max: 1)
    faults.throttleRate = try flags.double("fault-throttle-rate", 0, max: 1)
    faults.conflictRate = try flags.double("fault-conflict-rate", 0, max: 1)
    faults.watchDropRate = try flags.double("fault-watch-drop-rate", 0, max: 1)
    var periodic: JSONValue = [:]
    for (flag, key) in [("fault-drop-watches-every", "dropWatchesEvery"), ("fault-expire-every", "expireEvery"),
                        ("fault-restart-every", "restartEvery")] {
        periodic[key] = .double(try flags.double(flag, 0, max: 86_400))
    }
    try faults.merge(periodic)
    let store = ObjectStore(historyCapacity: max(1, try flags.int("history", 50_000)))
    let api = APIServer(store: store, options: options, faults: FaultInjector(faults))
    let server = try DevClusterServer(api: api, host: flags.values["host"] ?? "127.0.0.1", port: try flags.int("port", 6443))

    let cluster = try SimulatedCluster(api: api, options: SimulatedCluster.Options(
        fleetFile: flags.values["fleet"], nodes: try flags.int("nodes", 0),
        devicesPerNode: try flags.int("devices-per-node", 8), deviceModel: flags.values["device-model"] ?? "enflame-s60",
        podStartDelay: try flags.double("pod-start-delay", 1), schedulerConfigFile: flags.values["scheduler-config"],
        // Like a real cluster, a scheduler runs unless asked not to.
        schedulerConfiguration: flags.switches.contains("no-scheduler") || flags.values["scheduler-config"] != nil
            ? nil : SchedulerConfiguration()))

    let kubeconfigPath = flags.values["kubeconfig"] ?? "devcluster.kubeconfig"
    try server.kubeconfig().write(toFile: kubeconfigPath, atomically: true, encoding: .utf8)

    let started = Date()
    try await cluster.start()
    // Written unbuffered so scripts waiting on this output see it at once.
    let banner = "gantry-devcluster listening on \(server.url)\n"
        + "kubeconfig written to \(kubeconfigPath) (export KUBECONFIG=\(kubeconfigPath))\n"
        + "\(cluster.nodeCount) nodes ready in \(String(format: "%.2f", Date().timeIntervalSince(started)))s"
        + (cluster.schedulerName.map { ", scheduler shim for schedulerName \($0)" } ?? "") + "\n"
    FileHandle.standardOutput.write(Data(banner.utf8))

    // Stop cleanly on SIGINT/SIGTERM: watches end, connections close, then exit.
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    var sources: [DispatchSourceSignal] = []
    for sig in [SIGINT, SIGTERM] {
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler {
            FileHandle.standardError.write(Data("gantry-devcluster: stopping\n".utf8))
            cluster.stop()
            server.stop()
        }
        source.resume()
        sources.append(source)
    }
    try await server.run()
    _ = sources
    exit(0)
} catch {
    fail("\(error)")
}
