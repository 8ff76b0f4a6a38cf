// Affinity (core/v1): node affinity (required and preferred node selector terms), pod affinity and
// anti-affinity. Node selector matching follows the scheduler's rules (component-helpers nodeaffinity):
// terms are ORed, requirements inside a term ANDed, and a term with no requirements matches nothing.

public struct Affinity: Codable, Sendable, Hashable {
    public var nodeAffinity: NodeAffinity?
    public var podAffinity: PodAffinity?
    public var podAntiAffinity: PodAntiAffinity?
    public var unknownFields: UnknownFields? = nil

    public init(nodeAffinity: NodeAffinity? = nil, podAffinity: PodAffinity? = nil, podAntiAffinity: PodAntiAffinity? = nil) {
        self.nodeAffinity = nodeAffinity
        self.podAffinity = podAffinity
        self.podAntiAffinity = podAntiAffinity
    }
}

public struct NodeAffinity: Codable, Sendable, Hashable {
    public var requiredDuringSchedulingIgnoredDuringExecution: NodeSelector?
    public var preferredDuringSchedulingIgnoredDuringExecution: [PreferredSchedulingTerm]?
    public var unknownFields: UnknownFields? = nil

    public init(requiredDuringSchedulingIgnoredDuringExecution: NodeSelector? = nil,
                preferredDuringSchedulingIgnoredDuringExecution: [PreferredSchedulingTerm]? = nil) {
        self.requiredDuringSchedulingIgnoredDuringExecution = requiredDuringSchedulingIgnoredDuringExecution
        self.preferredDuringSchedulingIgnoredDuringExecution = preferredDuringSchedulingIgnoredDuringExecution
    }
}

public struct NodeSelector: Codable, Sendable, Hashable {
    public var nodeSelectorTerms: [NodeSelectorTerm]
    public var unknownFields: UnknownFields? = nil

    public init(nodeSelectorTerms: [NodeSelectorTerm]) { self.nodeSelectorTerms = nodeSelectorTerms }

    /// Any term matches the node's labels and fields.
    public func matches(labels: [String: String], fields: [String: String]) -> Bool {
        nodeSelectorTerms.contains { $0.matches(labels: labels, fields: fields) }
    }

    public func matches(_ node: Node) -> Bool {
        matches(labels: node.metadata.labels ?? [:], fields: node.selectableFields)
    }
}

public struct NodeSelectorTerm: Codable, Sendable, Hashable {
    public var matchExpressions: [NodeSelectorRequirement]?
    /// Only `metadata.name` with In/NotIn is supported by the API.
    public var matchFields: [NodeSelectorRequirement]?
    public var unknownFields: UnknownFields? = nil

    public init(matchExpressions: [NodeSelectorRequirement]? = nil, matchFields: [NodeSelectorRequirement]? = nil) {
        self.matchExpressions = matchExpressions
        self.matchFields = matchFields
    }

    /// All requirements hold; a term without any requirement matches nothing.
    public func matches(labels: [String: String], fields: [String: String]) -> Bool {
        let expressions = matchExpressions ?? []
        let fieldRequirements = matchFields ?? []
        if expressions.isEmpty && fieldRequirements.isEmpty { return false }
        return expressions.allSatisfy { $0.matches(labels) } && fieldRequirements.allSatisfy { $0.matches(fields) }
    }
}

public struct NodeSelectorRequirement: Codable, Sendable, Hashable {
    public struct Operator: RawRepresentable, Codable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let `in` = Operator(rawValue: "In")
        public static let notIn = Operator(rawValue: "NotIn")
        public static let exists = Operator(rawValue: "Exists")
        public static let doesNotExist = Operator(rawValue: "DoesNotExist")
        public static let greaterThan = Operator(rawValue: "Gt")
        public static let lessThan = Operator(rawValue: "Lt")
    }

    public var key: String
    public var `operator`: Operator
    public var values: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(key: String, operator op: Operator, values: [String]? = nil) {
        self.key = key
        self.operator = op
        self.values = values
    }

    /// Gt/Lt compare integers (one value, the label parsed as an integer); an unknown operator matches nothing.
    public func matches(_ labels: [String: String]) -> Bool {
        let value = labels[key]
        let values = self.values ?? []
        switch self.operator {
        case .in: return value.map(values.contains) ?? false
        case .notIn: return value.map { !values.contains($0) } ?? true
        case .exists: return value != nil
        case .doesNotExist: return value == nil
        case .greaterThan, .lessThan:
            guard values.count == 1, let bound = Int64(values[0]), let have = value.flatMap({ Int64($0) }) else { return false }
            return self.operator == .greaterThan ? have > bound : have < bound
        default: return false
        }
    }
}

public struct PreferredSchedulingTerm: Codable, Sendable, Hashable {
    /// 1 to 100.
    public var weight: Int32
    public var preference: NodeSelectorTerm
    public var unknownFields: UnknownFields? = nil

    public init(weight: Int32, preference: NodeSelectorTerm) {
        self.weight = weight
        self.preference = preference
    }
}

public struct PodAffinity: Codable, Sendable, Hashable {
    public var requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]?
    public var preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]?
    public var unknownFields: UnknownFields? = nil

    public init(requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]? = nil,
                preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]? = nil) {
        self.requiredDuringSchedulingIgnoredDuringExecution = requiredDuringSchedulingIgnoredDuringExecution
        self.preferredDuringSchedulingIgnoredDuringExecution = preferredDuringSchedulingIgnoredDuringExecution
    }
}

public struct PodAntiAffinity: Codable, Sendable, Hashable {
    public var requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]?
    public var preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]?
    public var unknownFields: UnknownFields? = nil

    public init(requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]? = nil,
                preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]? = nil) {
        self.requiredDuringSchedulingIgnoredDuringExecution = requiredDuringSchedulingIgnoredDuringExecution
        self.preferredDuringSchedulingIgnoredDuringExecution = preferredDuringSchedulingIgnoredDuringExecution
    }
}

public struct PodAffinityTerm: Codable, Sendable, Hashable {
    /// Nil selects no pods.
    public var labelSelector: LabelSelector?
    /// Empty with a nil namespaceSelector means the pod's own namespace.
    public var namespaces: [String]?
    public var topologyKey: String
    public var namespaceSelector: LabelSelector?
    public var matchLabelKeys: [String]?
    public var mismatchLabelKeys: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(labelSelector: LabelSelector? = nil, namespaces: [String]? = nil, topologyKey: String,
                namespaceSelector: LabelSelector? = nil, matchLabelKeys: [String]? = nil,
                mismatchLabelKeys: [String]? = nil) {
        self.labelSelector = labelSelector
        self.namespaces = namespaces
        self.topologyKey = topologyKey
        self.namespaceSelector = namespaceSelector
        self.matchLabelKeys = matchLabelKeys
        self.mismatchLabelKeys = mismatchLabelKeys
    }
}

public struct WeightedPodAffinityTerm: Codable, Sendable, Hashable {
    public var weight: Int32
    public var podAffinityTerm: PodAffinityTerm
    public var unknownFields: UnknownFields? = nil

    public init(weight: Int32, podAffinityTerm: PodAffinityTerm) {
        self.weight = weight
        self.podAffinityTerm = podAffinityTerm
    }
}
