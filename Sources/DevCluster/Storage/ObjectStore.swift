// ObjectStore: the dev cluster's etcd. Objects are JSON values kept per resource (group + plural) and
// namespace/name, written under one lock with one global resourceVersion counter. Every write appends to
// a bounded event history (what watches resume from; older versions get 410) and is pushed to the
// matching open watchers. Indexes by uid and by owner uid serve the garbage collector.
//
// The store knows nothing of Kubernetes semantics beyond resourceVersion and ownerReferences: validation,
// finalizers and subresources live in the API layer, which runs its checks inside `mutate` so that a
// read-check-write is atomic.

import Foundation
import KubeCore
import Synchronization

/// An object as stored: its JSON bytes (what etcd would hold) and the few fields the store indexes.
/// The parsed value is not kept: at 100,000 objects the JSON trees would cost several times the bytes.
public struct StoredObject: Sendable {
    public var encoded: [UInt8]
    public var rv: UInt64
    public var uid: String?
    public var ownerUIDs: Set<String>
    /// The apiVersion it was written at (custom resources are served at any of their versions).
    public var apiVersion: String?
    /// metadata.deletionTimestamp is set (a namespace being terminated takes no new objects; checked per create).
    public var deleting: Bool

    /// The object, parsed from its bytes (each call parses again; hold on to it when reading twice).
    public var object: JSONValue { (try? JSONParser.parse(encoded)) ?? .null }

    init(object: JSONValue, encoded: [UInt8], rv: UInt64) {
        self.encoded = encoded
        self.rv = rv
        uid = object["metadata"]?["uid"]?.stringValue
        ownerUIDs = ObjectStore.ownerUIDs(object)
        apiVersion = object["apiVersion"]?.stringValue
        deleting = object["metadata"]?["deletionTimestamp"].map { !$0.isNull } ?? false
    }
}

public struct StoreEvent: Sendable {
    public var type: WatchEventType
    public var key: StorageKey
    public var rv: UInt64
    public var encoded: [UInt8]
    /// The object before a MODIFIED, so a watch with a selector can turn it into ADDED or DELETED.
    public var previousEncoded: [UInt8]?
    /// The object's namespace ("" when cluster-scoped), for namespaced watches without parsing.
    public var namespace: String
    public var apiVersion: String?
    /// The object as the writer had it, on events handed to live watchers (not kept in the history): in-process
    /// watchers (the scheduler shim, the kubelets) then share it instead of each parsing `encoded` again.
    var parsed: JSONValue?

    public var object: JSONValue { parsed ?? (try? JSONParser.parse(encoded)) ?? .null }
    public var previous: JSONValue? { previousEncoded.flatMap { try? JSONParser.parse($0) } }
}

/// What `mutate` does with the object it was given.
public enum Mutation: Sendable {
    case keep
    case put(JSONValue)
    /// Removes the object; a value is its final state for the DELETED event (finalizers just cleared).
    case remove(JSONValue?)
}

/// A removed object, for the garbage collector: its uid, the owners it referenced, and where it was.
public struct RemovedObject: Sendable {
    public var uid: String
    public var owners: [String]
    public var ref: ObjectRef
}

/// An object's address in the store, for the uid and owner indexes.
public struct ObjectRef: Hashable, Sendable {
    public var key: StorageKey
    public var name: String
}

public final class ObjectStore: Sendable {
    struct Bucket {
        var objects: [String: StoredObject] = [:]
        /// Sorted object keys ("ns/name" or "name"), rebuilt lazily after creates and deletes.
        var sortedKeys: [String]? = []
    }

    struct State {
        var rv: UInt64 = 1
        var buckets: [StorageKey: Bucket] = [:]
        var history: [StoreEvent] = []
        var historyStart = 0
        /// Events with a resourceVersion up to this one are gone from the history.
        var compacted: UInt64 = 0
        var watchers: [Int: Watcher] = [:]
        var nextWatcherID = 1
        var byUID: [String: ObjectRef] = [:]
        var dependents: [String: Set<ObjectRef>] = [:]
        /// Objects removed since the garbage collector last looked.
        var removed: [RemovedObject] = []
    }

