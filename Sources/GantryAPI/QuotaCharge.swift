// What a pod, a TrainingJob or an InferenceService is charged against its Quota, per resource name: the
// one place the quota controller and the scheduling engine read the accounting contract from.
//
// Per container the amount is the request (the limit when no request is given, as Kubernetes defaults
// requests). Slice shapes are per virtual device, so a pod's gantry.dev/vgcu-cores charge is vgcu × cores
// and its gantry.dev/vgcu-memory charge vgcu × memory: two vGCUs at 50 % charge 100, a whole device's worth.

import KubeCore

public enum QuotaCharge {
    /// The charge of one pod made from `template`.
    public static func pod(_ template: PodTemplateSpec) -> [String: Quantity] {
        var total: [String: Quantity] = [:]
        for c in template.spec?.containers ?? [] {
            var amounts = c.resources?.limits ?? [:]
            for (name, q) in c.resources?.requests ?? [:] { amounts[name] = q }
            let vgcu = amounts[ResourceName.vgcu]?.wholeValue ?? 0
            for (name, q) in amounts {
                let charged = ResourceName.sliceShape.contains(name) ? q * vgcu : q
                total[name, default: .zero] += charged
            }
        }
        return total
    }

    /// `count` pods of `template`.
    public static func pods(_ template: PodTemplateSpec, count: Int64) -> [String: Quantity] {
        pod(template).mapValues { $0 * max(count, 0) }
    }

    static func add(_ a: inout [String: Quantity], _ b: [String: Quantity]) {
        for (k, v) in b { a[k, default: .zero] += v }
    }
}

extension TrainingJob {
    /// Every pod of every replica; what admission reserves in the quota.
    public var quotaCharge: [String: Quantity] {
        var total: [String: Quantity] = [:]
        for r in spec.replicas { QuotaCharge.add(&total, QuotaCharge.pods(r.template, count: Int64(r.count ?? 1))) }
        return total
    }
}

extension InferenceService {
    /// The stable replicas the controller runs now plus the canary's.
    public var quotaCharge: [String: Quantity] {
        var total = QuotaCharge.pods(spec.runtime, count: Int64(spec.effectiveReplicas))
        if let c = spec.canary, let t = c.template { QuotaCharge.add(&total, QuotaCharge.pods(t, count: Int64(c.replicas ?? 1))) }
        return total
    }
}
