// The one place the engine meets Kubernetes names: a pod's resource map and annotations (DESIGN §5, the
// well-known names of GantryAPI) become a PodRequest, and its labels a WorkloadRef. Everything else in the
// engine is plain numbers.

import Foundation
import GantryAPI
import KubeCore

public struct RequestMappingError: Error, Hashable, Sendable, CustomStringConvertible {
    public var resource: String
    public var reason: String

    public var description: String { "\(resource): \(reason)" }
}

extension PodRequest {
    /// Vendors behind the whole-device resource names.
    public static let wholeDeviceVendors: [String: String] = [ResourceName.enflameGCU: "enflame", ResourceName.nvidiaGPU: "nvidia"]
    /// vGCU slices are cut from Enflame GCUs.
    public static let sliceVendor = "enflame"

    /// A request from a pod's effective requests (`PodSpec.effectiveRequests`; `gantry.dev/vgcu-cores` and
    /// `gantry.dev/vgcu-memory` are per virtual device, as on the container) and its annotations
    /// (`gantry.dev/device-models`, `gantry.dev/pools`, comma-separated).
    public init(resources: [String: Quantity], annotations: [String: String] = [:], tolerations: Set<String> = []) throws(RequestMappingError) {
        func count(_ name: String) throws(RequestMappingError) -> Int? {
            guard let q = resources[name] else { return nil }
            guard q.nanoUnits % 1_000_000_000 == 0, q.nanoUnits >= 0, q.nanoUnits / 1_000_000_000 <= Int128(Int32.max) else {
                throw RequestMappingError(resource: name, reason: "must be a whole, non-negative number, got \(q)")
            }
            return Int(q.nanoUnits / 1_000_000_000)
        }
        var r = PodRequest(tolerations: tolerations)
        if let cpu = resources[ResourceName.cpu] {
            guard cpu.sign >= 0 else { throw RequestMappingError(resource: ResourceName.cpu, reason: "is negative") }
            r.cpuMilli = cpu.milliValue
        }
        if let memory = resources[ResourceName.memory] {
            guard memory.sign >= 0 else { throw RequestMappingError(resource: ResourceName.memory, reason: "is negative") }
            r.memoryBytes = memory.value
        }
        let vgcu = try count(ResourceName.vgcu) ?? 0
        let cores = try count(ResourceName.vgcuCores)
        let memoryMiB = try count(ResourceName.vgcuMemory)
        if vgcu > 0 {
            // Without a cores request a vGCU takes a whole device's compute (HAMi's default for a count alone).
            r.slices = SliceRequest(count: vgcu, cores: cores ?? 100, memoryMiB: memoryMiB, vendor: Self.sliceVendor)
        } else if cores != nil || memoryMiB != nil {
            let name = cores != nil ? ResourceName.vgcuCores : ResourceName.vgcuMemory
            throw RequestMappingError(resource: name, reason: "is per virtual device and needs \(ResourceName.vgcu)")
        }
        for name in ResourceName.wholeDevices {
            if let n = try count(name), n > 0 { r.wholeDevices.append(WholeDeviceRequest(count: n, vendor: Self.wholeDeviceVendors[name])) }
        }
        func list(_ key: String) -> Set<String>? {
            guard let text = annotations[key] else { return nil }
            let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return items.isEmpty ? nil : Set(items)
        }
        r.allowedModels = list(AnnotationKey.deviceModels)
        r.allowedPools = list(AnnotationKey.pools)
        do { try r.validate() } catch {
            throw RequestMappingError(resource: ResourceName.vgcu, reason: error.description)
        }
        self = r
    }

    /// The request of a pod: its effective requests, annotations and the keys of the taints it tolerates.
    public init(pod: Pod) throws(RequestMappingError) {
        let keys = Set((pod.spec?.tolerations ?? []).compactMap(\.key))
        try self.init(resources: pod.spec?.effectiveRequests ?? [:], annotations: pod.metadata.annotations ?? [:],
                      tolerations: keys)
    }
}

extension WorkloadRef {
    /// Who a pod belongs to (DESIGN §5): its gang (`<namespace>/<job>` from `gantry.dev/gang`) and minimum
    /// (`gantry.dev/gang-min`), quota (`gantry.dev/quota`), priority, preemptibility, and start time.
    public init(pod: Pod) {
        let labels = pod.metadata.labels ?? [:]
        let gang = GangID(podNamespace: pod.metadata.namespace, labels: labels)
        let min = (pod.metadata.annotations?[AnnotationKey.gangMin]).flatMap { Int($0) }.map { max(1, $0) } ?? 1
        self.init(workload: gang?.description ?? pod.metadata.uid ?? "\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")",
                  gang: gang?.description, gangMinMember: min, queue: labels[LabelKey.quota],
                  priority: Int(pod.spec?.priority ?? 0), preemptible: labels[LabelKey.preemptible] == "true",
                  startedAt: pod.status?.startTime?.date)
    }
}