    private let state = Mutex(State())
    public let historyCapacity: Int
    public let watcherCapacity: Int
    /// Called (outside the lock) after a write that removed objects, so the garbage collector can run.
    private let onRemoval = Mutex<(@Sendable () -> Void)?>(nil)

    public init(historyCapacity: Int = 50_000, watcherCapacity: Int = 200_000) {
        self.historyCapacity = max(1, historyCapacity)
        self.watcherCapacity = watcherCapacity
    }

    public func setRemovalHandler(_ handler: @escaping @Sendable () -> Void) { onRemoval.withLock { $0 = handler } }

    public static func objectKey(namespace: String?, name: String) -> String {
        if let namespace, !namespace.isEmpty { return namespace + "/" + name }
        return name
    }

    // MARK: Reads

    public var currentRV: UInt64 { state.withLock { $0.rv } }
    public var compactedRV: UInt64 { state.withLock { $0.compacted } }

    public func get(_ key: StorageKey, _ objectKey: String) -> StoredObject? {
        state.withLock { $0.buckets[key]?.objects[objectKey] }
    }

    public func lookup(uid: String) -> (ObjectRef, StoredObject)? {
        state.withLock { s in
            guard let ref = s.byUID[uid], let o = s.buckets[ref.key]?.objects[ref.name] else { return nil }
            return (ref, o)
        }
    }

    public func dependents(of uid: String) -> [ObjectRef] {
        state.withLock { Array($0.dependents[uid] ?? []) }
    }

    public func count(_ key: StorageKey) -> Int { state.withLock { $0.buckets[key]?.objects.count ?? 0 } }

    public var totalObjects: Int { state.withLock { $0.buckets.values.reduce(0) { $0 + $1.objects.count } } }

    /// A page of objects in key order, starting after `after`, and the store's resourceVersion.
    /// `next` is the last key returned when more matching objects remain.
    public func list(_ key: StorageKey, namespace: String?, after: String? = nil, limit: Int = 0,
                     filter: ((JSONValue) -> Bool)? = nil) -> (items: [StoredObject], rv: UInt64, next: String?, remaining: Int) {
        state.withLock { s in
            guard let bucket = s.buckets[key] else { return ([], s.rv, nil, 0) }
            let keys: [String]
            if let sorted = bucket.sortedKeys {
                keys = sorted
            } else {
                keys = bucket.objects.keys.sorted()
                s.buckets[key]?.sortedKeys = keys
            }
            var lo = 0
            var hi = keys.count
            if let namespace, !namespace.isEmpty {
                let prefix = namespace + "/"
                lo = lowerBound(keys, prefix)
                hi = lowerBound(keys, namespace + "0")  // "0" is the byte after "/"
            }
            if let after { lo = max(lo, upperBound(keys, after)) }
            var items: [StoredObject] = []
            var lastIndex = lo
            var i = lo
            while i < hi {
                if let o = bucket.objects[keys[i]], filter?(o.object) ?? true {
                    if limit > 0 && items.count == limit {
                        // A further match exists: continue after the last key returned.
                        return (items, s.rv, keys[lastIndex], filter == nil ? hi - i : 0)
                    }
                    items.append(o)
                    lastIndex = i
                }
                i += 1
            }
            return (items, s.rv, nil, 0)
        }
    }

