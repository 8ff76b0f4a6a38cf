// The garbage collector and namespace controller, run in the background after writes like the real
// controllers: dependents whose owners are all gone are deleted (background propagation), owners in
// foreground deletion wait for their blocking dependents, orphaning strips owner references, and a
// terminating namespace is emptied and then removed.

import Foundation
import KubeCore

struct GCState {
    var running = false
    var again = false
    var pending: [ObjectRef] = []
}

extension APIServer {
    /// Wakes the collector; coalesces wake-ups into one running pass.
    func scheduleGarbageCollection(pending: ObjectRef? = nil) {
        let start = gcState.withLock { s -> Bool in
            if let pending { s.pending.append(pending) }
            if s.running {
                s.again = true
                return false
            }
            s.running = true
            return true
        }
        guard start else { return }
        Task.detached { [weak self] in
            guard let self else { return }
            while true {
                let work = self.gcState.withLock { s -> [ObjectRef] in
                    s.again = false
                    let p = s.pending
                    s.pending = []
                    return p
                }
                self.collect(removed: self.store.takeRemoved(), pending: work)
                let done = self.gcState.withLock { s -> Bool in
                    if s.again || !s.pending.isEmpty { return false }
                    s.running = false
                    return true
                }
                if done { return }
            }
        }
    }

    /// One pass. Removals cascade: a removal made here wakes the collector again.
    func collect(removed: [RemovedObject], pending: [ObjectRef]) {
        var owners: Set<String> = []
        for r in removed {
            // Dependents of the removed object may now be orphans.
            for dep in store.dependents(of: r.uid) { collectDependent(dep) }
            for o in r.owners { owners.insert(o) }
        }
        // Owners in foreground deletion may be waiting for the objects just removed.
        for uid in owners { if let (ref, _) = store.lookup(uid: uid) { finishDeletion(ref) } }
        for ref in pending { finishDeletion(ref) }
        // Terminating namespaces: objects removed there may have been the last ones (each namespace once
        // per pass: emptying a namespace of 10,000 objects must not rescan it 10,000 times).
        let nsKey = StorageKey(group: "", resource: "namespaces")
        var touched: Set<String> = []
        for r in removed where r.ref.key != nsKey {
            if let slash = r.ref.name.firstIndex(of: "/") { touched.insert(String(r.ref.name[..<slash])) }
        }
        for ns in touched {
            if let o = store.get(nsKey, ns), o.object["metadata"]?["deletionTimestamp"] != nil {
                finishDeletion(ObjectRef(key: nsKey, name: ns))
            }
        }
    }

    /// Deletes a dependent whose owners are all gone; drops references to gone owners otherwise.
    private func collectDependent(_ ref: ObjectRef) {
        guard let stored = store.get(ref.key, ref.name) else { return }
        let refs = stored.object["metadata"]?["ownerReferences"]?.arrayValue ?? []
        let alive = refs.filter { r in
            guard let uid = r["uid"]?.stringValue, let (_, owner) = store.lookup(uid: uid) else { return false }
            // An owner being deleted in the foreground takes its dependents with it.
            let finalizers = owner.object["metadata"]?["finalizers"]?.arrayValue ?? []
            return !(owner.object["metadata"]?["deletionTimestamp"] != nil && finalizers.contains("foregroundDeletion"))
        }
        if alive.isEmpty {
            deleteInternal(ref, propagation: "Background")
        } else if alive.count < refs.count {
            let gone = Set(refs.compactMap { $0["uid"]?.stringValue }).subtracting(alive.compactMap { $0["uid"]?.stringValue })
            let aliveRefs = refs.filter { !gone.contains($0["uid"]?.stringValue ?? "") }
            _ = try? store.mutate(ref.key, ref.name) { current -> (Mutation, Void) in
                guard var o = current?.object else { return (.keep, ()) }
                o.set(.array(aliveRefs), at: ["metadata", "ownerReferences"])
                return (.put(o), ())
            }
        }
    }

