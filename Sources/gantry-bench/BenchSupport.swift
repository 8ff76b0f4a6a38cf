// Shared helpers for benchmarks: timing, percentiles, repeated runs, simple option parsing, and Gantry binaries
// run as their own processes.

import Foundation
import KubeCore

enum Bench {
    /// Monotonic seconds.
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// CPU seconds used by the calling thread: on a shared machine, a rate per CPU second says what one
    /// core does, where wall-clock rates mostly say how busy the neighbours were.
    static func threadCPUNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Runs `body` `runs` times and returns each run's result (e.g. a rate), for a median over noisy machines.
    static func repeated(_ runs: Int, _ body: () throws -> Double) rethrows -> [Double] {
        try (0..<runs).map { _ in try body() }
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }

    static func median(_ values: [Double]) -> Double { percentile(values, 50) }

    /// Value of `--name X` or `--name=X`.
    static func option(_ name: String, in args: [String]) -> String? {
        for (i, a) in args.enumerated() {
            if a == "--\(name)", i + 1 < args.count { return args[i + 1] }
            if a.hasPrefix("--\(name)=") { return String(a.dropFirst(name.count + 3)) }
        }
        return nil
    }

    /// Every value of a repeatable option.
    static func options(_ name: String, in args: [String]) -> [String] {
        var out: [String] = []
        for (i, a) in args.enumerated() {
            if a == "--\(name)", i + 1 < args.count { out.append(args[i + 1]) }
            if a.hasPrefix("--\(name)=") { out.append(String(a.dropFirst(name.count + 3))) }
        }
        return out
    }

    static func flag(_ name: String, in args: [String]) -> Bool { args.contains("--\(name)") }

    static func format(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }
}

/// A benchmark that cannot run or measure (bad option, a child process that did not start): printed, exit 1.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A Gantry binary (built next to gantry-bench) run as its own process against the benchmark's dev cluster, as it
/// is deployed: its own kubeconfig pointing at the cluster, its log in a scratch directory, its RSS and CPU time
/// read from /proc so they are its own and not the benchmark's.
final class ControllerProcess {
    let name: String
    let work: String
    let process: Process

    /// `gantry-bench`'s directory + `name`, or an error naming the build command.
    static func binary(_ name: String) throws -> String {
        let path = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw BenchError("\(path) is not built (swift build -c release --product \(name); make bench builds it)")
        }
        return path
    }

    /// Starts `binary` with `--kubeconfig <its own> arguments…` against the API server at `server`.
    init(_ binary: String, server: String, arguments: [String]) throws {
        name = URL(fileURLWithPath: binary).lastPathComponent
        work = NSTemporaryDirectory() + "gantry-bench-\(name)-\(ProcessInfo.processInfo.processIdentifier)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        // As JSON: a YAML subset every kubeconfig reader accepts.
        let kubeconfig: JSONValue = [
            "apiVersion": "v1", "kind": "Config", "current-context": "dev",
            "clusters": [["name": "dev", "cluster": ["server": .string(server)]]],
            "contexts": [["name": "dev", "context": ["cluster": "dev", "user": "dev"]]],
            "users": [["name": "dev", "user": .object(JSONObject())]],
        ]
        try Data(JSONWriter.write(kubeconfig)).write(to: URL(fileURLWithPath: "\(work)/kubeconfig"))
        _ = FileManager.default.createFile(atPath: "\(work)/log", contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(work)/log"))
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--kubeconfig", "\(work)/kubeconfig"] + arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var log: String { (try? String(contentsOfFile: "\(work)/log", encoding: .utf8)) ?? "" }

    /// Ends the process and removes its scratch directory.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: work)
    }

    /// VmRSS in MiB (0 once the process is gone).
    var residentMiB: Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
        return kb / 1024
    }

    /// User + system CPU seconds so far (/proc/<pid>/stat fields 14 and 15, in clock ticks).
    var cpuSeconds: Double { Self.cpuSeconds(pid) }

    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .nan }
        // After the command name: the state is field 3, so utime (14) and stime (15) are at 11 and 12.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
