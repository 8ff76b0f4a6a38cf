// Informer: a watcher feeding a store, fanning the store's changes out to subscribers (controllers).
//
// One informer per kind and scope is shared by every controller that needs it: one watch connection, one
// cache. Subscribers are called synchronously on the informer's task and must only enqueue.

import KubeCore
import Synchronization

public final class Informer<Object: KubeResource>: Sendable, Runnable {
    public typealias Handler = @Sendable (StoreChange<Object>) -> Void

    public let name: String
    public let store: Store<Object>
    private let watcher: Watcher<Object>
    private let handlers = Mutex<[Handler]>([])

    public init(name: String? = nil, source: any ListWatchSource<Object>, store: Store<Object> = Store(),
                configuration: Watcher<Object>.Configuration = .init(), clock: any RuntimeClock = SystemClock(),
                logger: Logger = Logger(label: "informer", sink: .discarding)) {
        let name = name ?? Object.descriptor.description
        self.name = name
        self.store = store
        self.watcher = Watcher(source: source, configuration: configuration, clock: clock,
                               logger: logger.with(["informer": name]))
    }

    /// Calls `handler` for every change from now on. A subscriber added after the first list also needs the
    /// current contents: it can read `store`, and controllers enqueue all keys when they start.
    public func subscribe(_ handler: @escaping Handler) {
        handlers.withLock { $0.append(handler) }
    }

    public var hasSynced: Bool { store.isSynced }

    public func waitUntilSynced() async { await store.waitUntilSynced() }

    /// Watches until cancelled.
    public func run() async throws {
        while true {
            let event = try await watcher.next()
            let changes = store.apply(event)
            guard !changes.isEmpty else { continue }
            let current = handlers.withLock { $0 }
            for change in changes {
                for handler in current { handler(change) }
            }
        }
    }

    public var watcherPhase: Watcher<Object>.Phase { get async { await watcher.phase } }
}
