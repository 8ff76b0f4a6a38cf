// Store: the in-memory cache of one kind that a watcher keeps current, read by reconcilers and indexes.
//
// Read-mostly and shared between threads, so state sits under one Mutex with short critical sections;
// dictionaries are copy-on-write, which makes `snapshot()` O(1) for the reader (the next write pays one
// copy, of references: objects are boxed, so that copy and the hash table's empty buckets cost a pointer per
// slot rather than a whole typed object, ~1 KB for a Pod). A relist is buffered and swapped in at once, and the diff against the old contents reports objects
// deleted while the watch was down (kube-rs reflector / client-go `Replace`).

import KubeCore
import Synchronization

/// What a watcher reports (kube-rs `watcher::Event`): `initStarted` … `initApply`* … `initDone` bracket a
/// full (re)list so a store can swap its contents atomically.
public enum WatcherEvent<Object: Sendable>: Sendable {
    case applied(Object)
    case deleted(Object)
    case initStarted
    case initApply(Object)
    case initDone
}

/// A change to a store's contents, as handlers see it.
public enum StoreChange<Object: Sendable>: Sendable {
    case added(Object)
    case updated(old: Object, new: Object)
    case deleted(Object)

    /// The object after the change (for a deletion, its last known state).
    public var object: Object {
        switch self {
        case .added(let o), .deleted(let o): o
        case .updated(_, let new): new
        }
    }
}

/// One cached object, boxed.
final class Cached<Object: Sendable>: Sendable {
    let object: Object
    init(_ object: Object) { self.object = object }
}

/// A consistent, immutable view of a store at one moment.
public struct StoreSnapshot<Object: KubeResource>: Sendable {
    let objects: [ObjectKey: Cached<Object>]
    let indexes: [String: [String: Set<ObjectKey>]]

    public var count: Int { objects.count }
    public subscript(key: ObjectKey) -> Object? { objects[key]?.object }
    public var all: [Object] { objects.values.map(\.object) }
    public var keys: [ObjectKey] { Array(objects.keys) }

    public func byIndex(_ index: String, _ value: String) -> [Object] {
        guard let keys = indexes[index]?[value] else { return [] }
        return keys.compactMap { objects[$0]?.object }
    }

    public func indexValues(_ index: String) -> [String] { indexes[index].map { Array($0.keys) } ?? [] }
}

public final class Store<Object: KubeResource>: Sendable {
    public typealias Transform = @Sendable (inout Object) -> Void

    private struct State {
        var objects: [ObjectKey: Cached<Object>] = [:]
        var indexers: [StoreIndex<Object>] = []
        var indexes: [String: [String: Set<ObjectKey>]] = [:]
        /// Objects of a relist in progress.
        var relist: [ObjectKey: Cached<Object>]?
        var synced = false
        var syncWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiterID: UInt64 = 0
        var cancelledWaiters: Set<UInt64> = []
    }

    private let state = Mutex(State())
    private let transform: Transform?

    /// - Parameters:
    ///   - indexes: secondary indexes to maintain (more can be added with `addIndex`).
    ///   - transform: applied to every object before it is stored; by default drops `managedFields`, which
    ///     controllers never read and which is often a third of an object (controller-runtime's
    ///     `TransformStripManagedFields`).
    public init(indexes: [StoreIndex<Object>] = [], transform: Transform? = Store.stripManagedFields) {
        self.transform = transform
        state.withLock { s in
            for index in indexes where !s.indexers.contains(where: { $0.name == index.name }) {
                s.indexers.append(index)
                s.indexes[index.name] = [:]
            }
        }
    }

    public static var stripManagedFields: Transform { { $0.metadata.managedFields = nil } }

    /// Adds an index and files the current objects under it; a no-op if an index of that name exists.
    public func addIndex(_ index: StoreIndex<Object>) {
        state.withLock { s in
            guard !s.indexers.contains(where: { $0.name == index.name }) else { return }
            s.indexers.append(index)
            var map: [String: Set<ObjectKey>] = [:]
            for (key, cached) in s.objects {
                for value in index.values(cached.object) { map[value, default: []].insert(key) }
            }
            s.indexes[index.name] = map
        }
    }

    // MARK: Writing (one writer: the informer feeding it)

