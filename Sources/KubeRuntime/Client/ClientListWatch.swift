// ClientListWatch: the watcher's list and watch calls over KubeClient, scoped by namespace and selectors.

import KubeClient
import KubeCore

public struct ClientListWatch<Object: KubeResource>: ListWatchSource {
    public let client: KubeClient
    /// nil: all namespaces (or a cluster-scoped kind).
    public let namespace: String?
    public let labelSelector: String?
    public let fieldSelector: String?

    public init(client: KubeClient, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil) {
        self.client = client
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
    }

    public func list(limit: Int, continueToken: String?) async throws -> KubeList<Object> {
        try await client.list(Object.self, namespace: namespace,
                              options: ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector, limit: limit,
                                                   continueToken: continueToken))
    }

    public func watch(resourceVersion: String, timeoutSeconds: Int, allowBookmarks: Bool) async throws
        -> any WatchConnection<Object>
    {
        let stream = try await client.watch(
            Object.self, namespace: namespace,
            options: WatchOptions(labelSelector: labelSelector, fieldSelector: fieldSelector, resourceVersion: resourceVersion,
                                  allowWatchBookmarks: allowBookmarks, timeoutSeconds: timeoutSeconds))
        return ClientWatchConnection(stream.makeAsyncIterator())
    }

    /// 410 on a list (expired continue token), on the watch request, or as a watch ERROR event.
    public func isExpired(_ error: any Error) -> Bool {
        if let error = error as? KubeError { return error.isExpired }
        return (error as? Status)?.code == 410
    }
}

/// One open watch; the actor serialises `next()` on the stream's iterator (one consumer, as it requires).
actor ClientWatchConnection<Object: KubeResource>: WatchConnection {
    private var iterator: WatchStream<Object>.Iterator

    init(_ iterator: WatchStream<Object>.Iterator) { self.iterator = iterator }

    func next() async throws -> ListWatchEvent<Object>? {
        var it = iterator
        defer { iterator = it }
        switch try await it.next(isolation: self) {
        case nil: return nil
        case .added(let o): return .added(o)
        case .modified(let o): return .modified(o)
        case .deleted(let o): return .deleted(o)
        case .bookmark(let b): return .bookmark(resourceVersion: b.resourceVersion)
        }
    }
}

extension Informer {
    /// An informer of `Object` over the client: `namespace` nil watches all namespaces.
    public convenience init(client: KubeClient, namespace: String? = nil, labelSelector: String? = nil,
                            fieldSelector: String? = nil, name: String? = nil, store: Store<Object> = Store(),
                            configuration: Watcher<Object>.Configuration = .init(), clock: any RuntimeClock = SystemClock(),
                            logger: Logger = Logger(label: "informer", sink: .discarding)) {
        self.init(name: name,
                  source: ClientListWatch<Object>(client: client, namespace: namespace, labelSelector: labelSelector,
                                                  fieldSelector: fieldSelector),
                  store: store, configuration: configuration, clock: clock, logger: logger)
    }
}
