// IntOrString (apimachinery intstr): a port number or name, a count or a percentage ("25%").

public enum IntOrString: Sendable, Hashable, CustomStringConvertible, ExpressibleByIntegerLiteral,
    ExpressibleByStringLiteral
{
    case int(Int32)
    case string(String)

    public init(integerLiteral value: Int32) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }

    public var intValue: Int32? { if case .int(let i) = self { return i } else { return nil } }
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }

    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return s
        }
    }

    /// An integer as is, or a percentage of `total` (GetScaledValueFromIntOrPercent); nil for any other string.
    public func scaledValue(total: Int, roundUp: Bool) -> Int? {
        switch self {
        case .int(let i): return Int(i)
        case .string(let s):
            guard s.hasSuffix("%"), let percent = Int(s.dropLast()) else { return nil }
            let (product, overflow) = percent.multipliedReportingOverflow(by: total)
            guard !overflow else { return nil }
            return roundUp ? Int((Double(product) / 100).rounded(.up)) : product / 100
        }
    }
}

extension IntOrString: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let i = try? c.decode(Int32.self) {
            self = .int(i)
        } else {
            throw DecodingError.typeMismatch(
                IntOrString.self,
                .init(codingPath: decoder.codingPath, debugDescription: "expected a 32-bit integer or a string"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        }
    }
}