    /// Applies a watcher event and returns the resulting changes (several after a relist, none for an
    /// event that changes nothing).
    @discardableResult
    public func apply(_ event: WatcherEvent<Object>) -> [StoreChange<Object>] {
        switch event {
        case .applied(var object):
            transform?(&object)
            let key = object.key
            let boxed = Cached(object)
            return state.withLock { s -> [StoreChange<Object>] in
                let old = s.objects[key]?.object
                if let old, old.metadata.resourceVersion == object.metadata.resourceVersion,
                   object.metadata.resourceVersion != nil {
                    return []
                }
                s.objects[key] = boxed
                Self.reindex(&s, key: key, old: old, new: object)
                return [old.map { .updated(old: $0, new: object) } ?? .added(object)]
            }
        case .deleted(let object):
            let key = object.key
            return state.withLock { s -> [StoreChange<Object>] in
                guard let old = s.objects.removeValue(forKey: key)?.object else { return [] }
                Self.reindex(&s, key: key, old: old, new: nil)
                return [.deleted(old)]
            }
        case .initStarted:
            state.withLock { $0.relist = [:] }
            return []
        case .initApply(var object):
            transform?(&object)
            let key = object.key
            let boxed = Cached(object)
            state.withLock { s in
                if s.relist == nil { s.relist = [:] }
                s.relist![key] = boxed
            }
            return []
        case .initDone:
            let (changes, waiters) = state.withLock { s -> ([StoreChange<Object>], [CheckedContinuation<Void, Never>]) in
                let fresh = s.relist ?? [:]
                s.relist = nil
                var changes: [StoreChange<Object>] = []
                for (key, cached) in fresh {
                    let object = cached.object
                    if let old = s.objects[key]?.object {
                        if old.metadata.resourceVersion != object.metadata.resourceVersion || object.metadata.resourceVersion == nil {
                            changes.append(.updated(old: old, new: object))
                        }
                    } else {
                        changes.append(.added(object))
                    }
                }
                for (key, old) in s.objects where fresh[key] == nil { changes.append(.deleted(old.object)) }
                s.objects = fresh
                for indexer in s.indexers {
                    var map: [String: Set<ObjectKey>] = [:]
                    for (key, cached) in fresh {
                        for value in indexer.values(cached.object) { map[value, default: []].insert(key) }
                    }
                    s.indexes[indexer.name] = map
                }
                var waiters: [CheckedContinuation<Void, Never>] = []
                if !s.synced {
                    s.synced = true
                    waiters = Array(s.syncWaiters.values)
                    s.syncWaiters = [:]
                    s.cancelledWaiters = []
                }
                return (changes, waiters)
            }
            for w in waiters { w.resume() }
            return changes
        }
    }

    private static func reindex(_ s: inout State, key: ObjectKey, old: Object?, new: Object?) {
        for indexer in s.indexers {
            let before = old.map(indexer.values) ?? []
            let after = new.map(indexer.values) ?? []
            if before == after { continue }
            for value in before where !after.contains(value) {
                s.indexes[indexer.name]![value]?.remove(key)
                if s.indexes[indexer.name]![value]?.isEmpty == true { s.indexes[indexer.name]![value] = nil }
            }
            for value in after where !before.contains(value) {
                s.indexes[indexer.name]![value, default: []].insert(key)
            }
        }
    }

    // MARK: Reading

    public func get(_ key: ObjectKey) -> Object? { state.withLock { $0.objects[key] }?.object }

    public func get(namespace: String?, name: String) -> Object? { get(ObjectKey(namespace: namespace, name: name)) }

    // Copied under the lock on purpose: holding on to the dictionary instead would make the next write copy it.
    public func list() -> [Object] { state.withLock { $0.objects.values.map(\.object) } }

    public func list(namespace: String) -> [Object] {
        state.withLock { s in s.objects.values.compactMap { $0.object.metadata.namespace == namespace ? $0.object : nil } }
    }

    public var keys: [ObjectKey] { state.withLock { Array($0.objects.keys) } }

    public var count: Int { state.withLock { $0.objects.count } }

    /// Objects filed under `value` in the index `index` (empty for an unknown index).
    public func byIndex(_ index: String, _ value: String) -> [Object] {
        let boxes = state.withLock { s -> [Cached<Object>] in
            guard let keys = s.indexes[index]?[value] else { return [] }
            return keys.compactMap { s.objects[$0] }
        }
        return boxes.map(\.object)
    }

    public func keys(index: String, value: String) -> [ObjectKey] {
        state.withLock { s in s.indexes[index]?[value].map(Array.init) ?? [] }
    }

    public func snapshot() -> StoreSnapshot<Object> {
        state.withLock { StoreSnapshot(objects: $0.objects, indexes: $0.indexes) }
    }

    /// True once the first full list has been stored.
    public var isSynced: Bool { state.withLock { $0.synced } }

    /// Returns once the first full list has been stored, or as soon as the calling task is cancelled.
    public func waitUntilSynced() async {
        let id = state.withLock { s -> UInt64 in
            s.nextWaiterID &+= 1
            return s.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { s -> Bool in
                    if s.synced || s.cancelledWaiters.remove(id) != nil { return true }
                    s.syncWaiters[id] = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                if let c = s.syncWaiters.removeValue(forKey: id) { return c }
                if !s.synced { s.cancelledWaiters.insert(id) }
                return nil
            }
            waiter?.resume()
        }
    }
}
