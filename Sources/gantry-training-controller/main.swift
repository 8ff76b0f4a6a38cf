// gantry-training-controller: runs admitted TrainingJobs (pods, headless Service, framework environment,
// gang restarts, deadlines, TTL). Parses flags and environment, builds the manager, runs until SIGTERM.

import Foundation
import GantryControllers
import HTTPServer
import KubeClient
import KubeRuntime

let usage = """
    usage: gantry-training-controller [options]

      --kubeconfig PATH          kubeconfig (default: $KUBECONFIG, in-cluster service account, ~/.kube/config)
      --context NAME             kubeconfig context
      --admission quota|self     who grants Admitted: the quota controller (default), or this controller itself
                                 when the job's gang fits the free devices (clusters without the quota controller)
      --scheduler-name NAME      spec.schedulerName of the pods (default gantry-scheduler; $GANTRY_SCHEDULER_NAME)
      --namespace NS             watch one namespace only (default: all)
      --workers N                concurrent reconciles (default 4)
      --leader-elect BOOL        leader election on a Lease (default true)
      --leader-election-namespace NS   the Lease's namespace (default $POD_NAMESPACE, else default)
      --metrics-port N           port of /healthz, /readyz and /metrics (default 8081; 0 picks one)
      --log-level LEVEL          trace, debug, info, warning, error (default info; $GANTRY_LOG_LEVEL)

    """

struct Flags {
    var values: [String: String] = [:]

    init(_ args: [String], environment: [String: String]) throws {
        var i = 0
        while i < args.count {
            var a = args[i]
            guard a.hasPrefix("--") else { throw FlagError("unexpected argument \(a)") }
            a = String(a.dropFirst(2))
            if a == "help" {
                values["help"] = "true"
            } else if let eq = a.firstIndex(of: "=") {
                values[String(a[..<eq])] = String(a[a.index(after: eq)...])
            } else {
                guard i + 1 < args.count else { throw FlagError("--\(a) needs a value") }
                values[a] = args[i + 1]
                i += 1
            }
            i += 1
        }
        let known: Set<String> = ["help", "kubeconfig", "context", "admission", "scheduler-name", "namespace", "workers",
                                  "leader-elect", "leader-election-namespace", "metrics-port", "log-level"]
        if let unknown = values.keys.first(where: { !known.contains($0) }) { throw FlagError("unknown flag --\(unknown)") }
        if values["scheduler-name"] == nil { values["scheduler-name"] = environment["GANTRY_SCHEDULER_NAME"] }
        if values["log-level"] == nil { values["log-level"] = environment["GANTRY_LOG_LEVEL"] }
    }

    func int(_ name: String, _ fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let v = values[name] else { return fallback }
        guard let n = Int(v), range.contains(n) else { throw FlagError("--\(name) must be an integer in \(range), got \(v)") }
        return n
    }

    func bool(_ name: String, _ fallback: Bool) throws -> Bool {
        guard let v = values[name] else { return fallback }
        switch v.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw FlagError("--\(name) must be true or false, got \(v)")
        }
    }
}

struct FlagError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("gantry-training-controller: \(message)\n".utf8))
    exit(2)
}

let environment = ProcessInfo.processInfo.environment
let flags: Flags
do { flags = try Flags(Array(CommandLine.arguments.dropFirst()), environment: environment) } catch { fail("\(error)\n\n\(usage)") }
if flags.values["help"] != nil {
    print(usage)
    exit(0)
}

do {
    guard let admission = AdmissionMode(rawValue: flags.values["admission"] ?? "quota") else {
        throw FlagError("--admission must be quota or self, got \(flags.values["admission"] ?? "")")
    }
    var logger = Logger.fromEnvironment(label: "gantry-training-controller")
    if let level = flags.values["log-level"] {
        guard let parsed = LogLevel(name: level) else { throw FlagError("--log-level: unknown level \(level)") }
        logger.level = parsed
    }
    let clientConfiguration = try ClientConfiguration.load(explicitPath: flags.values["kubeconfig"], context: flags.values["context"])
    let client = try KubeClient(configuration: clientConfiguration)
    let port = try flags.int("metrics-port", 8081, range: 0...65535)
    var leaderElection: (lock: any LeaseLock, configuration: LeaderElectionConfiguration)?
    if try flags.bool("leader-elect", true) {
        let namespace = flags.values["leader-election-namespace"] ?? environment["POD_NAMESPACE"] ?? "default"
        let identity = (environment["POD_NAME"] ?? ProcessInfo.processInfo.hostName) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        leaderElection = (ClientLeaseLock(client: client, namespace: namespace, name: "gantry-training-controller"),
                          LeaderElectionConfiguration(identity: identity))
    }
    let manager = Manager(ManagerConfiguration(name: "gantry-training-controller", leaderElection: leaderElection,
                                               probes: HTTPServer.Configuration(host: "0.0.0.0", port: port)),
                          logger: logger)
    let configuration = TrainingJobController.Configuration(
        admission: admission,
        schedulerName: flags.values["scheduler-name"] ?? TrainingJobController.defaultSchedulerName,
        workers: try flags.int("workers", 4, range: 1...256), namespace: flags.values["namespace"])
    let controller = TrainingJobController(client: client, configuration: configuration, metrics: manager.metrics,
                                           logger: logger)
    await controller.register(in: manager)
    logger.info("starting", ["admission": admission.rawValue, "schedulerName": configuration.schedulerName,
                             "server": clientConfiguration.server])
    exit(await manager.runUntilStopped())
} catch {
    fail("\(error)")
}
