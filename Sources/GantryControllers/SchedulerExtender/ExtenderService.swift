// ExtenderService: the extender's live state wired together. Watches of Nodes, Pods, DeviceSlices,
// ResourcePools and Quotas push their changes into one queue that a single task applies to the ClusterLedger in
// batches; the initial lists arrive the same way, so the ledger is rebuilt from the pods' annotations at start.
// Each watch queues a marker right after its initial list's changes, and readiness is declared once the feed has
// applied all five markers, i.e. every cached object. A maintenance task expires gang reservations and
// refreshes gauges.

import Foundation
import GantryAPI
import HTTPServer
import KubeClient
import KubeCore
import KubeRuntime
import Synchronization

public final class ExtenderService: Sendable {
    public let configuration: ExtenderConfiguration
    public let ledger: ClusterLedger
    public let extender: SchedulerExtender
    public let metrics: ExtenderMetrics
    public let nodes: FeedInformer<Node, Node>
    public let pods: FeedInformer<Pod, CachedPod>
    public let slices: FeedInformer<DeviceSlice, DeviceSlice>
    public let pools: FeedInformer<ResourcePool, ResourcePool>
    public let quotas: FeedInformer<Quota, Quota>
    let queue = FeedQueue()
    let ready = ReadyFlag()
    let logger: Logger

    public init(client: KubeClient, configuration: ExtenderConfiguration, registry: MetricsRegistry = MetricsRegistry(),
                logger: Logger = Logger(label: "gantry-scheduler-extender", sink: .discarding)) {
        self.configuration = configuration
        self.logger = logger
        metrics = ExtenderMetrics(registry: registry)
        let podStore = Store<CachedPod>(indexes: [GangIndex.index], transform: nil)
        let informerLogger = logger.with(label: "informer")
        let queue = self.queue
        nodes = FeedInformer(client: client, store: Store(transform: NodeSlimming.transform), convert: { $0 }, logger: informerLogger,
                             emit: { queue.push(.node($0)) }, synced: { queue.push(.synced("nodes")) })
        pods = FeedInformer(client: client, store: podStore, convert: CachedPod.init, logger: informerLogger,
                            emit: { queue.push(.pod($0)) }, synced: { queue.push(.synced("pods")) })
        slices = FeedInformer(client: client, store: Store(transform: { $0.metadata.managedFields = nil; $0.status = nil }), convert: { $0 },
                              logger: informerLogger, emit: { queue.push(.slice($0)) }, synced: { queue.push(.synced("deviceslices")) })
        pools = FeedInformer(client: client, store: Store(), convert: { $0 }, logger: informerLogger, emit: { queue.push(.pool($0)) },
                             synced: { queue.push(.synced("resourcepools")) })
        quotas = FeedInformer(client: client, store: Store(), convert: { $0 }, logger: informerLogger, emit: { queue.push(.quota($0)) },
                              synced: { queue.push(.synced("quotas")) })
        ledger = ClusterLedger(configuration: .init(reservationTTL: configuration.reservationTTL,
                                                    thermalStaleAfter: configuration.thermalStaleAfter,
                                                    defaultProfile: configuration.defaultProfile),
                               podStore: podStore, metrics: metrics, logger: logger.with(label: "ledger"))
        let ready = self.ready
        extender = SchedulerExtender(ledger: ledger, binder: PodBinder(client: client, ledger: ledger, logger: logger.with(label: "bind")),
                                     podStore: podStore, metrics: metrics, decisions: DecisionLog(capacity: configuration.decisionsKept),
                                     prefix: configuration.pathPrefix, logger: logger.with(label: "extender"),
                                     isReady: { ready.value })
    }

    public var isReady: Bool { ready.value }

    /// The kinds whose initial list the ledger must have applied before the extender answers.
    static let watchedKinds: Set<String> = ["nodes", "pods", "deviceslices", "resourcepools", "quotas"]

    /// The services to run: the five informers, the feed and the maintenance loop (the HTTP server is separate).
    public var runnables: [any Runnable] {
        [nodes, pods, slices, pools, quotas,
         ClosureRunnable(name: "ledger-feed") { [self] in await feed() },
         ClosureRunnable(name: "ledger-maintenance") { [self] in await maintain() }]
    }

    /// Registers everything with a manager; its `/readyz` then waits for the caches and the ledger.
    public func register(with manager: Manager) async {
        for r in runnables { await manager.addRunnable(r) }
        for (name, check) in [(nodes.name, nodes.hasSyncedCheck), (pods.name, pods.hasSyncedCheck), (slices.name, slices.hasSyncedCheck),
                              (pools.name, pools.hasSyncedCheck), (quotas.name, quotas.hasSyncedCheck)] {
            manager.addReadyCheck("informer:\(name)", check)
        }
        manager.addReadyCheck("ledger") { [ready] in ready.value }
    }

    /// Runs the informers, the feed and the maintenance loop until cancelled (for tests and tools without a manager).
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for r in runnables { group.addTask { try await r.run() } }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Waits (with a deadline) until the ledger is built; false if it is not by then.
    public func waitUntilReady(timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if isReady { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return isReady
    }

    // MARK: Feed

    private func feed() async {
        var synced = Set<String>()
        var announced = false
        while !Task.isCancelled {
            let batch = await queue.next()
            if Task.isCancelled { return }
            await ledger.apply(batch)
            if !announced {
                for case .synced(let kind) in batch { synced.insert(kind) }
                guard synced.isSuperset(of: Self.watchedKinds) else { continue }
                announced = true
                let counts = await ledger.bookkeeping
                ready.set()
                logger.info("ledger built from the cluster; ready", ["nodes": await ledger.nodeCount, "allocations": counts.allocations,
                                                                     "unresolved": counts.unresolved, "inferred": counts.inferred])
            }
        }
    }

    private func maintain() async {
        var tick = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if Task.isCancelled { return }
            if !announcedReady { continue }
            await ledger.expireReservations(now: Date())
            if tick % 5 == 0 { await ledger.refreshGauges() }
            tick += 1
        }
    }

