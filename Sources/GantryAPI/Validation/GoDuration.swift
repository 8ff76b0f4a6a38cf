// Go-style durations ("90s", "1m30s", "1.5h", "250ms"): the format of `sim.gantry.dev/duration` and of every
// duration a Go tool around Gantry (kubectl, kube-scheduler config) reads, parsed like time.ParseDuration.

public enum GoDuration {
    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        public var text: String
        public var problem: String
        public var description: String { problem }
    }

    private static let units: [(String, Double)] = [
        ("ns", 1e-9), ("us", 1e-6), ("\u{00B5}s", 1e-6), ("\u{03BC}s", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
    ]

    /// Seconds, or a `SyntaxError` whose text is the one Go would print.
    public static func seconds(_ text: String) throws(SyntaxError) -> Double {
        let quoted = FieldError.quote(text)
        let invalid = SyntaxError(text: text, problem: "time: invalid duration \(quoted)")
        var s = Substring(text)
        var negative = false
        if let c = s.first, c == "-" || c == "+" {
            negative = c == "-"
            s = s.dropFirst()
        }
        if s == "0" { return 0 }
        guard !s.isEmpty else { throw invalid }
        var total = 0.0
        while !s.isEmpty {
            // Number: digits with an optional fraction; at least one digit overall.
            var whole = 0.0
            var digits = 0
            while let c = s.first, let d = c.wholeNumberValue, c.isASCII {
                whole = whole * 10 + Double(d)
                digits += 1
                s = s.dropFirst()
            }
            var fraction = 0.0
            if s.first == "." {
                s = s.dropFirst()
                var scale = 0.1
                while let c = s.first, let d = c.wholeNumberValue, c.isASCII {
                    fraction += Double(d) * scale
                    scale /= 10
                    digits += 1
                    s = s.dropFirst()
                }
            }
            guard digits > 0 else { throw invalid }
            // Unit: everything up to the next digit or dot.
            let unitEnd = s.firstIndex { ($0.isASCII && $0.isNumber) || $0 == "." } ?? s.endIndex
            let unit = String(s[..<unitEnd])
            s = s[unitEnd...]
            guard !unit.isEmpty else { throw SyntaxError(text: text, problem: "time: missing unit in duration \(quoted)") }
            guard let scale = units.first(where: { $0.0 == unit })?.1 else {
                throw SyntaxError(text: text, problem: "time: unknown unit \(FieldError.quote(unit)) in duration \(quoted)")
            }
            total += (whole + fraction) * scale
        }
        // Go's Duration is int64 nanoseconds: about 292 years.
        guard total <= 9_223_372_036.854775807 else { throw invalid }
        return negative ? -total : total
    }

    /// Whole seconds as Go's Duration.String prints them: "0s", "45s", "1m30s", "2h0m0s".
    public static func format(seconds: Int64) -> String {
        if seconds == 0 { return "0s" }
        let sign = seconds < 0 ? "-" : ""
        let v = seconds.magnitude
        let h = v / 3600, m = v % 3600 / 60, s = v % 60
        if h > 0 { return "\(sign)\(h)h\(m)m\(s)s" }
        if m > 0 { return "\(sign)\(m)m\(s)s" }
        return "\(sign)\(s)s"
    }
}
