// TokenBucket: the overall retry rate limit of a work queue (client-go's BucketRateLimiter, 10 qps burst 100).
//
// `reserve` always grants a token and says how long the caller must wait for it, like Go's
// `rate.Limiter.Reserve().Delay()`: retries are spread out, never dropped.

public struct TokenBucket: Sendable {
    public let rate: Double
    public let burst: Int
    private var tokens: Double
    private var last: ContinuousClock.Instant?

    /// - Parameters: rate: tokens per second (> 0); burst: bucket size (≥ 1), initially full.
    public init(rate: Double, burst: Int) {
        precondition(rate > 0 && burst >= 1, "a token bucket needs rate > 0 and burst ≥ 1")
        self.rate = rate
        self.burst = burst
        self.tokens = Double(burst)
    }

    /// Takes one token at `now` and returns how long until it is actually available (zero if at once).
    public mutating func reserve(now: ContinuousClock.Instant) -> Duration {
        if let last, now > last {
            tokens = min(Double(burst), tokens + (now - last).inSeconds * rate)
        }
        if last == nil || now > last! { last = now }
        tokens -= 1
        return tokens >= 0 ? .zero : .nanoseconds(Int64((-tokens / rate * 1e9).rounded(.up)))
    }
}
