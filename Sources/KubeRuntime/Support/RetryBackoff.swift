// RetryBackoff: exponential back-off with jitter that resets after a long enough healthy period.
//
// The watcher's policy (kube-rs' DefaultBackoff, after client-go): 800 ms doubling to 30 s, jittered,
// reset once the connection has been healthy for 120 s, so a flapping connection keeps backing off while
// one that failed after hours of health starts again from 800 ms.

public struct RetryBackoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double
    /// Each delay is scaled by a random factor in [1 - jitter/2, 1 + jitter/2] (then capped at `maximum`).
    public var jitter: Double
    /// A failure that comes at least this long after `healthy(at:)` starts over from `initial`.
    public var resetAfter: Duration
    /// Returns a value in [0, 1); injectable for deterministic tests.
    public var random: @Sendable () -> Double

    private var current: Duration?
    private var healthySince: ContinuousClock.Instant?

    public init(initial: Duration = .milliseconds(800), maximum: Duration = .seconds(30), multiplier: Double = 2,
                jitter: Double = 0.5, resetAfter: Duration = .seconds(120),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        precondition(initial > .zero && maximum >= initial && multiplier >= 1 && (0...1).contains(jitter))
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
        self.resetAfter = resetAfter
        self.random = random
    }

    /// Marks the start of a healthy period (a list completed, a watch was established).
    public mutating func healthy(at now: ContinuousClock.Instant) {
        if healthySince == nil { healthySince = now }
    }

    /// The delay before the next attempt after a failure at `now`.
    public mutating func nextDelay(at now: ContinuousClock.Instant) -> Duration {
        if let since = healthySince, now - since >= resetAfter { current = nil }
        healthySince = nil
        let base: Duration
        if let current {
            base = min(maximum, current * multiplier)
        } else {
            base = initial
        }
        current = base
        let factor = 1 - jitter / 2 + jitter * random()
        return min(maximum, base * factor)
    }

    /// The un-jittered delay the next failure would start from (nil: `initial`). For tests and logs.
    public var currentBase: Duration? { current }

    public mutating func reset() {
        current = nil
        healthySince = nil
    }
}
