// Shared helpers for benchmarks: timing, percentiles, repeated runs, and simple option parsing.

import Foundation

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