    /// Progresses an object that has a deletionTimestamp: foreground, orphan, namespace and grace rules.
    func finishDeletion(_ ref: ObjectRef) {
        guard let stored = store.get(ref.key, ref.name) else { return }
        let object = stored.object
        guard object["metadata"]?["deletionTimestamp"] != nil else { return }
        let uid = object["metadata"]?["uid"]?.stringValue ?? ""
        var finalizers = object["metadata"]?["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let dependents = store.dependents(of: uid)
        if finalizers.contains("orphan") {
            for dep in dependents {
                _ = try? store.mutate(dep.key, dep.name) { current -> (Mutation, Void) in
                    guard var o = current?.object else { return (.keep, ()) }
                    let refs = (o["metadata"]?["ownerReferences"]?.arrayValue ?? []).filter { $0["uid"]?.stringValue != uid }
                    o.set(refs.isEmpty ? JSONValue?.none : .array(refs), at: ["metadata", "ownerReferences"])
                    return (.put(o), ())
                }
            }
            finalizers.removeAll { $0 == "orphan" }
        }
        if finalizers.contains("foregroundDeletion") {
            var blocking = false
            for dep in dependents {
                guard let d = store.get(dep.key, dep.name) else { continue }
                let refToOwner = d.object["metadata"]?["ownerReferences"]?.arrayValue?.first { $0["uid"]?.stringValue == uid }
                if refToOwner?["blockOwnerDeletion"]?.boolValue == true { blocking = true }
                if d.object["metadata"]?["deletionTimestamp"] == nil { deleteInternal(dep, propagation: "Foreground") }
            }
            if !blocking { finalizers.removeAll { $0 == "foregroundDeletion" } }
        }
        if ref.key == StorageKey(group: "", resource: "namespaces") {
            let ns = ref.name
            let contents = store.keys(inNamespace: ns)
            for (key, name) in contents {
                if let o = store.get(key, name), o.object["metadata"]?["deletionTimestamp"] == nil {
                    deleteInternal(ObjectRef(key: key, name: name), propagation: "Background", gracePeriod: 0)
                }
            }
            if !store.keys(inNamespace: ns).isEmpty { return }
            finalizers.removeAll { $0 == "kubernetes" }
        }
        let current = object["metadata"]?["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard finalizers != current || (ref.key == StorageKey(group: "", resource: "namespaces")) else { return }
        _ = try? store.mutate(ref.key, ref.name) { cur -> (Mutation, Void) in
            guard var o = cur?.object, o["metadata"]?["uid"]?.stringValue == uid else { return (.keep, ()) }
            // Only the finalizers this collector owns are removed; others may have changed meanwhile.
            let now = (o["metadata"]?["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []).filter { f in
                finalizers.contains(f) || !["orphan", "foregroundDeletion", "kubernetes"].contains(f)
            }
            if ref.key == StorageKey(group: "", resource: "namespaces") {
                o.set(nil, at: ["spec", "finalizers"])
            }
            if now.isEmpty { return (.remove(o), ()) }
            o.set(.array(now.map(JSONValue.string)), at: ["metadata", "finalizers"])
            return (.put(o), ())
        }
    }

    /// A delete through the API semantics (finalizers, grace periods), by storage address.
    func deleteInternal(_ ref: ObjectRef, propagation: String, gracePeriod: Int64? = nil) {
        guard let info = registry.info(ref.key) else {
            _ = try? store.mutate(ref.key, ref.name) { _ in (.remove(nil), ()) }
            return
        }
        var namespace: String?
        var name = ref.name
        if info.namespaced, let slash = ref.name.firstIndex(of: "/") {
            namespace = String(ref.name[..<slash])
            name = String(ref.name[ref.name.index(after: slash)...])
        }
        let request = HTTPRequestBuilder.empty
        let ctx = RequestContext(info: info, version: info.preferredVersion, namespace: namespace, name: name,
                                 subresource: nil, query: QueryOptions(), request: request)
        var opts = DeleteOptions()
        opts.propagationPolicy = propagation
        opts.gracePeriodSeconds = gracePeriod
        _ = try? deleteObject(ctx, name: name, opts)
    }
}

import HTTPServer

enum HTTPRequestBuilder {
    static let empty = HTTPRequest(method: .delete, target: "/")
}
