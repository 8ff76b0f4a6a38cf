// APIEnum: a string enumeration of the API that still decodes values it does not know.
//
// A Swift `enum` would make a whole object undecodable because of one unexpected value (a newer controller's
// phase, a typo on a dev cluster without schema validation), and the controller could then not even report
// the problem on the object. These are structs over their raw value instead, like Go's string types: the
// schema lists `allCases` as its `enum`, and validation reports an unknown value as NotSupported.

public protocol APIEnum: RawRepresentable, Codable, Hashable, Sendable, CaseIterable, CustomStringConvertible,
    ExpressibleByStringLiteral where RawValue == String, AllCases == [Self]
{
    init(rawValue: String)
}

extension APIEnum {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public init?(known rawValue: String) {
        self.init(rawValue: rawValue)
        guard isKnown else { return nil }
    }
    public var description: String { rawValue }
    /// Whether the value is one this version of the API defines.
    public var isKnown: Bool { Self.allCases.contains(self) }

    public init(from decoder: Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
