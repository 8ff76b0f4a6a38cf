// Status writes with conflict retry (client-go's RetryOnConflict): a reconcile computes status from a cached,
// possibly stale object; on 409 Conflict the object is read again, the change re-applied and written again.

import KubeClient
import KubeCore

/// Runs `body` again while it fails with a retryable error (409 Conflict by default), at most `attempts`
/// times, pausing `backoff × attempt` in between. The last error is rethrown.
public func retryOnConflict<T>(attempts: Int = 5, backoff: Duration = .milliseconds(10), clock: any RuntimeClock = SystemClock(),
                               retryable: (any Error) -> Bool = { ($0 as? KubeError)?.isConflict ?? false },
                               _ body: (_ attempt: Int) async throws -> T) async throws -> T {
    precondition(attempts >= 1)
    var attempt = 1
    while true {
        do {
            return try await body(attempt)
        } catch {
            guard attempt < attempts, retryable(error), !Task.isCancelled else { throw error }
            try await clock.sleep(for: backoff * attempt)
            attempt += 1
        }
    }
}

extension KubeClient {
    /// Writes the status `mutate` produces from `object` (PUT to the status subresource, guarded by the
    /// object's resourceVersion). On Conflict the object is fetched again and `mutate` re-applied to it, up to
    /// `attempts` times. `mutate` must be a function of the object (it may run several times). Returns the
    /// stored object; no write is made when `mutate` changes nothing.
    public func updateStatus<R: KubeResource & Equatable>(_ object: R, attempts: Int = 5,
                                                          clock: any RuntimeClock = SystemClock(),
                                                          _ mutate: (inout R) throws -> Void) async throws -> R {
        var current = object
        return try await retryOnConflict(attempts: attempts, clock: clock) { attempt in
            if attempt > 1 {
                current = try await get(R.self, name: object.metadata.name ?? "", namespace: object.metadata.namespace)
            }
            var changed = current
            try mutate(&changed)
            if changed == current { return current }
            return try await updateStatus(changed)
        }
    }
}