    private var announcedReady: Bool { ready.value }

    // MARK: HTTP

    /// The HTTP server for the verbs, `/debug/*` and (through `fallback`) probes and metrics.
    public func makeServer(fallback: HTTPHandler?) throws -> HTTPServer {
        var config = HTTPServer.Configuration(host: configuration.host, port: configuration.port, eventLoops: 1)
        config.limits.maxBodyBytes = configuration.maxBodyBytes
        // kube-scheduler sends whole requests at once; a client that dribbles is cut off long before its own timeout.
        config.timeouts.header = .seconds(5)
        config.timeouts.body = .seconds(10)
        config.timeouts.idle = .seconds(90)
        config.shutdownGracePeriod = .seconds(5)
        return try HTTPServer(configuration: config, handler: extender.handler(fallback: fallback))
    }
}

/// One change for the ledger.
enum FeedEvent: Sendable {
    case node(StoreChange<Node>)
    case pod(StoreChange<CachedPod>)
    case slice(StoreChange<DeviceSlice>)
    case pool(StoreChange<ResourcePool>)
    case quota(StoreChange<Quota>)
    /// A kind's initial list (or relist) has been queued in full.
    case synced(String)
}

/// A watch feeding a store and the ledger's queue (KubeRuntime's Informer, plus a conversion of what is cached —
/// pods become CachedPods — and a marker queued right after the changes of each full list, so the feed knows when
/// it has applied everything the list returned).
public final class FeedInformer<Watched: KubeResource, Cached: KubeResource>: Runnable, Sendable {
    public let name: String
    public let store: Store<Cached>
    private let watcher: Watcher<Watched>
    private let convert: @Sendable (Watched) -> Cached
    private let emit: @Sendable (StoreChange<Cached>) -> Void
    private let synced: @Sendable () -> Void

    init(client: KubeClient, store: Store<Cached>, convert: @escaping @Sendable (Watched) -> Cached, logger: Logger,
         emit: @escaping @Sendable (StoreChange<Cached>) -> Void, synced: @escaping @Sendable () -> Void) {
        name = Watched.descriptor.description
        self.store = store
        watcher = Watcher(source: ClientListWatch<Watched>(client: client), logger: logger.with(["informer": name]))
        self.convert = convert
        self.emit = emit
        self.synced = synced
    }

    public var hasSynced: Bool { store.isSynced }
    var hasSyncedCheck: @Sendable () -> Bool { { [store] in store.isSynced } }

    public func run() async throws {
        while true {
            let event: WatcherEvent<Cached>
            switch try await watcher.next() {
            case .applied(let o): event = .applied(convert(o))
            case .deleted(let o): event = .deleted(convert(o))
            case .initStarted: event = .initStarted
            case .initApply(let o): event = .initApply(convert(o))
            case .initDone: event = .initDone
            }
            for change in store.apply(event) { emit(change) }
            if case .initDone = event { synced() }
        }
    }
}

/// Informer handlers append here without blocking; the feed task takes everything queued at once.
final class FeedQueue: Sendable {
    private let state = Mutex<(events: [FeedEvent], waiter: CheckedContinuation<Void, Never>?)>(([], nil))

    func push(_ e: FeedEvent) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.events.append(e)
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    /// Resumes a waiting `next()` with whatever is queued, possibly nothing.
    func wake() {
        let w = state.withLock { s -> CheckedContinuation<Void, Never>? in
            defer { s.waiter = nil }
            return s.waiter
        }
        w?.resume()
    }

    /// Everything queued, after waiting for an event, a `wake()` or cancellation (then possibly empty).
    func next() async -> [FeedEvent] {
        let batch = drain()
        if !batch.isEmpty { return batch }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if !s.events.isEmpty || Task.isCancelled { return true }
                    s.waiter = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            wake()
        }
        return drain()
    }

    func drain() -> [FeedEvent] {
        state.withLock { s in
            let out = s.events
            s.events = []
            return out
        }
    }
}

extension ClusterLedger {
    func apply(_ batch: [FeedEvent]) {
        for e in batch {
            switch e {
            case .node(.deleted(let n)): deleteNode(named: n.metadata.name ?? "")
            case .node(let c): upsertNode(c.object)
            case .slice(.deleted(let s)): deleteSlice(named: s.metadata.name ?? "")
            case .slice(let c): upsertSlice(c.object)
            case .pool(.deleted(let p)): deletePool(named: p.metadata.name ?? "")
            case .pool(let c): upsertPool(c.object)
            case .quota(.deleted(let q)): deleteQuota(named: q.metadata.name ?? "")
            case .quota(let c): upsertQuota(c.object)
            case .pod(.deleted(let p)): podGone(p.facts)
            case .pod(let c): apply(c.object.facts)
            case .synced: break
            }
        }
    }
}

/// Nodes as the extender's cache keeps them: what the engine's node spec is built from (labels, taints, cordon,
/// allocatable, the rack temperature annotation), not images, conditions or addresses.
public enum NodeSlimming {
    public static let transform: Store<Node>.Transform = { node in
        node.metadata.managedFields = nil
        node.metadata.ownerReferences = nil
        node.metadata.annotations = node.metadata.annotations?.filter { $0.key == AnnotationKey.rackTemperature }
        if let status = node.status {
            node.status = NodeStatus(capacity: status.capacity, allocatable: status.allocatable)
        }
    }
}

/// Set once, read from any thread (a Mutex or Atomic cannot be captured by the closures that read it).
final class ReadyFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var value: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}
