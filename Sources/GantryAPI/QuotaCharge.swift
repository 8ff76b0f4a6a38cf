// What a pod, a TrainingJob or an InferenceService is charged against its Quota, per resource name: the
// one place the quota controller and the scheduling engine read the accounting contract from.
//
// A pod is charged what Kubernetes reserves for it (its effective requests, requests defaulted from limits).
// Slice shapes are per virtual device, so a container's gantry.dev/vgcu-cores charge is vgcu × cores and its
// gantry.dev/vgcu-memory charge vgcu × memory: two vGCUs at 50 % charge 100, a whole device's worth.

import KubeCore

public enum QuotaCharge {
    /// The charge of one pod made from `template`: Kubernetes' effective requests (init containers,
    /// sidecars, overhead and pod-level resources included), with slice shapes counted per virtual device.
    public static func pod(_ template: PodTemplateSpec) -> [String: Quantity] {
        guard var spec = template.spec else { return [:] }
        spec.containers = spec.containers.map(charged)
        spec.initContainers = spec.initContainers?.map(charged)
        return spec.effectiveRequests
    }

    /// A container with requests defaulted from limits (as the API server does) and slice shapes multiplied
    /// by its vGCU count.
    static func charged(_ c: Container) -> Container {
        var requests = c.resources?.limits ?? [:]
        for (name, q) in c.resources?.requests ?? [:] { requests[name] = q }
        let vgcu = requests[ResourceName.vgcu]?.wholeValue ?? 0
        for name in ResourceName.sliceShape { requests[name] = requests[name].map { $0 * vgcu } }
        var out = c
        var resources = c.resources ?? ResourceRequirements()
        resources.requests = requests
        out.resources = resources
        return out
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