    private func lowerBound(_ keys: [String], _ value: String) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private func upperBound(_ keys: [String], _ value: String) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] <= value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    // MARK: Writes

    /// Reads the object at `objectKey`, lets `body` decide, and applies the decision atomically.
    /// Returns the stored result (nil when removed or absent) and whatever `body` returned.
    @discardableResult
    public func mutate<R>(_ key: StorageKey, _ objectKey: String,
                          _ body: (StoredObject?) throws -> (Mutation, R)) throws -> (StoredObject?, R) {
        let (result, removed) = try state.withLock { s -> ((StoredObject?, R), Bool) in
            let current = s.buckets[key]?.objects[objectKey]
            let (mutation, r) = try body(current)
            switch mutation {
            case .keep:
                return ((current, r), false)
            case .put(var object):
                s.rv += 1
                let rv = s.rv
                object.set(.string(String(rv)), at: ["metadata", "resourceVersion"])
                let stored = StoredObject(object: object, encoded: JSONWriter.write(object), rv: rv)
                // In place: copying the bucket out would copy its whole dictionary on every write.
                s.buckets[key, default: Bucket()].objects[objectKey] = stored
                if current == nil { s.buckets[key]?.sortedKeys = nil }
                index(&s, ObjectRef(key: key, name: objectKey), old: current, new: stored)
                publish(&s, StoreEvent(type: current == nil ? .added : .modified, key: key, rv: rv, encoded: stored.encoded,
                                       previousEncoded: current?.encoded, namespace: Self.namespace(of: objectKey),
                                       apiVersion: stored.apiVersion),
                        object: object)
                return ((stored, r), false)
            case .remove(let final):
                guard let current else { return ((nil, r), false) }
                s.rv += 1
                var object = final ?? current.object
                object.set(.string(String(s.rv)), at: ["metadata", "resourceVersion"])
                s.buckets[key]?.objects[objectKey] = nil
                s.buckets[key]?.sortedKeys = nil
                index(&s, ObjectRef(key: key, name: objectKey), old: current, new: nil)
                publish(&s, StoreEvent(type: .deleted, key: key, rv: s.rv, encoded: JSONWriter.write(object), previousEncoded: nil,
                                       namespace: Self.namespace(of: objectKey), apiVersion: current.apiVersion),
                        object: object)
                return ((nil, r), true)
            }
        }
        if removed, let handler = onRemoval.withLock({ $0 }) { handler() }
        return result
    }

    static func namespace(of objectKey: String) -> String {
        guard let slash = objectKey.firstIndex(of: "/") else { return "" }
        return String(objectKey[..<slash])
    }

    /// Removes every object of a resource (its CRD was deleted), with DELETED events.
    public func removeAll(_ key: StorageKey) {
        let keys = state.withLock { s in Array(s.buckets[key]?.objects.keys ?? [:].keys) }
        for k in keys { _ = try? mutate(key, k) { _ in (.remove(nil), ()) } }
    }

    public func takeRemoved() -> [RemovedObject] {
        state.withLock { s in
            let out = s.removed
            s.removed = []
            return out
        }
    }

    private func index(_ s: inout State, _ ref: ObjectRef, old: StoredObject?, new: StoredObject?) {
        let oldUID = old?.uid
        let newUID = new?.uid
        let oldOwners = old?.ownerUIDs ?? []
        let newOwners = new?.ownerUIDs ?? []
        if oldUID != newUID {
            if let oldUID {
                s.byUID[oldUID] = nil
                s.removed.append(RemovedObject(uid: oldUID, owners: Array(oldOwners), ref: ref))
            }
            if let newUID { s.byUID[newUID] = ref }
        }
        if oldOwners != newOwners {
            for o in oldOwners.subtracting(newOwners) {
                s.dependents[o]?.remove(ref)
                if s.dependents[o]?.isEmpty == true { s.dependents[o] = nil }
            }
            for o in newOwners.subtracting(oldOwners) { s.dependents[o, default: []].insert(ref) }
        }
    }

    static func ownerUIDs(_ object: JSONValue?) -> Set<String> {
        guard let refs = object?["metadata"]?["ownerReferences"]?.arrayValue, !refs.isEmpty else { return [] }
        return Set(refs.compactMap { $0["uid"]?.stringValue })
    }

    // MARK: Watch

    private func publish(_ s: inout State, _ event: StoreEvent, object: JSONValue) {
        if s.history.count < historyCapacity {
            s.history.append(event)
        } else {
            s.compacted = s.history[s.historyStart].rv
            s.history[s.historyStart] = event
            s.historyStart = (s.historyStart + 1) % historyCapacity
        }
        for w in s.watchers.values where w.key == event.key { deliver(event, to: w, object: object) }
    }

    /// Queues the event for the watcher as it sees it: a MODIFIED that enters or leaves its selector is an
    /// ADDED or DELETED. `object` is the parsed event object when the caller has it.
    private func deliver(_ event: StoreEvent, to w: Watcher, object: JSONValue? = nil) {
        if let ns = w.namespace, ns != event.namespace { return }
        var event = event
        if let object { event.parsed = object }
        guard let predicate = w.predicate else {
            w.enqueue(.event(event.type, event))
            return
        }
        let now = predicate(object ?? event.object)
        switch event.type {
        case .modified:
            let before = event.previous.map(predicate) ?? false
            if now && before { w.enqueue(.event(.modified, event)) }
            else if now { w.enqueue(.event(.added, event)) }
            else if before { w.enqueue(.event(.deleted, event)) }
        default:
            if now { w.enqueue(.event(event.type, event)) }
        }
    }

    public enum WatchStart: Sendable {
        /// Synthetic ADDED events for the current state, then changes (resourceVersion unset or "0").
        case currentState
        /// Changes after this resourceVersion, from the history (410 if it is gone).
        case after(UInt64)
    }

    /// Opens a watch. Throws 410 Expired when the requested version is older than the history.
    public func watch(_ key: StorageKey, namespace: String?, start: WatchStart,
                      predicate: (@Sendable (JSONValue) -> Bool)?, initialEventsEnd: Bool = false) throws -> Watcher {
        try state.withLock { s in
            let w = Watcher(id: s.nextWatcherID, key: key, namespace: namespace, predicate: predicate,
                            capacity: watcherCapacity)
            s.nextWatcherID += 1
            switch start {
            case .currentState:
                if let bucket = s.buckets[key] {
                    for k in bucket.objects.keys.sorted() {
                        guard let o = bucket.objects[k] else { continue }
                        let ns = Self.namespace(of: k)
                        if let want = namespace, want != ns { continue }
                        if let predicate, !predicate(o.object) { continue }
                        w.enqueue(.event(.added, StoreEvent(type: .added, key: key, rv: o.rv, encoded: o.encoded,
                                                            previousEncoded: nil, namespace: ns, apiVersion: o.apiVersion)))
                    }
                }
                if initialEventsEnd { w.enqueue(.bookmark(rv: s.rv, initialEventsEnd: true)) }
            case .after(let rv):
                if rv < s.compacted {
                    throw APIError.expired("too old resource version: \(rv) (\(s.compacted + 1))")
                }
                let n = s.history.count
                for i in 0..<n {
                    let e = s.history[(s.historyStart + i) % n]
                    if e.rv > rv && e.key == key { deliver(e, to: w) }
                }
            }
            s.watchers[w.id] = w
            return w
        }
    }

    /// Queues a bookmark at the current resourceVersion: every event up to it is already queued ahead.
    public func bookmark(_ w: Watcher) {
        state.withLock { s in w.enqueue(.bookmark(rv: s.rv, initialEventsEnd: false)) }
    }

    public func removeWatcher(_ w: Watcher) {
        w.close(drop: true)
        _ = state.withLock { $0.watchers.removeValue(forKey: w.id) }
    }

    public var watcherCount: Int { state.withLock { $0.watchers.count } }

    /// Closes every open watch (a dropped-connections fault, or a restart). Clients re-watch.
    public func closeAllWatchers(drop: Bool = true) {
        let all = state.withLock { s in
            let w = Array(s.watchers.values)
            s.watchers = [:]
            return w
        }
        for w in all { w.close(drop: drop) }
    }

    /// Ends the watches of one resource (its CRD was deleted: the endpoint is gone).
    public func closeWatchers(_ key: StorageKey) {
        let closing = state.withLock { s -> [Watcher] in
            let w = s.watchers.values.filter { $0.key == key }
            for x in w { s.watchers[x.id] = nil }
            return w
        }
        for w in closing { w.close() }
    }

    /// Forgets the whole history: every watch resumed from an earlier version gets 410 (fault injection).
    public func expireHistory() {
        state.withLock { s in
            s.compacted = s.rv
            s.history = []
            s.historyStart = 0
        }
    }

    /// Every bucket with at least one object, for namespace deletion and discovery-independent sweeps.
    public func keys(inNamespace namespace: String) -> [(StorageKey, String)] {
        state.withLock { s in
            var out: [(StorageKey, String)] = []
            let prefix = namespace + "/"
            for (key, bucket) in s.buckets {
                for k in bucket.objects.keys where k.hasPrefix(prefix) { out.append((key, k)) }
            }
            return out
        }
    }
}
