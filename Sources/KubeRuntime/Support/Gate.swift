// Gate: a one-shot signal that any number of tasks can wait for (a graceful-stop request, for instance).

final class Gate: Sendable {
    private let state = LockedBox<(open: Bool, waiters: [UInt64: CheckedContinuation<Void, Never>], nextID: UInt64,
                                   cancelled: Set<UInt64>)>((false, [:], 0, []))

    init() {}

    var isOpen: Bool { state.withLock { $0.open } }

    func open() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            guard !s.open else { return [] }
            s.open = true
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    /// Returns when the gate opens, or when the calling task is cancelled.
    func wait() async {
        let id = state.withLock { s -> UInt64 in
            s.nextID &+= 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.open || s.cancelled.remove(id) != nil { return true }
                    s.waiters[id] = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Void, Never>? in
                if let c = s.waiters.removeValue(forKey: id) { return c }
                if !s.open { s.cancelled.insert(id) }
                return nil
            }
            c?.resume()
        }
    }
}
