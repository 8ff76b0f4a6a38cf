// LabelSelector (meta/v1): matchLabels and matchExpressions as they appear in specs (pod affinity terms,
// NetworkPolicy, Deployments, Gantry pools), with matching and conversion to the string syntax.
//
// An empty selector matches everything; whether an absent (nil) selector means "everything" or "nothing"
// depends on the field, so that decision stays with the caller.

public struct LabelSelectorOperator: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let `in` = LabelSelectorOperator(rawValue: "In")
    public static let notIn = LabelSelectorOperator(rawValue: "NotIn")
    public static let exists = LabelSelectorOperator(rawValue: "Exists")
    public static let doesNotExist = LabelSelectorOperator(rawValue: "DoesNotExist")

    public var description: String { rawValue }

    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

public struct LabelSelectorRequirement: Codable, Sendable, Hashable {
    public var key: String
    public var `operator`: LabelSelectorOperator
    public var values: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(key: String, operator op: LabelSelectorOperator, values: [String]? = nil) {
        self.key = key
        self.operator = op
        self.values = values
    }
}

public struct LabelSelector: Codable, Sendable, Hashable, CustomStringConvertible {
    public var matchLabels: [String: String]?
    public var matchExpressions: [LabelSelectorRequirement]?
    public var unknownFields: UnknownFields? = nil

    public init(matchLabels: [String: String]? = nil, matchExpressions: [LabelSelectorRequirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// True when it has no requirement at all, and so matches everything.
    public var isEmpty: Bool { (matchLabels?.isEmpty ?? true) && (matchExpressions?.isEmpty ?? true) }

    /// The equivalent query (LabelSelectorAsSelector); invalid keys, values or operators are errors.
    public func query() throws(LabelQueryError) -> LabelQuery {
        var requirements: [LabelQuery.Requirement] = []
        for (k, v) in (matchLabels ?? [:]).sorted(by: { $0.key < $1.key }) {
            requirements.append(try LabelQuery.Requirement(key: k, operator: .equals, values: [v]))
        }
        for e in matchExpressions ?? [] {
            let op: LabelQuery.Operator
            switch e.operator {
            case .in: op = .in
            case .notIn: op = .notIn
            case .exists: op = .exists
            case .doesNotExist: op = .doesNotExist
            default:
                throw LabelQueryError(message: "\"\(e.operator.rawValue)\" is not a valid label selector operator",
                                      selector: e.key, offset: 0)
            }
            requirements.append(try LabelQuery.Requirement(key: e.key, operator: op, values: e.values ?? []))
        }
        return LabelQuery(requirements: requirements)
    }

    /// Whether `labels` satisfy every requirement. A selector that is itself invalid matches nothing, as
    /// controllers treat a selector they cannot convert.
    public func matches(_ labels: [String: String]) -> Bool {
        for (k, v) in matchLabels ?? [:] where labels[k] != v { return false }
        for e in matchExpressions ?? [] {
            let value = labels[e.key]
            let values = e.values ?? []
            switch e.operator {
            case .in:
                guard !values.isEmpty, let value, values.contains(value) else { return false }
            case .notIn:
                guard !values.isEmpty else { return false }
                if let value, values.contains(value) { return false }
            case .exists:
                guard values.isEmpty, value != nil else { return false }
            case .doesNotExist:
                guard values.isEmpty, value == nil else { return false }
            default:
                return false
            }
        }
        return true
    }

    public func matches(_ meta: ObjectMeta) -> Bool { matches(meta.labels ?? [:]) }

    /// The string syntax (FormatLabelSelector without its "<none>"): what `?labelSelector=` carries.
    /// An invalid selector prints as "<error>".
    public var description: String {
        (try? query().description) ?? "<error>"
    }
}
