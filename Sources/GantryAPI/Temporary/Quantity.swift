// TEMPORARY stand-in for KubeCore's Quantity, which the KubeCore engineer is landing on main. Delete this
// file when it lands; GantryAPI only uses what `Quantity+Gantry.swift` adapts (decode/encode, compare, sign).

public struct Quantity: Codable, Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral,
    ExpressibleByIntegerLiteral
{
    public var string: String

    public init(_ string: String) { self.string = string }
    public init(stringLiteral value: String) { string = value }
    public init(integerLiteral value: Int64) { string = String(value) }

    public var description: String { string }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int64.self) {
            string = String(i)
        } else {
            string = try c.decode(String.self)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(string)
    }

    /// Approximate value, enough for the comparisons validation makes until the real type lands.
    var approximate: Double? {
        let suffixes: [(String, Double)] = [
            ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776), ("Pi", 1_125_899_906_842_624),
            ("Ei", 1_152_921_504_606_846_976), ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9),
            ("T", 1e12), ("P", 1e15), ("E", 1e18),
        ]
        for (suffix, scale) in suffixes where string.hasSuffix(suffix) {
            guard let v = Double(string.dropLast(suffix.count)) else { return nil }
            return v * scale
        }
        return Double(string)
    }

    public static func < (a: Quantity, b: Quantity) -> Bool { (a.approximate ?? 0) < (b.approximate ?? 0) }
}
