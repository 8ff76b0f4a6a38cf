// Quantity parsing: apimachinery's ParseQuantity, quirks included (`1.G` and `.` are valid, ` 1` is not),
// computed exactly on digit strings so an absurdly long or tiny input cannot overflow anything.

public struct QuantityError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The text does not have the shape `<sign><digits>.<digits><suffix>` (apimachinery ErrFormatWrong).
        case formatWrong
        /// The number has no digits where apimachinery needs some (ErrNumeric).
        case numeric
        /// Unknown suffix, or an exponent beyond ±(2^31-1) (ErrSuffix).
        case suffix
        /// Larger than this implementation's exact range, ±1.7e29 (apimachinery would allocate a big decimal).
        case outOfRange
    }

    public var kind: Kind
    public var input: String

    public var description: String {
        let quoted = input.count > 64 ? "\"\(input.prefix(64))…\"" : "\"\(input)\""
        switch kind {
        case .formatWrong:
            return "invalid quantity \(quoted): quantities must match the regular expression "
                + "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        case .numeric: return "invalid quantity \(quoted): unable to parse numeric part of quantity"
        case .suffix: return "invalid quantity \(quoted): unable to parse quantity's suffix"
        case .outOfRange: return "invalid quantity \(quoted): magnitude beyond the supported range (±1.7e29)"
        }
    }
}

