// RuntimeClock: the time source of the queue, the watcher's back-off, leader election and the manager.
//
// Injectable so that tests drive time by hand (`ManualClock`) instead of sleeping: timers fire
// synchronously inside `advance(by:)`, so a test can tell "not due yet" from "not processed yet".

import Dispatch
import Foundation
import Synchronization

public protocol RuntimeClock: Sendable {
    /// Monotonic time: for deadlines, back-off and lease expiry as observed locally.
    var now: ContinuousClock.Instant { get }
    /// Wall-clock time: only for timestamps written to the API (lease renewTime, event timestamps).
    var wallTime: Date { get }
    /// Suspends until `deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: ContinuousClock.Instant) async throws
    /// Calls `action` once at or after `deadline`, on an unspecified thread, unless cancelled first.
    func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> ScheduledTimer
}

extension RuntimeClock {
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now.advanced(by: duration))
    }
}

/// A pending `schedule` call; `cancel()` is idempotent and harmless after the timer fired.
public struct ScheduledTimer: Sendable {
    private let cancelAction: @Sendable () -> Void
    public init(cancel: @escaping @Sendable () -> Void) { cancelAction = cancel }
    public func cancel() { cancelAction() }
}

/// The real clock: `ContinuousClock` for sleeping, Dispatch for timers.
public struct SystemClock: RuntimeClock {
    private static let timerQueue = DispatchQueue(label: "gantry.runtime.timers")

    public init() {}

    public var now: ContinuousClock.Instant { ContinuousClock.now }
    public var wallTime: Date { Date() }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await ContinuousClock().sleep(until: deadline, tolerance: nil)
    }

    public func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> ScheduledTimer {
        let cancelled = CancellationFlag()
        let delay = max(Duration.zero, deadline - ContinuousClock.now)
        Self.timerQueue.asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: delay.inNanoseconds))) {
            if !cancelled.isSet { action() }
        }
        return ScheduledTimer { cancelled.set() }
    }
}

/// A one-way flag shared between a timer and its canceller.
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// A clock that only moves when a test calls `advance(by:)`. Sleepers and timers whose deadline is reached
/// run in deadline order before `advance` returns (sleepers are resumed; their tasks then run concurrently).
public final class ManualClock: RuntimeClock {
    private enum Waiter {
        case sleeper(CheckedContinuation<Void, any Error>)
        case timer(@Sendable () -> Void)
    }

    private struct Entry {
        var id: UInt64
        var deadline: ContinuousClock.Instant
        var waiter: Waiter
    }

    private struct State {
        var elapsed: Duration = .zero
        var nextID: UInt64 = 0
        var entries: [Entry] = []
        /// Sleep ids cancelled before their continuation was registered.
        var cancelledEarly: Set<UInt64> = []
        var sleeperWatchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let origin: ContinuousClock.Instant
    private let wallOrigin: Date
    private let state = Mutex(State())

    public init(wallTime: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        origin = ContinuousClock.now
        wallOrigin = wallTime
    }

    public var now: ContinuousClock.Instant { origin.advanced(by: state.withLock { $0.elapsed }) }
    public var wallTime: Date { wallOrigin.addingTimeInterval(state.withLock { $0.elapsed }.inSeconds) }
    /// Time advanced since the clock was made.
    public var elapsed: Duration { state.withLock { $0.elapsed } }

    /// When each suspended `sleep` is due, as time since the clock was made, earliest first.
    public var sleepDeadlines: [Duration] {
        state.withLock { s in
            s.entries.compactMap { e -> Duration? in
                if case .sleeper = e.waiter { return e.deadline - origin }
                return nil
            }.sorted()
        }
    }

    /// Number of tasks currently suspended in `sleep`.
    public var sleeperCount: Int { state.withLock { s in s.entries.count { if case .sleeper = $0.waiter { true } else { false } } } }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (resumeNow, watchers) = state.withLock { s -> (Result<Void, any Error>?, [CheckedContinuation<Void, Never>]) in
                    if s.cancelledEarly.remove(id) != nil { return (.failure(CancellationError()), []) }
                    if origin.advanced(by: s.elapsed) >= deadline { return (.success(()), []) }
                    s.entries.append(Entry(id: id, deadline: deadline, waiter: .sleeper(continuation)))
                    return (nil, Self.takeSatisfiedWatchers(&s))
                }
                for w in watchers { w.resume() }
                if let resumeNow { continuation.resume(with: resumeNow) }
            }
        } onCancel: {
            let continuation = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                if let i = s.entries.firstIndex(where: { $0.id == id }) {
                    if case .sleeper(let c) = s.entries.remove(at: i).waiter { return c }
                    return nil
                }
                s.cancelledEarly.insert(id)
                return nil
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    public func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> ScheduledTimer {
        let id: UInt64? = state.withLock { s in
            guard origin.advanced(by: s.elapsed) < deadline else { return nil }
            s.nextID += 1
            s.entries.append(Entry(id: s.nextID, deadline: deadline, waiter: .timer(action)))
            return s.nextID
        }
        guard let id else {
            action()
            return ScheduledTimer {}
        }
        return ScheduledTimer { [self] in state.withLock { s in s.entries.removeAll { $0.id == id } } }
    }

    /// Moves time forward, firing every timer and waking every sleeper that falls due, earliest first.
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "time only moves forward")
        let target = state.withLock { $0.elapsed } + duration
        while true {
            let due = state.withLock { s -> Entry? in
                let targetInstant = origin.advanced(by: target)
                guard let i = s.entries.indices.filter({ s.entries[$0].deadline <= targetInstant })
                    .min(by: { (s.entries[$0].deadline, s.entries[$0].id) < (s.entries[$1].deadline, s.entries[$1].id) })
                else {
                    s.elapsed = target
                    return nil
                }
                let entry = s.entries.remove(at: i)
                s.elapsed = max(s.elapsed, entry.deadline - origin)
                return entry
            }
            guard let due else { return }
            switch due.waiter {
            case .sleeper(let c): c.resume()
            case .timer(let action): action()
            }
        }
    }

    /// Waits until at least `count` tasks are suspended in `sleep`: lets a test advance time only after the
    /// code under test has reached its next wait, which makes stepping deterministic.
    public func waitForSleepers(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if Self.sleeperCount(s) >= count { return true }
                s.sleeperWatchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private static func sleeperCount(_ s: State) -> Int {
        s.entries.count { if case .sleeper = $0.waiter { true } else { false } }
    }

    private static func takeSatisfiedWatchers(_ s: inout State) -> [CheckedContinuation<Void, Never>] {
        let n = sleeperCount(s)
        var ready: [CheckedContinuation<Void, Never>] = []
        s.sleeperWatchers.removeAll { w in
            if w.count <= n { ready.append(w.continuation); return true }
            return false
        }
        return ready
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    public var inSeconds: Double {
        let (s, attos) = components
        return Double(s) + Double(attos) / 1e18
    }

    /// Whole nanoseconds, saturating.
    public var inNanoseconds: Int64 {
        let (s, attos) = components
        let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return s < 0 ? .min : .max }
        return ns.addingReportingOverflow(attos / 1_000_000_000).overflow ? .max : ns + attos / 1_000_000_000
    }
}
