// LockedBox: a Mutex on the heap, for small state shared by closures (a Mutex itself cannot be captured).

import Synchronization

final class LockedBox<Value>: @unchecked Sendable {
    // @unchecked: the value is only reached through the Mutex.
    private let mutex: Mutex<Value>

    init(_ value: sending Value) { mutex = Mutex(value) }

    func withLock<R>(_ body: (inout sending Value) throws -> sending R) rethrows -> sending R {
        try mutex.withLock(body)
    }
}
