// The extender's Prometheus metrics: latency per verb, decisions and rejection reasons, the ledger per pool,
// reservations and binds in flight. Names follow the `gantry_extender_` prefix; children are looked up once.

import KubeRuntime
import Synchronization

public final class ExtenderMetrics: Sendable {
    public let registry: MetricsRegistry
    let duration: HistogramFamily
    let requests: CounterFamily
    let decisions: CounterFamily
    let reasons: CounterFamily
    let allocatedCores: GaugeFamily
    let allocatedMemory: GaugeFamily
    let capacityCores: GaugeFamily
    let reservationCount: Gauge
    let inFlightBinds: Gauge
    let expired: Counter
    let gangPlans: CounterFamily
    let binds: CounterFamily
    /// Pools with a gauge child, so a pool that disappears is reset to nothing rather than frozen.
    private let knownPools = Mutex<Set<String>>([])

    /// Verbs the latency histogram is labelled with.
    public static let verbs = ["filter", "prioritize", "bind", "preempt"]

    public init(registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        // Sub-millisecond resolution: the extender's budget is ~1 ms per call (reference §3.5).
        duration = registry.histogram("gantry_extender_request_duration_seconds",
                                      help: "Time to answer one extender call, by verb (server side, body parsed to reply encoded).",
                                      labels: ["verb"],
                                      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5])
        requests = registry.counter("gantry_extender_requests_total", help: "Extender calls by verb and outcome (ok, error).",
                                    labels: ["verb", "outcome"])
        decisions = registry.counter("gantry_extender_node_decisions_total",
                                     help: "Filter verdicts per candidate node: feasible, failed (preemption may help) or unresolvable.",
                                     labels: ["decision"])
        reasons = registry.counter("gantry_extender_rejections_total",
                                   help: "Candidate nodes rejected by filter, by kind of reason.", labels: ["reason"])
        allocatedCores = registry.gauge("gantry_extender_ledger_allocated_cores",
                                        help: "Device compute held in the ledger per pool, in percent of one device (100 = a whole device).",
                                        labels: ["pool"])
        allocatedMemory = registry.gauge("gantry_extender_ledger_allocated_memory_mib",
                                         help: "Device memory held in the ledger per pool, MiB.", labels: ["pool"])
        capacityCores = registry.gauge("gantry_extender_ledger_capacity_cores",
                                       help: "Device compute of the pool's nodes, in percent of one device.", labels: ["pool"])
        reservationCount = registry.gauge("gantry_extender_gang_reservations",
                                          help: "Gang reservations holding devices for members not yet bound.").labels()
        inFlightBinds = registry.gauge("gantry_extender_binds_in_flight", help: "Binds between reserve and commit or rollback.").labels()
        expired = registry.counter("gantry_extender_gang_reservations_expired_total",
                                   help: "Gang reservations released because their TTL passed.").labels()
        gangPlans = registry.counter("gantry_extender_gang_plans_total", help: "Gang planning attempts by result.", labels: ["result"])
        binds = registry.counter("gantry_extender_binds_total", help: "Bind outcomes: bound, rejected (nothing taken), rolled_back.",
                                 labels: ["result"])
        for verb in Self.verbs {
            _ = duration.labels(verb)
            _ = requests.labels(verb, "ok")
            _ = requests.labels(verb, "error")
        }
    }

    func observe(verb: String, seconds: Double, ok: Bool) {
        duration.labels(verb).observe(seconds)
        requests.labels(verb, ok ? "ok" : "error").inc()
    }

    func record(_ outcome: FilterOutcome) {
        if !outcome.feasible.isEmpty { decisions.labels("feasible").inc(by: Double(outcome.feasible.count)) }
        let failed = outcome.rejected.reduce(0) { $0 + ($1.resolvable ? 1 : 0) }
        if failed > 0 { decisions.labels("failed").inc(by: Double(failed)) }
        if outcome.rejected.count > failed { decisions.labels("unresolvable").inc(by: Double(outcome.rejected.count - failed)) }
        for (k, n) in outcome.kinds { reasons.labels(k).inc(by: Double(n)) }
    }

    /// A bounded label for a reason: its prefix ("devices", "thermal", "gang", "quota", ...).
    static func kind(of reason: String) -> String {
        if reason.hasPrefix("thermal") { return "thermal" }
        if reason.hasPrefix("devices") { return "devices" }
        if reason.hasPrefix("gang") { return "gang" }
        if reason.hasPrefix("quota") { return "quota" }
        if reason.hasPrefix("insufficient cpu") { return "cpu" }
        if reason.hasPrefix("insufficient memory") { return "memory" }
        if reason.hasPrefix("invalid request") { return "invalid_request" }
        if reason.contains("pool") { return "pool" }
        if reason.contains("taint") { return "taint" }
        if reason.contains("cordoned") { return "cordoned" }
        if reason.contains("cache") { return "unknown_node" }
        return "other"
    }

    func setLedger(allocatedCores cores: [String: Int], allocatedMemoryMiB memory: [String: Int], capacityCores capacity: [String: Int],
                   reservations: Int, inFlight: Int) {
        let pools = Set(capacity.keys).union(cores.keys)
        let gone = knownPools.withLock { known -> Set<String> in
            let gone = known.subtracting(pools)
            known = pools
            return gone
        }
        for p in gone {
            allocatedCores.remove([p])
            allocatedMemory.remove([p])
            capacityCores.remove([p])
        }
        for p in pools {
            allocatedCores.labels(p).set(Double(cores[p] ?? 0))
            allocatedMemory.labels(p).set(Double(memory[p] ?? 0))
            capacityCores.labels(p).set(Double(capacity[p] ?? 0))
        }
        reservationCount.set(Double(reservations))
        inFlightBinds.set(Double(inFlight))
    }

    func reservations(inFlight: Int) { inFlightBinds.set(Double(inFlight)) }
    func reservationsExpired(_ n: Int) { expired.inc(by: Double(n)) }
    func gangPlan(result: String) { gangPlans.labels(result).inc() }
    func bind(result: String) { binds.labels(result).inc() }
}
