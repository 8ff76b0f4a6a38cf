// What the extender reads from a Pod: its device request in the engine's terms (DESIGN §5 resource names),
// who it belongs to (gang, quota, priority, preemptible) and the allocation it already carries in its
// annotations. Built once per request or watch event; the engine never sees a Kubernetes object.

import Foundation
import GantryAPI
import GantryScheduling
import KubeCore

/// A pod request the engine cannot express or that is malformed ("vgcu-cores 150"). The pod is rejected
/// everywhere with this reason rather than placed by a guess.
public struct PodRequestError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct PodFacts: Sendable, Codable {
    public var uid: String
    public var namespace: String
    public var name: String
    public var resourceVersion: String?
    public var nodeName: String?
    public var terminal: Bool
    public var deleting: Bool
    /// The engine request; nil when the pod's resources could not be read (`requestError` says why).
    public var request: PodRequest
    public var requestError: PodRequestError?
    public var owner: WorkloadRef
    /// The `gantry.dev/gang` label; the gang is the pod's namespace plus it (`gang`).
    public var gangName: String?
    public var quota: String?
    /// The allocation record the pod carries (`gantry.dev/devices`, `gantry.dev/node`), if any.
    public var recordedDevices: String?
    public var recordedNode: String?
    /// Per-container device requests, to tell whether a pod asks for anything Gantry manages.
    public var requestsManagedResources: Bool
    public var creationTime: Date?
    /// Kept to match against node taints (the engine takes the set of tolerated taint keys).
    public var tolerations: [Toleration]

    /// `namespace/name`, as logs and the debug endpoint name pods.
    public var key: String { "\(namespace)/\(name)" }

    public var gang: GangID? { gangName.map { GangID(namespace: namespace, name: $0) } }

    /// Pods that ask nothing of the devices and belong to no gang or quota: the extender passes them through.
    public var isPassThrough: Bool { !requestsManagedResources && gang == nil && quota == nil && requestError == nil }

    public init(_ pod: Pod) {
        let meta = pod.metadata
        uid = meta.uid ?? ""
        namespace = meta.namespace ?? "default"
        name = meta.name ?? ""
        resourceVersion = meta.resourceVersion
        let node = pod.spec?.nodeName ?? ""
        nodeName = node.isEmpty ? nil : node
        terminal = pod.isTerminal
        deleting = meta.deletionTimestamp != nil
        let gang = GangID(podNamespace: namespace, labels: meta.labels)
        gangName = gang?.name
        let quotaLabel = meta.labels?[LabelKey.quota] ?? ""
        quota = quotaLabel.isEmpty ? nil : quotaLabel
        recordedDevices = meta.annotations?[AnnotationKey.devices]
        recordedNode = meta.annotations?[AnnotationKey.node]
        creationTime = meta.creationTimestamp?.date
        tolerations = pod.spec?.tolerations ?? []
        var gangMin = 1
        if gang != nil, let text = meta.annotations?[AnnotationKey.gangMin], let n = Int(text), n >= 1 { gangMin = min(n, 100_000) }
        owner = WorkloadRef(workload: Self.workload(of: pod, gang: gang), gang: gang?.description, gangMinMember: gangMin,
                            queue: quota, priority: Int(pod.spec?.priority ?? 0),
                            preemptible: meta.labels?[LabelKey.preemptible] == "true",
                            startedAt: pod.status?.startTime?.date)
        let (request, error, managed) = Self.request(of: pod)
        self.request = request
        requestError = error
        requestsManagedResources = managed
    }

