// WorkQueue: the rate-limited, de-duplicating queue of keys between event handlers and reconcile workers.
//
// Semantics follow client-go's workqueue (dirty / processing sets, `done`, `forget`, `addAfter`, the
// MaxOf(per-key exponential 5 ms → 1000 s, token bucket 10 qps / burst 100) limiter) with one deliberate
// change for kubernetes#132805, see `addRateLimited`. State lives under one Mutex rather than in an actor:
// event handlers enqueue synchronously, and timers fire synchronously from the injected clock, which makes
// delay and back-off behaviour testable step by step with `ManualClock`.

import Synchronization

public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    public struct Configuration: Sendable {
        /// Names the queue in metrics (`name` and `controller` labels) and logs.
        public var name: String
        /// Per-key exponential back-off: `baseDelay × 2^(failures-1)`, capped at `maxDelay`.
        public var baseDelay: Duration
        public var maxDelay: Duration
        /// Overall retry bucket (tokens per second, burst); nil disables it.
        public var bucket: (rate: Double, burst: Int)?

        public init(name: String, baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(1000),
                    bucket: (rate: Double, burst: Int)? = (10, 100)) {
            precondition(baseDelay > .zero && maxDelay >= baseDelay, "work queue back-off needs 0 < base ≤ max")
            self.name = name
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.bucket = bucket
        }
    }

    private struct FailureRecord {
        var failures: Int
        /// When the retry planned by the last counted failure is due.
        var retryAt: ContinuousClock.Instant
    }

    private struct State {
        var ready = FIFO<Key>()
        /// Keys that need processing: queued, or re-added while being processed.
        var dirty: Set<Key> = []
        /// Keys handed to a worker and not yet `done`, with the time they were handed out.
        var processing: [Key: ContinuousClock.Instant] = [:]
        var enqueuedAt: [Key: ContinuousClock.Instant] = [:]
        /// Authoritative deadlines of delayed keys; the heap may hold stale entries.
        var delayed: [Key: ContinuousClock.Instant] = [:]
        var heap = DeadlineHeap<Key>()
        var armedDeadline: ContinuousClock.Instant?
        var armedTimer: ScheduledTimer?
        var timerGeneration: UInt64 = 0
        var failures: [Key: FailureRecord] = [:]
        var bucket: TokenBucket?
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Key?, Never>)] = []
        /// `get` calls that have an id but have not registered as waiters yet (so cancellation can find them).
        var unregistered: Set<UInt64> = []
        var cancelledEarly: Set<UInt64> = []
        var nextWaiterID: UInt64 = 0
        var shuttingDown = false
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private typealias Resumption = (continuation: CheckedContinuation<Key?, Never>, key: Key?)

    public let configuration: Configuration
    private let clock: any RuntimeClock
    private let state: Mutex<State>
    private let metrics: WorkQueueMetrics?

    public init(_ configuration: Configuration, clock: any RuntimeClock = SystemClock(), metrics registry: MetricsRegistry? = nil) {
        self.configuration = configuration
        self.clock = clock
        var s = State()
        if let b = configuration.bucket { s.bucket = TokenBucket(rate: b.rate, burst: b.burst) }
        self.state = Mutex(s)
        self.metrics = registry.map { WorkQueueMetrics(registry: $0, name: configuration.name) }
        if let registry {
            registry.onCollect { [weak self] in self?.updateInFlightMetrics() }
        }
    }

    // MARK: Adding

    /// Queues `key` unless it is already waiting to run. A key being processed runs again after `done`.
    /// A pending delayed add of the key is superseded: the run this add causes decides its own follow-up.
    public func add(_ key: Key) {
        let resumption = state.withLock { s -> Resumption? in
            s.delayed.removeValue(forKey: key)
            return addLocked(&s, key, now: clock.now)
        }
        if let r = resumption { r.continuation.resume(returning: r.key) }
    }

    /// Queues `key` after `delay`. If it is already delayed, the earlier deadline wins; if it is already
    /// queued to run, this is dropped (that sooner run decides its own follow-up).
    public func addAfter(_ key: Key, _ delay: Duration) {
        guard delay > .zero else { return add(key) }
        let changed = state.withLock { s -> Bool in
            guard !s.shuttingDown, !s.dirty.contains(key) else { return false }
            let deadline = clock.now.advanced(by: delay)
            if let existing = s.delayed[key], existing <= deadline { return false }
            s.delayed[key] = deadline
            s.heap.push(deadline, key)
            return true
        }
        if changed { rearmTimer() }
    }

    /// Queues `key` after its back-off: max(per-key exponential delay, overall bucket delay).
    ///
    /// kubernetes#132805: in client-go every rate-limited add doubles the key's delay, so events that trigger
    /// a failing key *before* its retry is due (each run failing again) escalate the back-off to 1000 s within
    /// seconds. Here the exponent only grows when a failure comes at or after the previously planned retry
    /// time; an earlier failure (the key was triggered early by an event) keeps the planned retry time. Event
    /// triggers still run a key in back-off at once, so a fix the user makes takes effect immediately, and the
    /// back-off grows exponentially in elapsed time, not in the number of events.
    public func addRateLimited(_ key: Key) {
        let delay = state.withLock { s -> Duration in
            let now = clock.now
            let itemDelay: Duration
            if let record = s.failures[key], now < record.retryAt {
                itemDelay = record.retryAt - now
            } else {
                let failures = (s.failures[key]?.failures ?? 0) + 1
                itemDelay = backoff(failures: failures)
                s.failures[key] = FailureRecord(failures: failures, retryAt: now.advanced(by: itemDelay))
            }
            let bucketDelay = s.bucket?.reserve(now: now) ?? .zero
            return max(itemDelay, bucketDelay)
        }
        metrics?.retries.inc()
        addAfter(key, delay)
    }

    /// Clears the key's failure count (after a successful reconcile).
    public func forget(_ key: Key) {
        _ = state.withLock { $0.failures.removeValue(forKey: key) }
    }

    /// Failures counted for `key` since the last `forget`.
    public func failures(_ key: Key) -> Int { state.withLock { $0.failures[key]?.failures ?? 0 } }

    private func backoff(failures: Int) -> Duration {
        let exponent = min(failures - 1, 62)
        let factor = Double(sign: .plus, exponent: exponent, significand: 1)
        let seconds = configuration.baseDelay.inSeconds * factor
        return seconds >= configuration.maxDelay.inSeconds ? configuration.maxDelay : configuration.baseDelay * factor
    }

    private func addLocked(_ s: inout State, _ key: Key, now: ContinuousClock.Instant) -> Resumption? {
        guard !s.shuttingDown, !s.dirty.contains(key) else { return nil }
        s.dirty.insert(key)
        metrics?.adds.inc()
        if s.processing[key] != nil { return nil }
        return enqueueLocked(&s, key, now: now)
    }

    /// Puts a dirty, idle key in front of a worker: directly into a waiting worker's hands, or into the ready list.
    private func enqueueLocked(_ s: inout State, _ key: Key, now: ContinuousClock.Instant) -> Resumption? {
        if !s.waiters.isEmpty {
            let waiter = s.waiters.removeFirst()
            s.dirty.remove(key)
            s.processing[key] = now
            metrics?.queueDuration.observe(0)
            return (waiter.continuation, key)
        }
        s.ready.append(key)
        s.enqueuedAt[key] = now
        metrics?.depth.set(Double(s.ready.count))
        return nil
    }

    // MARK: Timers

    private func rearmTimer() {
        let plan = state.withLock { s -> (old: ScheduledTimer?, deadline: ContinuousClock.Instant, generation: UInt64)? in
            // Drop stale heap heads so the timer targets a real deadline.
            while let top = s.heap.first, s.delayed[top.key] != top.deadline { s.heap.popFirst() }
            let next = s.shuttingDown ? nil : s.heap.first?.deadline
            guard next != s.armedDeadline else { return nil }
            let old = s.armedTimer
            s.armedTimer = nil
            s.armedDeadline = next
            s.timerGeneration &+= 1
            guard let next else {
                old?.cancel()
                return nil
            }
            return (old, next, s.timerGeneration)
        }
        guard let plan else { return }
        plan.old?.cancel()
        let timer = clock.schedule(at: plan.deadline) { [weak self] in self?.timerFired(generation: plan.generation) }
        let stale = state.withLock { s -> Bool in
            guard s.timerGeneration == plan.generation, s.armedDeadline == plan.deadline else { return true }
            s.armedTimer = timer
            return false
        }
        if stale { timer.cancel() }
    }

    private func timerFired(generation: UInt64) {
        let resumptions = state.withLock { s -> [Resumption] in
            guard s.timerGeneration == generation else { return [] }
            s.armedDeadline = nil
            s.armedTimer = nil
            let now = clock.now
            var out: [Resumption] = []
            while let top = s.heap.first, top.deadline <= now {
                s.heap.popFirst()
                guard s.delayed[top.key] == top.deadline else { continue }
                s.delayed.removeValue(forKey: top.key)
                if let r = addLocked(&s, top.key, now: now) { out.append(r) }
            }
            return out
        }
        for r in resumptions { r.continuation.resume(returning: r.key) }
        rearmTimer()
    }

    // MARK: Processing

    /// The next key to process, marking it as being processed; nil once the queue is shutting down (or the
    /// calling task is cancelled while waiting). Every key returned must be passed to `done`.
    public func get() async -> Key? {
        let id = state.withLock { s -> UInt64 in
            s.nextWaiterID &+= 1
            s.unregistered.insert(s.nextWaiterID)
            return s.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Key?, Never>) in
                let immediate = state.withLock { s -> Key?? in
                    s.unregistered.remove(id)
                    if s.cancelledEarly.remove(id) != nil || s.shuttingDown { return .some(nil) }
                    if let key = s.ready.popFirst() {
                        let now = clock.now
                        s.dirty.remove(key)
                        s.processing[key] = now
                        if let t = s.enqueuedAt.removeValue(forKey: key) { metrics?.queueDuration.observe(now - t) }
                        metrics?.depth.set(Double(s.ready.count))
                        return .some(key)
                    }
                    s.waiters.append((id, continuation))
                    return .none
                }
                if let result = immediate { continuation.resume(returning: result) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Key?, Never>? in
                if let i = s.waiters.firstIndex(where: { $0.id == id }) { return s.waiters.remove(at: i).continuation }
                if s.unregistered.contains(id) { s.cancelledEarly.insert(id) }
                return nil
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Marks `key` as processed; if it was added meanwhile it is queued again.
    public func done(_ key: Key) {
        let (resumption, drained) = state.withLock { s -> (Resumption?, [CheckedContinuation<Void, Never>]) in
            guard let started = s.processing.removeValue(forKey: key) else { return (nil, []) }
            let now = clock.now
            metrics?.workDuration.observe(now - started)
            var r: Resumption? = nil
            if !s.shuttingDown, s.dirty.contains(key) { r = enqueueLocked(&s, key, now: now) }
            var drained: [CheckedContinuation<Void, Never>] = []
            if s.shuttingDown, s.processing.isEmpty { swap(&drained, &s.drainWaiters) }
            return (r, drained)
        }
        if let r = resumption { r.continuation.resume(returning: r.key) }
        for d in drained { d.resume() }
    }

    // MARK: Shutdown

    /// Stops handing out keys: waiting and future `get` calls return nil, adds are ignored. Keys being
    /// processed may still be passed to `done`.
    public func shutDown() {
        let (waiters, timer) = state.withLock { s -> ([CheckedContinuation<Key?, Never>], ScheduledTimer?) in
            s.shuttingDown = true
            let w = s.waiters.map(\.continuation)
            s.waiters.removeAll()
            let t = s.armedTimer
            s.armedTimer = nil
            s.armedDeadline = nil
            s.timerGeneration &+= 1
            return (w, t)
        }
        timer?.cancel()
        for w in waiters { w.resume(returning: nil) }
    }

    /// `shutDown()`, then waits until every key handed out has been passed to `done`.
    public func shutDownWithDrain() async {
        shutDown()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { s -> Bool in
                if s.processing.isEmpty { return true }
                s.drainWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    // MARK: Introspection

    /// Keys ready to be handed out (the `workqueue_depth` gauge).
    public var depth: Int { state.withLock { $0.ready.count } }
    public var processingCount: Int { state.withLock { $0.processing.count } }
    public var delayedCount: Int { state.withLock { $0.delayed.count } }
    public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }
    /// The deadline of a delayed key, if it is delayed.
    public func deadline(of key: Key) -> ContinuousClock.Instant? { state.withLock { $0.delayed[key] } }

    private func updateInFlightMetrics() {
        guard let metrics else { return }
        let now = clock.now
        let (total, longest) = state.withLock { s -> (Double, Double) in
            var total = 0.0, longest = 0.0
            for started in s.processing.values {
                let d = (now - started).inSeconds
                total += d
                longest = max(longest, d)
            }
            return (total, longest)
        }
        metrics.unfinishedWork.set(total)
        metrics.longestRunning.set(longest)
    }
}

/// controller-runtime's workqueue metrics (pkg/metrics/workqueue.go), labelled by queue name.
struct WorkQueueMetrics: Sendable {
    let depth: Gauge
    let adds: Counter
    let retries: Counter
    let queueDuration: Histogram
    let workDuration: Histogram
    let unfinishedWork: Gauge
    let longestRunning: Gauge

    init(registry: MetricsRegistry, name: String) {
        let labels = ["controller", "name"]
        let buckets = HistogramFamily.exponentialBuckets(start: 10e-9, factor: 10, count: 12)
        depth = registry.gauge("workqueue_depth", help: "Current depth of workqueue", labels: labels).labels(name, name)
        adds = registry.counter("workqueue_adds_total", help: "Total number of adds handled by workqueue", labels: labels)
            .labels(name, name)
        retries = registry.counter("workqueue_retries_total", help: "Total number of retries handled by workqueue",
                                   labels: labels).labels(name, name)
        queueDuration = registry.histogram("workqueue_queue_duration_seconds",
                                           help: "How long in seconds an item stays in workqueue before being requested",
                                           labels: labels, buckets: buckets).labels(name, name)
        workDuration = registry.histogram("workqueue_work_duration_seconds",
                                          help: "How long in seconds processing an item from workqueue takes.",
                                          labels: labels, buckets: buckets).labels(name, name)
        unfinishedWork = registry.gauge(
            "workqueue_unfinished_work_seconds",
            help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. "
                + "Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate "
                + "at which this increases.", labels: labels).labels(name, name)
        longestRunning = registry.gauge("workqueue_longest_running_processor_seconds",
                                        help: "How many seconds has the longest running processor for workqueue been running.",
                                        labels: labels).labels(name, name)
    }
}
