// TrainingMetrics: what an operator of the training controller watches: jobs by phase (read from the cache
// when scraped), how long jobs wait for admission and for their gang to run, gang restarts, transitions.

import GantryAPI
import KubeRuntime

public struct TrainingMetrics: Sendable {
    let jobsByPhase: GaugeFamily
    let timeQueued: Histogram
    let timeToRunning: Histogram
    let restarts: Counter
    let transitions: CounterFamily
    let preemptions: Counter
    let gangTimeouts: Counter
    /// The decision alone (decode, validate, plan), without the API calls a reconcile then makes.
    let planTime: Histogram

    static let waitBuckets: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600]

    public init(registry: MetricsRegistry, jobs: @escaping @Sendable () -> [TrainingJobObject]) {
        let byPhase = registry.gauge("gantry_trainingjobs", help: "TrainingJobs by status.phase (\"\" before the first status).",
                                     labels: ["phase"])
        jobsByPhase = byPhase
        timeQueued = registry.histogram("gantry_trainingjob_queued_seconds",
                                        help: "Time from a TrainingJob's creation to its admission.",
                                        buckets: Self.waitBuckets).labels()
        timeToRunning = registry.histogram("gantry_trainingjob_time_to_running_seconds",
                                           help: "Time from admission until the gang's minMember pods run.",
                                           buckets: Self.waitBuckets).labels()
        restarts = registry.counter("gantry_trainingjob_restarts_total",
                                    help: "Whole-gang restarts after a retryable pod failure.").labels()
        transitions = registry.counter("gantry_trainingjob_transitions_total",
                                       help: "TrainingJob phase transitions, by the phase entered.", labels: ["phase"])
        preemptions = registry.counter("gantry_trainingjob_preemptions_total",
                                       help: "Jobs released because a member was evicted or preempted.").labels()
        gangTimeouts = registry.counter("gantry_trainingjob_gang_timeouts_total",
                                        help: "Jobs requeued because their gang was not running within gang.timeoutSeconds.").labels()
        planTime = registry.histogram("gantry_trainingjob_plan_seconds",
                                      help: "Time a reconcile spends deciding (decode, validate, plan), API calls excluded.",
                                      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1]).labels()
        registry.onCollect {
            var counts: [String: Int] = [:]
            for phase in TrainingPhase.allCases { counts[phase.rawValue] = 0 }
            for job in jobs() { counts[job.phase ?? "", default: 0] += 1 }
            for (phase, n) in counts { byPhase.labels(phase).set(Double(n)) }
        }
    }
}
