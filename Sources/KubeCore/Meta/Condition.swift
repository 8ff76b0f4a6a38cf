// Condition (meta/v1 Condition): the standard status condition, keyed by `type` in `status.conditions`.

public struct ConditionStatus: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let `true` = ConditionStatus(rawValue: "True")
    public static let `false` = ConditionStatus(rawValue: "False")
    public static let unknown = ConditionStatus(rawValue: "Unknown")

    public init(_ value: Bool) { self = value ? .true : .false }
    public var description: String { rawValue }

    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

public struct Condition: Codable, Sendable, Hashable {
    public var type: String
    public var status: ConditionStatus
    public var observedGeneration: Int64?
    /// When `status` last changed (not when the condition was last written).
    public var lastTransitionTime: Time?
    /// CamelCase machine-readable reason.
    public var reason: String?
    public var message: String?
    public var unknownFields: UnknownFields? = nil

    public init(type: String, status: ConditionStatus, observedGeneration: Int64? = nil, lastTransitionTime: Time? = nil,
                reason: String? = nil, message: String? = nil) {
        self.type = type
        self.status = status
        self.observedGeneration = observedGeneration
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }

    public var isTrue: Bool { status == .true }
}

extension Array where Element == Condition {
    public subscript(type type: String) -> Condition? { first { $0.type == type } }

    public func isTrue(_ type: String) -> Bool { self[type: type]?.isTrue ?? false }
}
