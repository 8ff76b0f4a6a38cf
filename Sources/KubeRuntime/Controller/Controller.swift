// Controller: N workers reconciling keys of one primary kind, fed by triggers from informers.
//
// Reconciles are level-based: they receive a key, never an event (controller-runtime's Request, kube-rs'
// hidden ReconcileReason), so they read the current state and converge. Errors retry with per-key back-off,
// `TerminalError` does not retry, `.requeue(after:)` schedules a check and resets the back-off.

import KubeCore
import Synchronization

/// What a reconcile asks for next.
public enum ReconcileResult: Sendable, Equatable {
    /// Converged; run again only when a trigger fires.
    case done
    /// Run again after the delay (a periodic check; resets the error back-off).
    case requeue(after: Duration)
}

/// Wrap an error in this to say that retrying cannot help (invalid spec): it is counted and logged, the key
/// is not requeued, and the next change to the object triggers a fresh reconcile.
public struct TerminalError: Error, CustomStringConvertible {
    public var underlying: any Error
    public init(_ underlying: any Error) { self.underlying = underlying }
    public var description: String { "terminal: \(underlying)" }
}

public enum ControllerError: Error, CustomStringConvertible {
    case cacheSyncTimeout(controller: String, informers: [String])

    public var description: String {
        switch self {
        case .cacheSyncTimeout(let c, let informers):
            "controller \(c): caches not synced in time: \(informers.joined(separator: ", "))"
        }
    }
}

public final class Controller<Object: KubeResource>: GracefulRunnable {
    public typealias Reconcile = @Sendable (ObjectKey) async throws -> ReconcileResult

    public struct Options: Sendable {
        /// Concurrent reconciles (never two of the same key).
        public var workers: Int
        /// When set, every cached primary object is enqueued this often (±10 % jitter): a safety net against
        /// reconcile bugs, not a substitute for `.requeue(after:)` (controller-runtime uses 10 h).
        public var resyncPeriod: Duration?
        /// How long `run` waits for the informers' first lists before failing.
        public var cacheSyncTimeout: Duration
        public var baseDelay: Duration
        public var maxDelay: Duration
        /// Overall retry bucket; nil disables.
        public var retryBucket: (rate: Double, burst: Int)?

        public init(workers: Int = 1, resyncPeriod: Duration? = nil, cacheSyncTimeout: Duration = .seconds(120),
                    baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(1000),
                    retryBucket: (rate: Double, burst: Int)? = (10, 100)) {
            precondition(workers >= 1, "a controller needs at least one worker")
            self.workers = workers
            self.resyncPeriod = resyncPeriod
            self.cacheSyncTimeout = cacheSyncTimeout
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.retryBucket = retryBucket
        }
    }

    private struct Source: Sendable {
        var name: String
        var hasSynced: @Sendable () -> Bool
        var waitUntilSynced: @Sendable () async -> Void
    }

    public let name: String
    public let queue: WorkQueue<ObjectKey>
    public let primary: Informer<Object>
    private let options: Options
    private let reconcile: Reconcile
    private let clock: any RuntimeClock
    private let logger: Logger
    private let metrics: ControllerMetrics?
    private let sources = Mutex<[Source]>([])

    /// - Parameters:
    ///   - primary: the informer of the reconciled kind; its changes that pass `predicates` enqueue their key.
    ///   - reconcile: converges one object; must be idempotent and tolerate the object being gone.
    public init(name: String, for primary: Informer<Object>, predicates: [Predicate<Object>] = [],
                options: Options = Options(), clock: any RuntimeClock = SystemClock(), metrics: MetricsRegistry? = .shared,
                logger: Logger = Logger(label: "controller", sink: .discarding), reconcile: @escaping Reconcile) {
        self.name = name
        self.primary = primary
        self.options = options
        self.reconcile = reconcile
        self.clock = clock
        self.logger = logger.with(["controller": name])
        self.metrics = metrics.map { ControllerMetrics(registry: $0, controller: name) }
        self.queue = WorkQueue(.init(name: name, baseDelay: options.baseDelay, maxDelay: options.maxDelay,
                                     bucket: options.retryBucket), clock: clock, metrics: metrics)
        addSource(primary)
        primary.subscribe { [queue] change in
            guard Predicate.passes(change, predicates) else { return }
            queue.add(change.object.key)
        }
    }

