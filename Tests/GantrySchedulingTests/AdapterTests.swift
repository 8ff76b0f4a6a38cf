// The GantryAPI adapter: pod resource maps, annotations and labels with the well-known names become engine
// requests and workload owners; malformed ones become precise errors.

import Foundation
import GantryAPI
import KubeCore
import Testing
@testable import GantryScheduling

struct AdapterTests {
    func q(_ s: String) throws -> Quantity { try Quantity(s) }

    @Test func slicesAndWholeDevicesFromWellKnownNames() throws {
        let r = try PodRequest(resources: [ResourceName.cpu: q("8"), ResourceName.memory: q("32Gi"), ResourceName.vgcu: q("2"),
                                           ResourceName.vgcuCores: q("50"), ResourceName.vgcuMemory: q("24576")],
                               annotations: [AnnotationKey.deviceModels: "S60, T20", AnnotationKey.pools: "train"])
        #expect(r.cpuMilli == 8000 && r.memoryBytes == 32 << 30)
        #expect(r.slices == SliceRequest(count: 2, cores: 50, memoryMiB: 24576, vendor: "enflame"))
        #expect(r.allowedModels == ["S60", "T20"] && r.allowedPools == ["train"])
        #expect(r.deviceUnits == 1)
        let g = try PodRequest(resources: [ResourceName.nvidiaGPU: q("4"), ResourceName.enflameGCU: q("1"), ResourceName.cpu: q("500m")])
        #expect(Set(g.wholeDevices) == [WholeDeviceRequest(count: 4, vendor: "nvidia"), WholeDeviceRequest(count: 1, vendor: "enflame")])
        #expect(g.cpuMilli == 500 && g.slices == nil && g.allowedModels == nil)
        // A vGCU count alone takes a whole device's compute.
        #expect(try PodRequest(resources: [ResourceName.vgcu: q("1")]).slices?.cores == 100)
    }

    @Test func malformedResourceMapsAreErrors() throws {
        #expect(throws: RequestMappingError(resource: ResourceName.vgcuCores, reason: "is per virtual device and needs gantry.dev/vgcu")) {
            try PodRequest(resources: [ResourceName.vgcuCores: try q("50")])
        }
        #expect(throws: RequestMappingError.self) { try PodRequest(resources: [ResourceName.vgcu: try q("1500m")]) }
        #expect(throws: RequestMappingError.self) { try PodRequest(resources: [ResourceName.nvidiaGPU: try q("-1")]) }
        #expect(throws: RequestMappingError.self) { try PodRequest(resources: [ResourceName.vgcu: try q("1"), ResourceName.vgcuCores: try q("150")]) }
        #expect(throws: RequestMappingError.self) { try PodRequest(resources: [ResourceName.cpu: try q("-1")]) }
    }

    @Test func podsMapToRequestsAndOwners() throws {
        var meta = ObjectMeta()
        meta.name = "job-worker-0"
        meta.namespace = "team-a"
        meta.uid = "uid-1"
        meta.labels = [LabelKey.gang: "job", LabelKey.quota: "team-a", LabelKey.preemptible: "true"]
        meta.annotations = [AnnotationKey.gangMin: "4"]
        let container = Container(name: "main", resources: ResourceRequirements(
            requests: [ResourceName.cpu: try q("4"), ResourceName.vgcu: try q("1"), ResourceName.vgcuCores: try q("25")]))
        var spec = PodSpec(containers: [container], tolerations: [Toleration(key: "gantry.dev/pool")], priority: 100)
        spec.nodeName = nil
        let pod = Pod(metadata: meta, spec: spec)
        let r = try PodRequest(pod: pod)
        #expect(r.slices == SliceRequest(count: 1, cores: 25, vendor: "enflame") && r.cpuMilli == 4000)
        #expect(r.tolerations == ["gantry.dev/pool"])
        let owner = WorkloadRef(pod: pod)
        #expect(owner.gang == "team-a/job" && owner.workload == "team-a/job" && owner.gangMinMember == 4)
        #expect(owner.queue == "team-a" && owner.priority == 100 && owner.preemptible)
        // A pod outside any gang is its own workload.
        var solo = pod
        solo.metadata.labels = [:]
        #expect(WorkloadRef(pod: solo).workload == "uid-1" && WorkloadRef(pod: solo).gang == nil)
    }
}
