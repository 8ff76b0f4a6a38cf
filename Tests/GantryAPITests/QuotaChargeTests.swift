// The quota accounting contract: requests (or limits), slice shapes multiplied by the vGCU count, summed
// over containers, pods and replicas.

import KubeCore
import Testing

@testable import GantryAPI

struct QuotaChargeTests {
    @Test func slicesAreChargedPerVirtualDevice() {
        let t = PodTemplateSpec(spec: PodSpec(containers: [
            Container(name: "a", resources: ResourceRequirements(limits: [ResourceName.vgcu: "2", ResourceName.vgcuCores: "50",
                                                                          ResourceName.vgcuMemory: "8192", "cpu": "4"],
                                                                 requests: ["cpu": "2"])),
            Container(name: "b", resources: ResourceRequirements(requests: ["cpu": "500m", "memory": "1Gi"])),
        ]))
        #expect(QuotaCharge.pod(t) == [ResourceName.vgcu: "2", ResourceName.vgcuCores: "100", ResourceName.vgcuMemory: "16384",
                                       "cpu": "2500m", "memory": "1Gi"])
    }

    @Test func initContainersAndOverheadCountAsKubernetesCountsThem() {
        var spec = PodSpec(containers: [Container(name: "main", resources: ResourceRequirements(requests: ["cpu": "1"]))])
        spec.initContainers = [Container(name: "fetch-model", resources: ResourceRequirements(limits: ["cpu": "3", "memory": "2Gi"]))]
        spec.overhead = ["cpu": "100m"]
        #expect(QuotaCharge.pod(PodTemplateSpec(spec: spec)) == ["cpu": "3100m", "memory": "2Gi"])
        #expect(QuotaCharge.pod(PodTemplateSpec()) == [:])
        #expect(QuotaCharge.pods(PodTemplateSpec(spec: spec), count: -2) == ["cpu": "0", "memory": "0"])
    }

    @Test func theExampleJobChargesFourHalfDevices() throws {
        let job = try ExampleTests.object(TrainingJob.self, named: "bert-finetune")
        let charge = job.quotaCharge
        #expect(charge[ResourceName.vgcu] == "4")
        #expect(charge[ResourceName.vgcuCores] == "200")       // four halves: two devices' compute
        #expect(charge[ResourceName.vgcuMemory] == "98304")    // 4 × 24 GiB in MiB
        #expect(charge["cpu"] == "32" && charge["memory"] == "256Gi")
    }

    @Test func theExampleServiceChargesItsReplicasAndCanary() throws {
        let svc = try ExampleTests.object(InferenceService.self, named: "chat-llm")
        // minReplicas 2 stable + 1 canary, one GPU each.
        #expect(svc.quotaCharge[ResourceName.nvidiaGPU] == "3")
    }
}