    /// The workload whole-gang preemption evicts together: the gang, else the controlling owner, else the pod.
    static func workload(of pod: Pod, gang: GangID?) -> String {
        if let gang { return "gang:\(gang)" }
        if let owner = pod.metadata.controllerReference { return "\(owner.kind):\(pod.metadata.namespace ?? "")/\(owner.name)" }
        return "pod:\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")"
    }

    // MARK: Requests

    /// Reads CPU and memory (Kubernetes' effective requests) and the device request. Slice shapes are per virtual
    /// device and one shape per pod (what the engine places); whole devices per vendor; init containers, which run
    /// before the main ones, count when they need more devices than the main containers together.
    static func request(of pod: Pod) -> (PodRequest, PodRequestError?, Bool) {
        guard let spec = pod.spec else { return (PodRequest(), nil, false) }
        let effective = spec.effectiveRequests
        var r = PodRequest(cpuMilli: max(0, effective[ResourceName.cpu]?.milliValue ?? 0),
                           memoryBytes: max(0, effective[ResourceName.memory]?.value ?? 0))
        let annotations = pod.metadata.annotations ?? [:]
        if let models = list(annotations[AnnotationKey.deviceModels]) { r.allowedModels = Set(models) }
        if let pools = list(annotations[AnnotationKey.pools]) { r.allowedPools = Set(pools) }
        let main: DeviceNeeds
        var managed = false
        do {
            main = try DeviceNeeds(spec.containers, managed: &managed)
            var peak = main
            for c in spec.initContainers ?? [] {
                let step = try DeviceNeeds([c], managed: &managed)
                if step.devicePercent > peak.devicePercent { peak = step }
            }
            r.slices = peak.slices
            r.wholeDevices = peak.whole
            try r.validate()
            return (r, nil, managed)
        } catch let e as PodRequestError {
            return (r, e, true)
        } catch let e as RequestError {
            return (r, PodRequestError(e.description), true)
        } catch {
            return (r, PodRequestError("\(error)"), true)
        }
    }

    /// A comma-separated annotation as a list; nil when absent or blank (no restriction).
    static func list(_ text: String?) -> [String]? {
        guard let text else { return nil }
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return items.isEmpty ? nil : items
    }
}

/// The devices a set of containers needs together.
struct DeviceNeeds {
    var slices: SliceRequest?
    var whole: [WholeDeviceRequest] = []

    var devicePercent: Int { whole.reduce(0) { $0 + $1.count } * 100 + (slices.map { $0.count * $0.cores } ?? 0) }

    static let vendorOfWholeResource: [String: String] = [ResourceName.enflameGCU: "enflame", ResourceName.nvidiaGPU: "nvidia"]
    /// vGCUs are slices of Enflame GCUs.
    static let sliceVendor = "enflame"

    init(_ containers: [Container], managed: inout Bool) throws {
        var wholeByVendor: [String: Int] = [:]
        for c in containers {
            // Requests default from limits for extended resources, as the API server does.
            var amounts = c.resources?.limits ?? [:]
            for (k, v) in c.resources?.requests ?? [:] { amounts[k] = v }
            if amounts.keys.contains(where: { ResourceName.extenderManaged.contains($0) }) { managed = true }
            for (name, vendor) in Self.vendorOfWholeResource {
                guard let q = amounts[name] else { continue }
                let n = try Self.whole(q, name)
                if n > 0 { wholeByVendor[vendor, default: 0] += n }
            }
            let count = try amounts[ResourceName.vgcu].map { try Self.whole($0, ResourceName.vgcu) } ?? 0
            let cores = try amounts[ResourceName.vgcuCores].map { try Self.whole($0, ResourceName.vgcuCores) }
            let memory = try amounts[ResourceName.vgcuMemory].map { try Self.whole($0, ResourceName.vgcuMemory) }
            if count == 0 {
                if cores != nil || memory != nil {
                    throw PodRequestError("container \(c.name): \(ResourceName.vgcuCores) and \(ResourceName.vgcuMemory) need \(ResourceName.vgcu)")
                }
                continue
            }
            // A vGCU without a cores share is a whole device's worth, as HAMi defaults an exclusive request.
            let shape = SliceRequest(count: count, cores: cores ?? 100, memoryMiB: memory, vendor: Self.sliceVendor)
            if var s = slices {
                guard s.cores == shape.cores, s.memoryMiB == shape.memoryMiB else {
                    throw PodRequestError("containers ask for vGCUs of different shapes (\(s.cores)%/\(s.memoryMiB.map(String.init) ?? "auto") MiB and \(shape.cores)%/\(shape.memoryMiB.map(String.init) ?? "auto") MiB); one shape per pod is supported")
                }
                s.count += shape.count
                slices = s
            } else {
                slices = shape
            }
        }
        whole = wholeByVendor.sorted { $0.key < $1.key }.map { WholeDeviceRequest(count: $0.value, vendor: $0.key) }
    }

    static func whole(_ q: Quantity, _ name: String) throws -> Int {
        guard q.sign >= 0, q.nanoUnits % 1_000_000_000 == 0, q.nanoUnits / 1_000_000_000 <= 1_000_000 else {
            throw PodRequestError("\(name) must be a whole number from 0 to 1000000, got \(q)")
        }
        return Int(q.nanoUnits / 1_000_000_000)
    }
}
