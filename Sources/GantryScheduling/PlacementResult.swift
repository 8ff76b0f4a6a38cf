// The outcome of one placement evaluation, shaped for its users: feasible nodes with scores (kube-scheduler's
// 0...10 extender priorities), rejections split by whether preemption could help, and a "why" summary.

public struct PlacementResult: Sendable {
    /// Best first: higher score, then node name.
    public var feasible: [NodeChoice] = []
    public var rejected: [NodeRejection] = []
    /// Set when the request itself is malformed; then no node was evaluated.
    public var invalidRequest: RequestError?

    public init() {}

    public var best: NodeChoice? { feasible.first }

    /// Rejections that evicting pods could resolve (the extender's `FailedNodes`).
    public var resolvable: [NodeRejection] { rejected.filter { $0.failure.resolvable } }
    /// Rejections preemption cannot fix: hard thermal limits, wrong pool, too few devices even when empty
    /// (`FailedAndUnresolvableNodes`).
    public var unresolvable: [NodeRejection] { rejected.filter { !$0.failure.resolvable } }

    /// Integer priorities for kube-scheduler (0...10). The engine's pick gets 10 and every other node at most
    /// 9, so the stable first-fit order among equal scores survives kube-scheduler's random tie-break.
    public var extenderScores: [(node: String, score: Int)] {
        feasible.enumerated().map { i, c in
            (c.node, i == 0 ? 10 : min(9, max(0, Int(c.score.rounded()))))
        }
    }

    /// A one-paragraph "why": the pick and its policy scores, or why nothing fits, grouped by reason.
    public var explanation: String {
        if let e = invalidRequest { return "request rejected: \(e)" }
        var parts: [String] = []
        let total = feasible.count + rejected.count
        if let b = best {
            let detail = b.components.sorted { $0.key.rawValue < $1.key.rawValue }
                .map { "\($0.key.rawValue) \(Self.format($0.value))" }.joined(separator: ", ")
            parts.append("\(feasible.count)/\(total) nodes fit; best \(b.node) scores \(Self.format(b.score))"
                         + (detail.isEmpty ? "" : " (\(detail))"))
        } else {
            parts.append("0/\(total) nodes fit")
        }
        if !rejected.isEmpty {
            var groups: [String: (count: Int, example: NodeRejection)] = [:]
            var order: [String] = []
            for r in rejected {
                let k = r.failure.kind
                if groups[k] == nil { order.append(k); groups[k] = (0, r) }
                groups[k]!.count += 1
            }
            let lines = order.sorted { groups[$0]!.count != groups[$1]!.count ? groups[$0]!.count > groups[$1]!.count : $0 < $1 }
                .map { k in
                    let g = groups[k]!
                    return "\(g.count)× \(k) (e.g. \(g.example.node): \(g.example.failure))"
                }
            parts.append("rejected: " + lines.joined(separator: "; "))
        }
        return parts.joined(separator: ". ")
    }

    static func format(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}

extension FitFailure {
    /// A short reason class for grouping explanations.
    public var kind: String {
        switch self {
        case .unknownNode: return "unknown node"
        case .cordoned: return "cordoned"
        case .notInAllowedPool: return "outside the allowed pools"
        case .untoleratedTaint: return "untolerated taint"
        case .overheated: return "over a hard temperature limit"
        case .insufficientCPU: return "insufficient cpu"
        case .insufficientMemory: return "insufficient memory"
        case .tooManyPods: return "pod limit reached"
        case .devices: return "not enough fitting devices"
        case .outsideGangPlan: return "outside the gang's plan"
        }
    }
}
