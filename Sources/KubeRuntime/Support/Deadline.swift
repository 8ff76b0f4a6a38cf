// Deadlines for single calls: a hung API request must not hold up a decision that is due (leader election
// steps down on time even if its renew request never returns).

public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var description: String { "deadline exceeded" }
}

extension RuntimeClock {
    /// Runs `operation`, cancelling it and throwing `DeadlineExceeded` if it has not finished by `deadline`.
    /// The operation must honour cancellation for the timeout to take effect promptly.
    public func withDeadline<T: Sendable>(_ deadline: ContinuousClock.Instant,
                                          _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                await self.timerWait(until: deadline)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw DeadlineExceeded() }
            guard let value = first else { throw DeadlineExceeded() }
            return value
        }
    }

    /// Waits until `deadline` or cancellation, on a timer rather than `sleep` (so `ManualClock` does not count
    /// it as a sleeper: tests step time by the sleepers of the code under test).
    func timerWait(until deadline: ContinuousClock.Instant) async {
        let box = LockedBox<(done: Bool, continuation: CheckedContinuation<Void, Never>?, timer: ScheduledTimer?)>((false, nil, nil))
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let alreadyDone = box.withLock { b -> Bool in
                    if b.done { return true }
                    b.continuation = continuation
                    return false
                }
                if alreadyDone { return continuation.resume() }
                let timer = schedule(at: deadline) {
                    let c = box.withLock { b -> CheckedContinuation<Void, Never>? in
                        b.done = true
                        defer { b.continuation = nil }
                        return b.continuation
                    }
                    c?.resume()
                }
                box.withLock { $0.timer = timer }
            }
        } onCancel: {
            let (c, t) = box.withLock { b -> (CheckedContinuation<Void, Never>?, ScheduledTimer?) in
                b.done = true
                defer { b.continuation = nil }
                return (b.continuation, b.timer)
            }
            t?.cancel()
            c?.resume()
        }
    }
}