extension Quantity {
    /// Parses any Kubernetes quantity: `100m`, `1.5`, `2Gi`, `500Mi`, `1k`, `1e3`, `0.1`, `+1`, `.5`.
    public init(_ text: String) throws(QuantityError) {
        var utf8 = text
        let result: Result<Quantity, QuantityError> = utf8.withUTF8 { Self.parse($0, original: text) }
        self = try result.get()
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    private static func parse(_ b: UnsafeBufferPointer<UInt8>, original: String) -> Result<Quantity, QuantityError> {
        func fail(_ kind: QuantityError.Kind) -> Result<Quantity, QuantityError> {
            .failure(QuantityError(kind: kind, input: original))
        }
        let end = b.count
        guard end > 0 else { return fail(.formatWrong) }
        if end == 1, b[0] == UInt8(ascii: "0") {
            var q = Quantity(nanoUnits: 0, format: .decimalSI)
            q.text = "0"
            return .success(q)
        }

        // The scanner of parseQuantityString, step for step.
        var positive = true
        var pos = 0
        if b[0] == UInt8(ascii: "-") {
            positive = false
            pos = 1
        } else if b[0] == UInt8(ascii: "+") {
            pos = 1
        }
        var sawDigit = false
        while pos < end, b[pos] == UInt8(ascii: "0") {
            pos += 1
            sawDigit = true
        }
        var numStart = pos, numEnd = pos
        var denomStart = 0, denomEnd = 0
        var suffixStart = end, suffixEnd = end
        scan: do {
            if pos == end { break scan }  // all zeros (or just a sign)
            while pos < end, isDigit(b[pos]) { pos += 1 }
            numEnd = pos
            if pos == end { break scan }
            if b[pos] == UInt8(ascii: ".") {
                pos += 1
                denomStart = pos
                while pos < end, isDigit(b[pos]) { pos += 1 }
                denomEnd = pos
                if pos == end { break scan }
            }
            suffixStart = pos
            while pos < end, "eEinumkKMGTP".utf8.contains(b[pos]) { pos += 1 }
            if pos < end, b[pos] == UInt8(ascii: "-") || b[pos] == UInt8(ascii: "+") { pos += 1 }
            while pos < end, isDigit(b[pos]) { pos += 1 }
            guard pos == end else { return fail(.formatWrong) }
            suffixEnd = end
        }
        if numEnd > numStart || denomEnd > denomStart { sawDigit = true }
        if numEnd == numStart { numStart = 0; numEnd = 0 }  // "no numerator" reads as "0"
        let num = UnsafeBufferPointer(rebasing: b[numStart..<numEnd])
        let denom = UnsafeBufferPointer(rebasing: b[denomStart..<denomEnd])
        let numLength = max(num.count, 1)

        // The suffix: decimal SI, binary SI, or an exponent.
        guard let (base, exponent, parsedFormat) = interpret(UnsafeBufferPointer(rebasing: b[suffixStart..<suffixEnd])) else {
            return fail(.suffix)
        }
        var format = parsedFormat

        // Which path apimachinery takes decides whether it keeps the text, and whether a number without
        // digits ("." with a tiny exponent) is an error.
        var fastPath = false
        var keepText = false
        if base == 10 {
            let scale = exponent - denom.count
            if 18 - (numLength + denom.count) >= 0, scale >= -9 {
                fastPath = true
                // apimachinery's test on `shifted` = (num, or "0") + denom: it must not start with '0' (so num is
                // not empty; its leading zeros are already gone) nor end with "000".
                let shiftedLength = numLength + denom.count
                func shiftedByte(_ i: Int) -> UInt8 {
                    i < numLength ? (num.isEmpty ? UInt8(ascii: "0") : num[i]) : denom[i - numLength]
                }
                let endsWith000 = shiftedLength >= 3
                    && (shiftedLength - 3..<shiftedLength).allSatisfy { shiftedByte($0) == UInt8(ascii: "0") }
                keepText = scale % 3 == 0 && !endsWith000 && !num.isEmpty
            }
        } else if denom.isEmpty, 15 - numLength - exponent * 3 / 10 - 1 >= 0 {
            fastPath = true
            var v: Int64 = 0
            for c in num { v = v * 10 + Int64(c - 48) }
            keepText = v & 7 != 0
        }
        if !fastPath, !sawDigit { return fail(.numeric) }

        // The exact value, rounded away from zero to nano-units.
        var magnitude: Int128
        if base == 10 {
            guard let m = decimalNanos(num: num, denom: denom, exponent: exponent) else { return fail(.outOfRange) }
            magnitude = m
        } else {
            magnitude = binaryNanos(num: num, denom: denom, exponent: exponent)
            if magnitude > 0, magnitude < nanosPerUnit { format = .decimalSI }
        }
        var q = Quantity(nanoUnits: positive ? magnitude : -magnitude, format: format)
        if keepText { q.text = original }
        return .success(q)
    }

    /// (base, exponent, format) for a suffix, as suffixHandler.interpret.
    private static func interpret(_ s: UnsafeBufferPointer<UInt8>) -> (Int, Int, Format)? {
        switch s.count {
        case 0: return (10, 0, .decimalSI)
        case 1:
            switch s[0] {
            case UInt8(ascii: "n"): return (10, -9, .decimalSI)
            case UInt8(ascii: "u"): return (10, -6, .decimalSI)
            case UInt8(ascii: "m"): return (10, -3, .decimalSI)
            case UInt8(ascii: "k"): return (10, 3, .decimalSI)
            case UInt8(ascii: "M"): return (10, 6, .decimalSI)
            case UInt8(ascii: "G"): return (10, 9, .decimalSI)
            case UInt8(ascii: "T"): return (10, 12, .decimalSI)
            case UInt8(ascii: "P"): return (10, 15, .decimalSI)
            case UInt8(ascii: "E"): return (10, 18, .decimalSI)
            default: return nil
            }
        default:
            if s.count == 2, s[1] == UInt8(ascii: "i") {
                switch s[0] {
                case UInt8(ascii: "K"): return (2, 10, .binarySI)
                case UInt8(ascii: "M"): return (2, 20, .binarySI)
                case UInt8(ascii: "G"): return (2, 30, .binarySI)
                case UInt8(ascii: "T"): return (2, 40, .binarySI)
                case UInt8(ascii: "P"): return (2, 50, .binarySI)
                case UInt8(ascii: "E"): return (2, 60, .binarySI)
                default: break
                }
            }
            guard s[0] == UInt8(ascii: "e") || s[0] == UInt8(ascii: "E") else { return nil }
            // strconv.ParseInt(rest, 10, 64), then apimachinery's int32 bound.
            var i = 1
            var negative = false
            if s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
                negative = s[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < s.count else { return nil }
            var v = 0
            while i < s.count {
                guard isDigit(s[i]) else { return nil }
                v = v * 10 + Int(s[i] - 48)
                guard v <= Int(Int32.max) else { return nil }
                i += 1
            }
            return (10, negative ? -v : v, .decimalExponent)
        }
    }

    /// |num.denom| × 10^exponent in nano-units, rounded up; nil when it does not fit. Works on the two digit
    /// runs in place (no concatenation) so that parsing allocates nothing.
    private static func decimalNanos(num: UnsafeBufferPointer<UInt8>, denom: UnsafeBufferPointer<UInt8>, exponent: Int)
        -> Int128?
    {
        let total = num.count + denom.count
        @inline(__always) func digit(_ i: Int) -> UInt8 { i < num.count ? num[i] : denom[i - num.count] }
        // The significant digits start at the first non-zero one.
        var first = 0
        while first < total, digit(first) == UInt8(ascii: "0") { first += 1 }
        if first == total { return 0 }
        let significant = total - first
        let shift = exponent - denom.count + 9
        if shift >= 0 {
            guard significant + shift <= 39 else { return nil }
            var v: Int128 = 0
            for i in first..<total { v = v * 10 + Int128(digit(i) - 48) }
            for _ in 0..<shift {
                let (m, o) = v.multipliedReportingOverflow(by: 10)
                if o { return nil }
                v = m
            }
            return v
        }
        let dropped = -shift
        guard dropped < significant else { return 1 }  // a non-zero amount below one nano-unit rounds up to it
        let keep = significant - dropped
        guard keep <= 38 else { return nil }
        var v: Int128 = 0
        for i in first..<(first + keep) { v = v * 10 + Int128(digit(i) - 48) }
        for i in (first + keep)..<total where digit(i) != UInt8(ascii: "0") {
            v += 1
            break
        }
        return v
    }

    /// The largest BinarySI magnitude: apimachinery caps binary quantities at 2^63-1.
    static let maximumBinaryNanos = Int128(Int64.max) * nanosPerUnit

    /// |num.denom| × 2^exponent in nano-units, rounded up, capped at 2^63-1 units.
    private static func binaryNanos(num: UnsafeBufferPointer<UInt8>, denom: UnsafeBufferPointer<UInt8>, exponent: Int)
        -> Int128
    {
        let significant = num.drop { $0 == UInt8(ascii: "0") }
        guard significant.count <= 19 else { return maximumBinaryNanos }
        var whole: Int128 = 0
        for c in significant { whole = whole * 10 + Int128(c - 48) }
        whole <<= exponent
        guard whole <= Int128(Int64.max) else { return maximumBinaryNanos }
        // 0.denom × 2^exponent × 10^9, rounded up: divide by ten digit by digit from the right, keeping the
        // floor exact (floor(floor(x/10)/10) = floor(x/100)) and noting any remainder.
        let unit = (Int128(1) << exponent) * nanosPerUnit
        var carry: Int128 = 0
        var inexact = false
        for c in denom.reversed() {
            let x = Int128(c - 48) * unit + carry
            carry = x / 10
            if x % 10 != 0 { inexact = true }
        }
        let nanos = whole * nanosPerUnit + carry + (inexact ? 1 : 0)
        return min(nanos, maximumBinaryNanos)
    }
}
