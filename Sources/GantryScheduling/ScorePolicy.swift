// Named score policies (each 0...10, clamped) and how a pool weighs them. A node's score is the weighted
// mean of its policies' scores; equal scores go to the first node by name, a stable first-fit order.

public enum ScorePolicy: String, CaseIterable, Hashable, Sendable, Codable {
    /// Fuller nodes first (CPU, memory and devices the pod asks for, after placing it).
    case nodeBinpack = "node-binpack"
    /// Emptier nodes first.
    case nodeSpread = "node-spread"
    /// Fuller devices first: slices go where they leave the smallest remainder.
    case deviceBinpack = "device-binpack"
    /// Emptier devices first.
    case deviceSpread = "device-spread"
    /// Least growth of device capacity the learned demand mix could not use (FragmentationScore.swift).
    case fragmentation
    /// Cooler chips, chassis and racks first; stale readings count as unknown (ThermalPolicy.swift).
    case thermalHeadroom = "thermal-headroom"
    /// Nodes (then racks) the pod's gang already uses, so gangs land on few nodes close together.
    case gangAffinity = "gang-affinity"
}

public struct ScoringProfile: Hashable, Sendable, Codable {
    public struct Term: Hashable, Sendable, Codable {
        public var policy: ScorePolicy
        public var weight: Double
    }

    /// Policies with a positive weight, in `ScorePolicy` order.
    public private(set) var terms: [Term]

    public init(_ weights: [ScorePolicy: Double]) {
        terms = ScorePolicy.allCases.compactMap { p in
            guard let w = weights[p], w > 0, w.isFinite else { return nil }
            return Term(policy: p, weight: w)
        }
    }

    public func weight(of policy: ScorePolicy) -> Double { terms.first { $0.policy == policy }?.weight ?? 0 }
    public var totalWeight: Double { terms.reduce(0) { $0 + $1.weight } }
    public func uses(_ policy: ScorePolicy) -> Bool { weight(of: policy) > 0 }

    /// Gantry's default, chosen on the Alibaba GPU trace and checked on held-out variations
    /// (docs/benchmarks.md): fragmentation first, slices packed tightly, then heat and gang locality.
    public static let gantryDefault = ScoringProfile([.fragmentation: 2, .deviceBinpack: 1, .thermalHeadroom: 1, .gangAffinity: 1])
    public static let binpack = ScoringProfile([.nodeBinpack: 1, .deviceBinpack: 1, .thermalHeadroom: 1, .gangAffinity: 1])
    public static let spread = ScoringProfile([.nodeSpread: 1, .deviceSpread: 1, .thermalHeadroom: 1, .gangAffinity: 1])
}

/// A pool's placement policy (ResourcePool.spec.policy and .thermal, DESIGN §4).
public struct PoolPolicy: Hashable, Sendable, Codable {
    public enum NodeOrder: String, Hashable, Sendable, Codable { case binpack, spread }

    public var profile: ScoringProfile
    public var thermal: ThermalPolicy

    public init(profile: ScoringProfile = .gantryDefault, thermal: ThermalPolicy = .disabled) {
        self.profile = profile
        self.thermal = thermal
    }

    /// The ResourcePool form: node and device binpack/spread, optionally fragmentation-aware. A
    /// fragmentation-aware pool uses Gantry's default weighting plus the node order if one is given.
    public init(node: NodeOrder?, device: DeviceChoice.Order, fragmentationAware: Bool, thermal: ThermalPolicy = .disabled) {
        var w: [ScorePolicy: Double] = [.thermalHeadroom: 1, .gangAffinity: 1]
        w[device == .binpack ? .deviceBinpack : .deviceSpread] = 1
        if let node { w[node == .binpack ? .nodeBinpack : .nodeSpread] = 1 }
        if fragmentationAware { w[.fragmentation] = 2 }
        self.init(profile: ScoringProfile(w), thermal: thermal)
    }

    public static let gantryDefault = PoolPolicy()
}
