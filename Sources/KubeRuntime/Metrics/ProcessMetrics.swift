// Process metrics with the names the Prometheus Go client uses, read from /proc at scrape time (Linux).

import Foundation

public enum ProcessMetrics {
    /// Registers `process_*` metrics in `registry` (once per registry); values are refreshed on every exposition.
    public static func register(in registry: MetricsRegistry) {
        registry.once("process") { registerNow(in: registry) }
    }

    private static func registerNow(in registry: MetricsRegistry) {
        let cpu = registry.counter("process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.")
            .labels()
        let rss = registry.gauge("process_resident_memory_bytes", help: "Resident memory size in bytes.").labels()
        let vsize = registry.gauge("process_virtual_memory_bytes", help: "Virtual memory size in bytes.").labels()
        let start = registry.gauge("process_start_time_seconds",
                                   help: "Start time of the process since unix epoch in seconds.").labels()
        let fds = registry.gauge("process_open_fds", help: "Number of open file descriptors.").labels()
        let maxFds = registry.gauge("process_max_fds", help: "Maximum number of open file descriptors.").labels()
        registry.onCollect {
            guard let sample = read() else { return }
            cpu.set(sample.cpuSeconds)
            rss.set(sample.residentBytes)
            vsize.set(sample.virtualBytes)
            start.set(sample.startTimeSeconds)
            fds.set(sample.openFDs)
            maxFds.set(sample.maxFDs)
        }
    }

    public struct Sample: Sendable {
        public var cpuSeconds: Double
        public var residentBytes: Double
        public var virtualBytes: Double
        public var startTimeSeconds: Double
        public var openFDs: Double
        public var maxFDs: Double
    }

    /// Current values, or nil where /proc is unavailable.
    public static func read() -> Sample? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after "pid (comm)": index 0 is field 3 (state) of proc(5).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 21, let utime = Double(fields[11]), let stime = Double(fields[12]),
              let startTicks = Double(fields[19]), let vsize = Double(fields[20]), let rssPages = Double(fields[21])
        else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        var bootTime = 0.0
        if let procStat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
           let line = procStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }) {
            bootTime = Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        let openFDs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        var limit = rlimit()
        let maxFDs = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Double(limit.rlim_cur) : 0
        return Sample(cpuSeconds: (utime + stime) / ticks, residentBytes: rssPages * page, virtualBytes: vsize,
                      startTimeSeconds: bootTime + startTicks / ticks, openFDs: Double(openFDs), maxFDs: maxFDs)
    }
}
