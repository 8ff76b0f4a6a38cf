// Finalizers: added and removed with JSON patches guarded by `test` operations (kube-rs' finalizer helper),
// so a write never drops or duplicates another controller's finalizer: if the list changed since it was
// read, the patch fails and is rebuilt from a fresh read.

import KubeClient
import KubeCore

/// What a finalizer-guarded reconcile is asked to do.
public enum FinalizerEvent<Object: KubeResource>: Sendable {
    /// The object lives (and carries the finalizer): converge it.
    case apply(Object)
    /// The object is being deleted: release what it holds. Return `.done` once finished (the finalizer is then
    /// removed and the deletion completes) or `.requeue(after:)` to come back later.
    case cleanup(Object)
}

public enum FinalizerPatch {
    /// Adds `finalizer`, or nil when it is already there. Without finalizers the guard is the resourceVersion
    /// (RFC 6902 `test` cannot express "absent"); otherwise it is the exact current list.
    public static func adding(_ finalizer: String, to metadata: ObjectMeta) -> JSONPatch? {
        let current = metadata.finalizers ?? []
        guard !current.contains(finalizer) else { return nil }
        if current.isEmpty {
            return JSONPatch()
                .testing(JSONPointer(tokens: ["metadata", "resourceVersion"]), .string(metadata.resourceVersion ?? ""))
                .adding(JSONPointer(tokens: ["metadata", "finalizers"]), .array([.string(finalizer)]))
        }
        return JSONPatch()
            .testing(JSONPointer(tokens: ["metadata", "finalizers"]), .array(current.map { .string($0) }))
            .adding(JSONPointer(tokens: ["metadata", "finalizers", "-"]), .string(finalizer))
    }

    /// Removes `finalizer` by index, testing that the index still holds it; nil when it is not there.
    public static func removing(_ finalizer: String, from metadata: ObjectMeta) -> JSONPatch? {
        guard let index = metadata.finalizers?.firstIndex(of: finalizer) else { return nil }
        let path = JSONPointer(tokens: ["metadata", "finalizers", String(index)])
        return JSONPatch().testing(path, .string(finalizer)).removing(path)
    }
}

extension KubeClient {
    /// Adds `finalizer` to the object unless it is there or the object is being deleted (the API refuses new
    /// finalizers then). A failed guard (the object changed meanwhile) reads it again and retries.
    public func addFinalizer<R: KubeResource>(_ finalizer: String, to object: R, attempts: Int = 5,
                                              clock: any RuntimeClock = SystemClock()) async throws -> R {
        try await patchFinalizers(object, attempts: attempts, clock: clock) { meta in
            meta.isBeingDeleted ? nil : FinalizerPatch.adding(finalizer, to: meta)
        }
    }

    /// Removes `finalizer` from the object if it is there. A failed guard reads it again and retries.
    public func removeFinalizer<R: KubeResource>(_ finalizer: String, from object: R, attempts: Int = 5,
                                                 clock: any RuntimeClock = SystemClock()) async throws -> R {
        try await patchFinalizers(object, attempts: attempts, clock: clock) { FinalizerPatch.removing(finalizer, from: $0) }
    }

    private func patchFinalizers<R: KubeResource>(_ object: R, attempts: Int, clock: any RuntimeClock,
                                                  _ makePatch: (ObjectMeta) -> JSONPatch?) async throws -> R {
        var current = object
        let name = object.metadata.name ?? ""
        let namespace = object.metadata.namespace
        return try await retryOnConflict(attempts: attempts, clock: clock, retryable: Self.isGuardFailure) { attempt in
            if attempt > 1 { current = try await get(R.self, name: name, namespace: namespace) }
            guard let patch = makePatch(current.metadata) else { return current }
            let operations = try JSONValueEncoder().encode(patch).arrayValue ?? []
            return try await self.patch(R.self, name: name, namespace: namespace, patch: .json(operations))
        }
    }

    /// A failed `test` operation (422, or 409 from some servers) or a conflict: the object moved on.
    static func isGuardFailure(_ error: any Error) -> Bool {
        guard let error = error as? KubeError else { return false }
        if case .invalid = error { return true }
        return error.isConflict
    }

    /// Runs a reconcile behind a finalizer (kube-rs' `finalizer`): while the object lives, the finalizer is
    /// added first and `reconcile` gets `.apply`; once it is being deleted, `reconcile` gets `.cleanup` and
    /// the finalizer is removed after a cleanup that returns `.done`. Both branches must be idempotent, and
    /// cleanup must cope with an apply that never ran.
    public func withFinalizer<R: KubeResource>(_ finalizer: String, on object: R,
                                               _ reconcile: (FinalizerEvent<R>) async throws -> ReconcileResult)
        async throws -> ReconcileResult
    {
        switch (object.metadata.isBeingDeleted, object.metadata.hasFinalizer(finalizer)) {
        case (false, true):
            return try await reconcile(.apply(object))
        case (false, false):
            let updated = try await addFinalizer(finalizer, to: object)
            return try await reconcile(.apply(updated))
        case (true, true):
            let result = try await reconcile(.cleanup(object))
            guard result == .done else { return result }
            do {
                _ = try await removeFinalizer(finalizer, from: object)
            } catch let error as KubeError where error.isNotFound {
                // Already gone: someone else completed the deletion.
            }
            return .done
        case (true, false):
            // Deleting, and our cleanup already ran (or never needed to): nothing left to do.
            return .done
        }
    }
}
