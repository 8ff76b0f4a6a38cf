// Watcher: one open watch. The store pushes events into it under its lock (already filtered); the HTTP
// response drains it in batches. A watcher whose client falls too far behind is closed, as the real API
// server's cacher does, and the client re-watches from its last resourceVersion.

import KubeCore
import Synchronization

/// What a watch stream emits.
public enum WatchItem: Sendable {
    /// An object event; `type` is what this watcher sees (a MODIFIED that leaves its selector is DELETED).
    case event(WatchEventType, StoreEvent)
    case bookmark(rv: UInt64, initialEventsEnd: Bool)
    /// An ERROR event carrying a Status (410 Expired), after which the stream ends.
    case error(Status)
}

public final class Watcher: Sendable {
    public let id: Int
    public let key: StorageKey
    let namespace: String?
    let predicate: (@Sendable (JSONValue) -> Bool)?
    let capacity: Int

    private struct State {
        var queue: [WatchItem] = []
        var waiter: CheckedContinuation<[WatchItem]?, Never>?
        var closed = false
        /// Highest resourceVersion delivered into the queue, for bookmarks.
        var lastRV: UInt64 = 0
    }
    private let state = Mutex(State())

    init(id: Int, key: StorageKey, namespace: String?, predicate: (@Sendable (JSONValue) -> Bool)?, capacity: Int) {
        self.id = id
        self.key = key
        self.namespace = namespace
        self.predicate = predicate
        self.capacity = capacity
    }

    /// Queues an item; closes the watcher if its client has fallen `capacity` items behind.
    func enqueue(_ item: WatchItem) {
        state.withLock { s in
            guard !s.closed else { return }
            s.queue.append(item)
            if s.queue.count > capacity {
                s.closed = true
                s.queue = []
            }
            if let w = s.waiter {
                s.waiter = nil
                let items = s.queue
                s.queue = []
                w.resume(returning: s.closed && items.isEmpty ? nil : items)
            }
        }
    }

    /// The next batch of items, or nil once the watcher is closed and drained.
    public func next() async -> [WatchItem]? {
        await withCheckedContinuation { (c: CheckedContinuation<[WatchItem]?, Never>) in
            state.withLock { s in
                if !s.queue.isEmpty {
                    let items = s.queue
                    s.queue = []
                    c.resume(returning: items)
                } else if s.closed {
                    c.resume(returning: nil)
                } else {
                    s.waiter = c
                }
            }
        }
    }

    /// Ends the stream. `drop` discards what is queued (a broken connection); otherwise it is still delivered.
    public func close(drop: Bool = false) {
        state.withLock { s in
            s.closed = true
            if drop { s.queue = [] }
            if let w = s.waiter {
                s.waiter = nil
                let items = s.queue
                s.queue = []
                w.resume(returning: items.isEmpty ? nil : items)
            }
        }
    }

    public var isClosed: Bool { state.withLock { $0.closed } }
}
