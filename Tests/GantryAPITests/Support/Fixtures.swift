// Objects used across the tests: one fully populated instance of every kind (every optional field set, so
// encoding it shows every key the Swift type can write) and one minimal instance (only what is required).

import KubeCore
import Testing

@testable import GantryAPI

enum Fixtures {
    static let time = Time(secondsSinceEpoch: 1_795_168_800)

    static func conditions(_ type: String) -> [Condition] {
        [Condition(type: type, status: .true, observedGeneration: 3, lastTransitionTime: time, reason: "Reconciled",
                   message: "all good")]
    }

    static func template(annotations: [String: String] = [AnnotationKey.simDuration: "90s"]) -> PodTemplateSpec {
        PodTemplateSpec(
            metadata: ObjectMeta(labels: ["app": "bert"], annotations: annotations),
            spec: PodSpec(containers: [
                Container(
                    name: "trainer", image: "registry.example.com/bert:1.0",
                    resources: ResourceRequirements(
                        limits: [ResourceName.vgcu: "1", ResourceName.vgcuCores: "50", ResourceName.vgcuMemory: "24576"],
                        requests: [ResourceName.vgcu: "1", ResourceName.vgcuCores: "50", ResourceName.vgcuMemory: "24576", "cpu": "4"]))
            ]))
    }

    static let placement = Placement(pools: ["gcu-train"], objective: .performance, deviceModels: ["S60"])

    // MARK: Full instances

    static var workspace: Workspace {
        var w = Workspace(
            name: "vision",
            spec: WorkspaceSpec(
                displayName: "Vision", description: "Computer vision research",
                members: [WorkspaceMember(kind: .serviceAccount, name: "ci", namespace: "vision-ci", role: .developer)],
                namespaces: ["vision-dev"], pools: ["gcu-train"], quota: "vision",
                isolation: WorkspaceIsolation(enabled: true, allowNamespaces: ["ingress-nginx"])),
            status: WorkspaceStatus(observedGeneration: 3, namespaceCount: 1, memberCount: 1, conditions: conditions("Ready")))
        w.metadata.generation = 3
        return w
    }

    static var quota: Quota {
        Quota(
            name: "vision",
            spec: QuotaSpec(
                parent: "root", workspace: "vision", namespaces: ["vision-dev"],
                resources: [ResourceName.vgcu: QuotaResource(guaranteed: "4", deserved: "8", limit: "16", lendable: "4")],
                weight: 2, priority: 10, state: .open, queueing: .strictFIFO,
                preemption: QuotaPreemption(withinQuota: .lowerPriority, reclaimFromOthers: .any, borrowWhenIdle: true),
                timeWindows: [TimeWindow(days: ["Sat", "Sun"], start: "00:00", end: "23:59", timeZone: "Asia/Shanghai")]),
            status: QuotaStatus(
                observedGeneration: 1, allocated: [ResourceName.vgcu: "4"], used: [ResourceName.vgcu: "3"],
                fairShare: [ResourceName.vgcu: "8"], dominantShare: 0.25, pending: 2, admitted: 1,
                usage: QuotaUsage(deviceHours: 12.5, cpuHours: 40, since: time), conditions: conditions("Active")))
    }

    static var trainingJob: TrainingJob {
        TrainingJob(
            namespace: "vision-dev", name: "bert",
            spec: TrainingJobSpec(
                quota: "vision", priority: 5, preemptible: true, framework: .pytorch,
                replicas: [
                    ReplicaSpec(name: "master", count: 1, minCount: 1, template: template(), restartPolicy: .exitCode),
                    ReplicaSpec(name: "worker", count: 3, minCount: 3, template: template(), restartPolicy: .onFailure),
                ],
                gang: GangPolicy(minMember: 4, timeoutSeconds: 300),
                runPolicy: RunPolicy(backoffLimit: 2, activeDeadlineSeconds: 7200, ttlSecondsAfterFinished: 3600,
                                     suspend: false, cleanPodPolicy: .all),
                placement: placement),
            status: TrainingJobStatus(
                observedGeneration: 1, phase: .running,
                admission: Admission(quota: "vision", pool: "gcu-train", time: time, reason: "fits"),
                replicaStatuses: [ReplicaStatus(name: "worker", active: 3, ready: 3, succeeded: 0, failed: 0)],
                replicas: 4, readyReplicas: 4, ready: "4/4", restarts: 0, startTime: time, completionTime: time,
                conditions: conditions("Running")))
    }

    static var inferenceService: InferenceService {
        InferenceService(
            namespace: "vision-dev", name: "llm",
            spec: InferenceServiceSpec(
                quota: "vision", priority: 100,
                model: ModelSpec(uri: "hf://org/model", format: "safetensors", name: "model"),
                runtime: template(annotations: ["prometheus.io/scrape": "true"]),
                replicas: 2, minReplicas: 2, maxReplicas: 8,
                autoscaling: Autoscaling(metric: .queueDepth, target: 4, scaleDownDelaySeconds: 120),
                canary: Canary(template: template(annotations: ["version": "v2"]), trafficPercent: 10, replicas: 1),
                placement: placement),
            status: InferenceServiceStatus(
                observedGeneration: 1, replicas: 3, readyReplicas: 3, selector: "gantry.dev/inference-service=llm",
                url: "http://llm.vision-dev.svc",
                stable: RevisionStatus(revision: "abc", replicas: 2, readyReplicas: 2, trafficPercent: 90),
                canary: RevisionStatus(revision: "def", replicas: 1, readyReplicas: 1, trafficPercent: 10),
                admission: Admission(quota: "vision", pool: "gpu-infer", time: time, reason: "fits"),
                conditions: conditions("Ready")))
    }

