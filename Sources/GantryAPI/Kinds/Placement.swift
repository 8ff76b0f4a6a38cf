// Placement: where a TrainingJob's or InferenceService's pods may run and what the scheduler optimises for.

import KubeCore

public struct PlacementObjective: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let cost: Self = "Cost"
    public static let performance: Self = "Performance"
    public static let balanced: Self = "Balanced"
    public static let allCases: [Self] = [.cost, .performance, .balanced]
}

public struct Placement: Codable, Sendable, Hashable {
    public var pools: [String]?
    public var objective: PlacementObjective?
    public var deviceModels: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(pools: [String]? = nil, objective: PlacementObjective? = nil, deviceModels: [String]? = nil) {
        self.pools = pools
        self.objective = objective
        self.deviceModels = deviceModels
    }

    mutating func applyDefaults() {
        if objective == nil { objective = .balanced }
    }

    func validate(_ path: FieldPath) -> FieldErrors {
        var errors = FieldErrors()
        errors.checkNameSet(pools, .dns1123Label, path.child("pools"))
        errors.checkEnum(objective, path.child("objective"))
        var seen = Set<String>()
        for (i, model) in (deviceModels ?? []).enumerated() {
            if model.isEmpty { errors.append(.required(path.child("deviceModels").index(i))) }
            if !seen.insert(model).inserted { errors.append(.duplicate(path.child("deviceModels").index(i), .string(model))) }
        }
        return errors
    }
}