    /// Triggers the owner when an owned object changes: the child's controller owner reference of this
    /// controller's kind (group and kind match; version may differ) names the key.
    @discardableResult
    public func owns<Child: KubeResource>(_ children: Informer<Child>, predicates: [Predicate<Child>] = []) -> Self {
        addSource(children)
        children.subscribe { [queue] change in
            guard Predicate.passes(change, predicates) else { return }
            for key in Self.ownerKeys(of: change) { queue.add(key) }
        }
        return self
    }

    /// Triggers the keys `map` returns for a change of another kind (e.g. all jobs using a changed pool).
    @discardableResult
    public func watches<Other: KubeResource>(_ others: Informer<Other>, predicates: [Predicate<Other>] = [],
                                             map: @escaping @Sendable (Other) -> [ObjectKey]) -> Self {
        addSource(others)
        others.subscribe { [queue] change in
            guard Predicate.passes(change, predicates) else { return }
            var keys = Set(map(change.object))
            if case .updated(let old, _) = change { keys.formUnion(map(old)) }
            for key in keys { queue.add(key) }
        }
        return self
    }

    /// Enqueues a key directly (e.g. from a webhook or a timer outside the informers).
    public func enqueue(_ key: ObjectKey) { queue.add(key) }

    /// The primary keys a change of an owned object maps to (before and after an update, when they differ).
    static func ownerKeys<Child: KubeResource>(of change: StoreChange<Child>) -> [ObjectKey] {
        var objects = [change.object]
        if case .updated(let old, _) = change { objects.append(old) }
        var keys: [ObjectKey] = []
        for child in objects {
            guard let ref = child.metadata.controllerReference, ref.kind == Object.descriptor.kind,
                  GroupVersionKind(apiVersion: ref.apiVersion, kind: ref.kind).group == Object.descriptor.group
            else { continue }
            // Owners are in the child's namespace or cluster-scoped (cross-namespace owners are invalid).
            let key = ObjectKey(namespace: Object.descriptor.namespaced ? child.metadata.namespace : nil, name: ref.name)
            if !keys.contains(key) { keys.append(key) }
        }
        return keys
    }

    private func addSource<K: KubeResource>(_ informer: Informer<K>) {
        sources.withLock { s in
            guard !s.contains(where: { $0.name == informer.name }) else { return }
            s.append(Source(name: informer.name, hasSynced: { informer.hasSynced },
                            waitUntilSynced: { await informer.waitUntilSynced() }))
        }
    }

    // MARK: Running

    /// Waits for the informers' first lists, enqueues every cached primary object, then reconciles until
    /// `shutDownGracefully()` (returns after the reconciles in flight finish) or cancellation.
    public func run() async throws {
        try await withTaskCancellationHandler {
            try await waitForCaches()
            for key in primary.store.keys { queue.add(key) }
            metrics?.maxConcurrent.set(Double(options.workers))
            logger.info("starting workers", ["workers": options.workers])
            await withTaskGroup(of: Void.self) { group in
                if let period = options.resyncPeriod {
                    group.addTask { await self.resync(every: period) }
                }
                await withTaskGroup(of: Void.self) { workers in
                    for _ in 0..<options.workers { workers.addTask { await self.work() } }
                }
                group.cancelAll()
            }
            logger.info("stopped")
        } onCancel: {
            queue.shutDown()
        }
    }

    public func shutDownGracefully() { queue.shutDown() }

