// Sleeping for durations that come from requests, annotations and flags: clamped so that no value (huge,
// infinite, NaN, negative) can trap converting to nanoseconds.

enum Pause {
    /// The longest single sleep: a day (longer waits loop or are cut off by their deadline).
    static let maximumSeconds = 86_400.0

    static func nanoseconds(_ seconds: Double) -> UInt64 {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return UInt64(min(seconds, maximumSeconds) * 1e9)
    }

    static func sleep(_ seconds: Double) async {
        let ns = nanoseconds(seconds)
        if ns > 0 { try? await Task.sleep(nanoseconds: ns) }
    }
}

/// Resource arithmetic that saturates instead of trapping on absurd requests ("9e18" CPUs).
extension Int64 {
    func saturatingAdd(_ other: Int64) -> Int64 {
        let (v, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : v
    }

    func saturatingMultiply(_ other: Int64) -> Int64 {
        let (v, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) != (other < 0) ? .min : .max) : v
    }
}