    static var resourcePool: ResourcePool {
        ResourcePool(
            name: "gcu-train",
            spec: ResourcePoolSpec(
                nodeSelector: LabelSelector(
                    matchLabels: ["gantry.dev/device-class": "enflame-gcu"],
                    matchExpressions: [LabelSelectorRequirement(key: "topology.gantry.dev/rack", operator: .in, values: ["r1"])]),
                deviceClass: .enflameGCU, usage: .training,
                policy: PoolPolicy(node: .binpack, device: .spread, fragmentationAware: true),
                thermal: ThermalPolicy(chip: ThermalThreshold(softC: 85, hardC: 95), chassis: ThermalThreshold(softC: 60, hardC: 70),
                                       rack: ThermalThreshold(softC: 30, hardC: 35), staleAfterSeconds: 60),
                costPerDeviceHour: 2.5, performanceFactor: 1.2,
                taint: PoolTaint(key: "gantry.dev/pool", value: "gcu-train", effect: .noSchedule),
                workspaces: ["vision"]),
            status: ResourcePoolStatus(
                observedGeneration: 1, nodes: 2, readyNodes: 2, devices: 16, healthyDevices: 16,
                capacity: [ResourceName.vgcu: "64"], allocated: [ResourceName.vgcu: "8"], free: [ResourceName.vgcu: "56"],
                utilizationPercent: 12, hottest: PoolTemperatures(chipC: 71.5, chassisC: 44, rackC: 24),
                racks: [RackReading(name: "r1", temperatureC: 24, time: time)], conditions: conditions("Ready")))
    }

    static var deviceSlice: DeviceSlice {
        DeviceSlice(
            node: "gcu-node-1",
            spec: DeviceSliceSpec(
                node: "gcu-node-1",
                devices: [Device(id: "gcu-0", index: 0, vendor: "enflame", model: "S60", memoryMiB: 49152, cores: 100,
                                 maxSlices: 4, health: .healthy, temperatureC: 61.5)],
                chassisTemperatureC: 40, heartbeatTime: time),
            status: DeviceSliceStatus(
                observedGeneration: 1,
                devices: [DeviceAllocationStatus(id: "gcu-0", allocatedCores: 50, allocatedMemoryMiB: 24576, slices: 1,
                                                 pods: ["vision-dev/bert-worker-0"])],
                deviceCount: 1, healthyDevices: 1, allocatedCores: 50, allocatedMemoryMiB: 24576, hottestC: 61.5,
                conditions: conditions("Ready")))
    }

    /// Every kind, fully populated, encoded.
    static func full() throws -> [KindFixture] {
        let enc = JSONValueEncoder()
        return [
            KindFixture(Workspace.definition, try enc.encode(workspace)),
            KindFixture(Quota.definition, try enc.encode(quota)),
            KindFixture(TrainingJob.definition, try enc.encode(trainingJob)),
            KindFixture(InferenceService.definition, try enc.encode(inferenceService)),
            KindFixture(ResourcePool.definition, try enc.encode(resourcePool)),
            KindFixture(DeviceSlice.definition, try enc.encode(deviceSlice)),
        ]
    }

    // MARK: Minimal instances: only the fields Swift requires

    static let minimalTemplate = PodTemplateSpec(spec: PodSpec(containers: [Container(name: "main")]))

    static func minimal() throws -> [KindFixture] {
        let enc = JSONValueEncoder()
        var rs = ResourcePool(name: "p", spec: ResourcePoolSpec(nodeSelector: LabelSelector(), deviceClass: .cpu))
        rs.spec.taint = PoolTaint(key: "k", effect: .noSchedule)
        var isvc = InferenceService(
            namespace: "n", name: "s",
            spec: InferenceServiceSpec(model: ModelSpec(uri: "hf://m"), runtime: minimalTemplate, maxReplicas: 1))
        isvc.spec.autoscaling = Autoscaling(target: 1)
        isvc.spec.canary = Canary()
        var tj = TrainingJob(namespace: "n", name: "j", spec: TrainingJobSpec(replicas: [ReplicaSpec(name: "w", template: minimalTemplate)]))
        tj.status = TrainingJobStatus(replicaStatuses: [ReplicaStatus(name: "w")])
        var ds = DeviceSlice(node: "n", spec: DeviceSliceSpec(node: "n", devices: [Device(id: "d", index: 0)]))
        ds.status = DeviceSliceStatus(devices: [DeviceAllocationStatus(id: "d")])
        var q = Quota(name: "q", spec: QuotaSpec(timeWindows: [TimeWindow(start: "01:00", end: "02:00")]))
        q.status = QuotaStatus()
        var ws = Workspace(name: "w", spec: WorkspaceSpec(members: [WorkspaceMember(kind: nil, name: "a", role: .viewer)]))
        ws.status = WorkspaceStatus()
        return [
            KindFixture(Workspace.definition, try enc.encode(ws)),
            KindFixture(Quota.definition, try enc.encode(q)),
            KindFixture(TrainingJob.definition, try enc.encode(tj)),
            KindFixture(InferenceService.definition, try enc.encode(isvc)),
            KindFixture(ResourcePool.definition, try enc.encode(rs)),
            KindFixture(DeviceSlice.definition, try enc.encode(ds)),
        ]
    }
}

/// An encoded object and its kind's definition; tests print only the kind.
struct KindFixture: Sendable, CustomTestStringConvertible {
    var def: KindDefinition
    var encoded: JSONValue

    init(_ def: KindDefinition, _ encoded: JSONValue) {
        self.def = def
        self.encoded = encoded
    }

    var kind: String { def.descriptor.kind }
    var testDescription: String { kind }
}