    private func waitForCaches() async throws {
        let pending = sources.withLock { $0 }.filter { !$0.hasSynced() }
        guard !pending.isEmpty else { return }
        let synced = await withTaskGroup(of: Bool.self) { group -> Bool in
            group.addTask {
                await withTaskGroup(of: Void.self) { g in
                    for source in pending { g.addTask { await source.waitUntilSynced() } }
                }
                return !Task.isCancelled
            }
            group.addTask {
                try? await self.clock.sleep(for: self.options.cacheSyncTimeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        try Task.checkCancellation()
        guard synced else {
            let names = sources.withLock { $0 }.filter { !$0.hasSynced() }.map(\.name)
            throw ControllerError.cacheSyncTimeout(controller: name, informers: names)
        }
    }

    private func resync(every period: Duration) async {
        while !Task.isCancelled {
            let jitter = Double.random(in: 0.9...1.1)
            do { try await clock.sleep(for: period * jitter) } catch { return }
            for key in primary.store.keys { queue.add(key) }
        }
    }

    private func work() async {
        while let key = await queue.get() {
            await process(key)
            queue.done(key)
        }
    }

    private func process(_ key: ObjectKey) async {
        metrics?.activeWorkers.inc()
        defer { metrics?.activeWorkers.dec() }
        let start = clock.now
        defer { metrics?.reconcileTime.observe(clock.now - start) }
        do {
            switch try await reconcile(key) {
            case .done:
                queue.forget(key)
                metrics?.result(.success)
            case .requeue(let delay):
                // Reset the back-off before scheduling: a requeue is a healthy periodic check.
                queue.forget(key)
                queue.addAfter(key, delay)
                metrics?.result(.requeueAfter)
            }
        } catch let error as TerminalError {
            queue.forget(key)
            metrics?.result(.error)
            metrics?.terminalErrors.inc()
            logger.error("reconcile failed permanently", ["key": key, "error": error.underlying])
        } catch {
            if Task.isCancelled { return }
            queue.addRateLimited(key)
            metrics?.result(.error)
            logger.warning("reconcile failed; retrying", ["key": key, "error": error, "failures": queue.failures(key)])
        }
    }
}

/// controller-runtime's controller metrics (pkg/internal/controller/metrics).
struct ControllerMetrics: Sendable {
    enum Result: String { case success, error, requeueAfter = "requeue_after" }

    let success: Counter
    let error: Counter
    let requeueAfter: Counter
    let errors: Counter
    let terminalErrors: Counter
    let reconcileTime: Histogram
    let activeWorkers: Gauge
    let maxConcurrent: Gauge

    static let reconcileTimeBuckets: [Double] = [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5,
        1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
    ]

    init(registry: MetricsRegistry, controller: String) {
        let total = registry.counter("controller_runtime_reconcile_total",
                                     help: "Total number of reconciliations per controller", labels: ["controller", "result"])
        success = total.labels(controller, Result.success.rawValue)
        error = total.labels(controller, Result.error.rawValue)
        requeueAfter = total.labels(controller, Result.requeueAfter.rawValue)
        errors = registry.counter("controller_runtime_reconcile_errors_total",
                                  help: "Total number of reconciliation errors per controller", labels: ["controller"])
            .labels(controller)
        terminalErrors = registry.counter("controller_runtime_terminal_reconcile_errors_total",
                                          help: "Total number of terminal reconciliation errors per controller",
                                          labels: ["controller"]).labels(controller)
        reconcileTime = registry.histogram("controller_runtime_reconcile_time_seconds",
                                           help: "Length of time per reconciliation per controller", labels: ["controller"],
                                           buckets: Self.reconcileTimeBuckets).labels(controller)
        activeWorkers = registry.gauge("controller_runtime_active_workers",
                                       help: "Number of currently used workers per controller", labels: ["controller"])
            .labels(controller)
        maxConcurrent = registry.gauge("controller_runtime_max_concurrent_reconciles",
                                       help: "Maximum number of concurrent reconciles per controller", labels: ["controller"])
            .labels(controller)
    }

    func result(_ r: Result) {
        switch r {
        case .success: success.inc()
        case .error:
            error.inc()
            errors.inc()
        case .requeueAfter: requeueAfter.inc()
        }
    }
}
