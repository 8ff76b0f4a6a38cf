// Taint and Toleration (core/v1), with the scheduler's toleration rule (ToleratesTaint).

public struct Taint: Codable, Sendable, Hashable {
    public struct Effect: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let noSchedule = Effect(rawValue: "NoSchedule")
        public static let preferNoSchedule = Effect(rawValue: "PreferNoSchedule")
        public static let noExecute = Effect(rawValue: "NoExecute")
        public var description: String { rawValue }
    }

    public var key: String
    public var value: String?
    public var effect: Taint.Effect
    /// Set by the node controller for NoExecute taints.
    public var timeAdded: Time?
    public var unknownFields: UnknownFields? = nil

    public init(key: String, value: String? = nil, effect: Taint.Effect, timeAdded: Time? = nil) {
        self.key = key
        self.value = value
        self.effect = effect
        self.timeAdded = timeAdded
    }
}

public struct Toleration: Codable, Sendable, Hashable {
    public struct Operator: RawRepresentable, Codable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let exists = Operator(rawValue: "Exists")
        public static let equal = Operator(rawValue: "Equal")
    }

    /// Empty with `Exists` tolerates every taint.
    public var key: String?
    /// Empty means `Equal`.
    public var `operator`: Operator?
    public var value: String?
    /// Empty tolerates every effect.
    public var effect: Taint.Effect?
    /// For NoExecute: how long the pod stays bound after the taint appears.
    public var tolerationSeconds: Int64?
    public var unknownFields: UnknownFields? = nil

    public init(key: String? = nil, operator op: Operator? = nil, value: String? = nil, effect: Taint.Effect? = nil,
                tolerationSeconds: Int64? = nil) {
        self.key = key
        self.operator = op
        self.value = value
        self.effect = effect
        self.tolerationSeconds = tolerationSeconds
    }

    /// Whether this toleration tolerates `taint` (v1.Toleration.ToleratesTaint).
    public func tolerates(_ taint: Taint) -> Bool {
        if let effect, !effect.rawValue.isEmpty, effect != taint.effect { return false }
        if let key, !key.isEmpty, key != taint.key { return false }
        switch self.operator?.rawValue ?? "" {
        case "", Operator.equal.rawValue: return (value ?? "") == (taint.value ?? "")
        case Operator.exists.rawValue: return true
        default: return false
        }
    }
}

extension Array where Element == Toleration {
    /// Whether some toleration tolerates `taint`.
    public func tolerate(_ taint: Taint) -> Bool { contains { $0.tolerates(taint) } }

    /// The taints (of the given effects, all when nil) that no toleration here tolerates.
    public func untolerated(_ taints: [Taint], effects: Set<Taint.Effect>? = nil) -> [Taint] {
        taints.filter { taint in (effects?.contains(taint.effect) ?? true) && !tolerate(taint) }
    }
}
