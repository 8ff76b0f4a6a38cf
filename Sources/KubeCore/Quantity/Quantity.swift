// Quantity (apimachinery resource.Quantity): an exact fixed-point amount of CPU, memory, devices.
//
// The value is held as a count of nano-units in an Int128: exact at apimachinery's resolution (parsing
// rounds up to 10^-9, as the API server does) and wide enough for ±1.7e29, far past any real resource.
// Parsing, canonical formatting (CanonicalizeBytes) and value/milliValue follow quantity.go; arithmetic
// saturates at the Int128 limits instead of trapping, so no input can crash a process that sums quantities.
//
// Note: `Quantity("500m")` with a literal argument is literal coercion (ExpressibleByStringLiteral) and
// traps on an invalid literal; text from outside goes through the throwing `Quantity(text)` with a variable.

public struct Quantity: Sendable {
    /// How a quantity is written; kept from the text it was parsed from.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// `12e6`
        case decimalExponent = "DecimalExponent"
        /// `12Mi` (powers of 1024)
        case binarySI = "BinarySI"
        /// `12M`, `100m` (powers of 1000)
        case decimalSI = "DecimalSI"
    }

    /// The amount in units of 10^-9.
    public private(set) var nanoUnits: Int128
    public var format: Format
    /// The parsed text, kept when apimachinery keeps it (its fast path found it already canonical), so the
    /// string form of an unchanged quantity is byte-for-byte what apimachinery would write.
    var text: String?

    static let nanosPerUnit: Int128 = 1_000_000_000

    public init(nanoUnits: Int128, format: Format = .decimalSI) {
        self.nanoUnits = nanoUnits
        self.format = format
        self.text = nil
    }

    /// `value` whole units (NewQuantity).
    public init(_ value: Int64, format: Format = .decimalSI) {
        self.init(nanoUnits: Int128(value) * Self.nanosPerUnit, format: format)
    }

    /// `value` thousandths (NewMilliQuantity).
    public init(milli value: Int64, format: Format = .decimalSI) {
        self.init(nanoUnits: Int128(value) * 1_000_000, format: format)
    }

    /// `value × 10^scale` in DecimalSI (NewScaledQuantity); scales below -9 round away from zero to nanos.
    public init(_ value: Int64, scale: Int) {
        self.init(nanoUnits: Self.scale(Int128(value), by: scale + 9), format: .decimalSI)
    }

    public static let zero = Quantity(nanoUnits: 0)

    public var isZero: Bool { nanoUnits == 0 }

    /// -1, 0 or 1.
    public var sign: Int { nanoUnits == 0 ? 0 : (nanoUnits < 0 ? -1 : 1) }

    /// Whole units, rounded away from zero (Value()); clamped to the Int64 range.
    public var value: Int64 { scaledValue(0) }

    /// Thousandths, rounded away from zero (MilliValue()); clamped to the Int64 range.
    public var milliValue: Int64 { scaledValue(-3) }

    /// The value in units of 10^scale, rounded away from zero (ScaledValue); clamped to the Int64 range.
    public func scaledValue(_ scale: Int) -> Int64 {
        let scaled = Self.scale(nanoUnits, by: -(scale + 9))
        if scaled > Int128(Int64.max) { return .max }
        if scaled < Int128(Int64.min) { return .min }
        return Int64(scaled)
    }

    /// The value rounded away from zero to a multiple of 10^scale (RoundUp), and whether that was exact.
    public func roundedUp(scale: Int) -> (quantity: Quantity, exact: Bool) {
        guard scale > -9, !isZero else { return (self, true) }
        guard let step = Self.pow10(scale + 9) else {
            return (Quantity(nanoUnits: nanoUnits > 0 ? .max : .min, format: format), false)
        }
        let (q, r) = nanoUnits.quotientAndRemainder(dividingBy: step)
        if r == 0 { return (self, true) }
        return (Quantity(nanoUnits: Self.saturating(q + (nanoUnits < 0 ? -1 : 1), times: step), format: format), false)
    }

    /// An approximation for scores and ratios; never use it for accounting.
    public var approximateDoubleValue: Double { Double(nanoUnits) / 1e9 }

    // MARK: - Scaling helpers

    /// 10^n for 0 ≤ n ≤ 38, nil beyond (it would not fit).
    static func pow10(_ n: Int) -> Int128? {
        guard n >= 0, n <= 38 else { return nil }
        var v: Int128 = 1
        for _ in 0..<n { v *= 10 }
        return v
    }

    /// `v × 10^shift`, rounding away from zero when `shift` is negative, saturating when it overflows.
    static func scale(_ v: Int128, by shift: Int) -> Int128 {
        if v == 0 || shift == 0 { return v }
        if shift > 0 {
            guard let p = pow10(shift) else { return v > 0 ? .max : .min }
            return saturating(v, times: p)
        }
        guard let p = pow10(-shift) else { return v > 0 ? 1 : -1 }
        let (q, r) = v.quotientAndRemainder(dividingBy: p)
        return r == 0 ? q : q + (v < 0 ? -1 : 1)
    }

    static func saturating(_ a: Int128, times b: Int128) -> Int128 {
        let (m, overflow) = a.multipliedReportingOverflow(by: b)
        if overflow { return (a < 0) == (b < 0) ? .max : .min }
        return m
    }

    static func saturating(_ a: Int128, plus b: Int128) -> Int128 {
        let (s, overflow) = a.addingReportingOverflow(b)
        if overflow { return b > 0 ? .max : .min }
        return s
    }
}

// MARK: - Arithmetic and comparison

extension Quantity: Comparable, Hashable {
    /// Equal values are equal whatever their format or spelling (`1Gi == 1024Mi`), as apimachinery's Equal.
    public static func == (a: Quantity, b: Quantity) -> Bool { a.nanoUnits == b.nanoUnits }
    public static func < (a: Quantity, b: Quantity) -> Bool { a.nanoUnits < b.nanoUnits }
    public func hash(into hasher: inout Hasher) { hasher.combine(nanoUnits) }

    /// Adding to zero takes the other operand's format, so `0 + 1Gi` prints as `1Gi` (Quantity.Add).
    public static func + (a: Quantity, b: Quantity) -> Quantity {
        Quantity(nanoUnits: saturating(a.nanoUnits, plus: b.nanoUnits), format: a.isZero ? b.format : a.format)
    }

    public static func - (a: Quantity, b: Quantity) -> Quantity {
        let negated = b.nanoUnits == .min ? Int128.max : -b.nanoUnits
        return Quantity(nanoUnits: saturating(a.nanoUnits, plus: negated), format: a.isZero ? b.format : a.format)
    }

    public static prefix func - (q: Quantity) -> Quantity {
        Quantity(nanoUnits: q.nanoUnits == .min ? .max : -q.nanoUnits, format: q.format)
    }

    public static func * (q: Quantity, factor: Int64) -> Quantity {
        Quantity(nanoUnits: saturating(q.nanoUnits, times: Int128(factor)), format: q.format)
    }

    public static func * (factor: Int64, q: Quantity) -> Quantity { q * factor }

    public static func += (a: inout Quantity, b: Quantity) { a = a + b }
    public static func -= (a: inout Quantity, b: Quantity) { a = a - b }
    public static func *= (a: inout Quantity, factor: Int64) { a = a * factor }
}

extension Sequence where Element == Quantity {
    /// The sum, in the format of the first non-zero element.
    public func sum() -> Quantity { reduce(Quantity.zero, +) }
}
