// Typed kind tests: each kind decodes a realistic manifest, and a manifest with an unknown member added
// to every object at every level decodes and encodes back to exactly the same JSON.

import Foundation
import Testing

@testable import KubeCore

/// Members whose values are maps (not structs): the unknown member is not added to the map itself.
private let mapKeys: Set<String> = [
    "labels", "annotations", "data", "binaryData", "stringData", "requests", "limits", "capacity", "allocatable",
    "overhead", "nodeSelector", "selector", "matchLabels", "properties", "patternProperties", "definitions",
    "dependencies", "hard", "used", "allocatedResources",
]

/// Adds `zzFuture: {"nested": [1, "two"]}` to every object that a struct decodes.
private func injectUnknown(_ value: JSONValue, isMap: Bool = false) -> JSONValue {
    switch value {
    case .object(let o):
        var out = JSONObject()
        for (k, v) in o { out[k] = injectUnknown(v, isMap: mapKeys.contains(k)) }
        if !isMap { out["zzFuture"] = ["nested": [1, "two"]] }
        return .object(out)
    case .array(let items):
        return .array(items.map { injectUnknown($0) })
    default:
        return value
    }
}

/// Decodes `yaml` as `T`, checks both round trips, and returns the typed value.
private func roundTrip<T: KubeResource & Equatable>(_ type: T.Type, _ yaml: String,
                                                    sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    let document = try YAML.decode(yaml)
    let typed = try JSONValueDecoder().decode(T.self, from: document)
    #expect(try JSONValueEncoder().encode(typed) == document, sourceLocation: sourceLocation)
    let injected = injectUnknown(document)
    let typedInjected = try JSONValueDecoder().decode(T.self, from: injected)
    let back = try JSONValueEncoder().encode(typedInjected)
    #expect(back == injected, "unknown fields lost: \(JSONMergePatch.create(from: back, to: injected))",
            sourceLocation: sourceLocation)
    // The same through Foundation's coders, for callers that use them (unknown fields then travel as a member).
    #expect(try JSONDecoder().decode(T.self, from: JSONEncoder().encode(typed)) == typed, sourceLocation: sourceLocation)
    return typed
}

struct PodKindTests {
    static let manifest = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: trainer-worker-1
          namespace: team-a
          uid: 5c0b7a1e-3c2f-4d4b-9a51-0d7e8f2a9b13
          resourceVersion: "1234567"
          generation: 1
          creationTimestamp: "2026-11-20T10:00:00Z"
          labels: {app: trainer, gantry.dev/gang: team-a.job-1}
          annotations: {gantry.dev/devices: "gcu-0:50:24576"}
          ownerReferences:
          - {apiVersion: gantry.dev/v1alpha1, kind: TrainingJob, name: job-1, uid: aa0b, controller: true, blockOwnerDeletion: true}
          finalizers: [gantry.dev/cleanup]
        spec:
          schedulerName: gantry-scheduler
          priorityClassName: training
          priority: 100
          preemptionPolicy: PreemptLowerPriority
          restartPolicy: Never
          terminationGracePeriodSeconds: 30
          activeDeadlineSeconds: 86400
          hostname: worker-1
          subdomain: job-1
          serviceAccountName: trainer
          nodeSelector: {gantry.dev/pool: gcu-train}
          schedulingGates: [{name: gantry.dev/admission}]
          overhead: {cpu: 250m}
          imagePullSecrets: [{name: registry}]
          readinessGates: [{conditionType: gantry.dev/ready}]
          topologySpreadConstraints:
          - {maxSkew: 1, topologyKey: topology.gantry.dev/rack, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: trainer}}}
          initContainers:
          - name: fetch
            image: busybox
            command: [sh, -c, "wget $(DATA_URL)"]
            resources: {requests: {cpu: "1", memory: 1Gi}}
          - name: proxy
            image: envoy
            restartPolicy: Always
            resources: {requests: {cpu: 500m}}
          containers:
          - name: trainer
            image: registry.example.com/ml/pytorch:2.4-gcu
            imagePullPolicy: IfNotPresent
            command: [torchrun]
            args: ["--nnodes=4", train.py]
            workingDir: /workspace
            ports: [{name: dist, containerPort: 23456, protocol: TCP}]
            env:
            - {name: WORLD_SIZE, value: "4"}
            - name: POD_IP
              valueFrom: {fieldRef: {apiVersion: v1, fieldPath: status.podIP}}
            - name: MEM
              valueFrom: {resourceFieldRef: {containerName: trainer, resource: limits.memory, divisor: 1Mi}}
            - name: TOKEN
              valueFrom: {secretKeyRef: {name: creds, key: token, optional: true}}
            envFrom: [{prefix: CFG_, configMapRef: {name: settings}}]
            resources:
              requests: {cpu: "8", memory: 32Gi, gantry.dev/vgcu: "2", gantry.dev/vgcu-cores: "50"}
              limits: {cpu: "8", memory: 32Gi, gantry.dev/vgcu: "2"}
            volumeMounts:
            - {name: data, mountPath: /data, readOnly: true}
            - {name: shm, mountPath: /dev/shm}
            livenessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 10}
            securityContext: {runAsUser: 1000}
          volumes:
          - {name: data, persistentVolumeClaim: {claimName: datasets}}
          - {name: shm, emptyDir: {medium: Memory}}
          - {name: cache, csi: {driver: example.com/cache}}
          tolerations:
          - {key: gantry.dev/pool, operator: Equal, value: gcu-train, effect: NoSchedule}
          - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
                - matchExpressions:
                  - {key: gantry.dev/device-model, operator: In, values: [s60, i20]}
                  - {key: gantry.dev/generation, operator: Gt, values: ["2"]}
                  matchFields:
                  - {key: metadata.name, operator: NotIn, values: [node-bad]}
              preferredDuringSchedulingIgnoredDuringExecution:
              - weight: 50
                preference: {matchExpressions: [{key: topology.gantry.dev/rack, operator: In, values: [r1]}]}
            podAffinity:
              preferredDuringSchedulingIgnoredDuringExecution:
              - weight: 100
                podAffinityTerm:
                  labelSelector: {matchLabels: {gantry.dev/gang: team-a.job-1}}
                  topologyKey: topology.gantry.dev/rack
            podAntiAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
              - labelSelector:
                  matchExpressions: [{key: app, operator: In, values: [inference]}]
                topologyKey: kubernetes.io/hostname
                namespaces: [team-b]
                namespaceSelector: {matchLabels: {tier: online}}
                matchLabelKeys: [pod-template-hash]
        status:
          phase: Running
          hostIP: 10.0.0.17
          hostIPs: [{ip: 10.0.0.17}]
          podIP: 10.244.17.5
          podIPs: [{ip: 10.244.17.5}]
          startTime: "2026-11-20T10:00:02Z"
          nominatedNodeName: node-17
          qosClass: Guaranteed
          conditions:
          - {type: PodScheduled, status: "True", lastTransitionTime: "2026-11-20T10:00:01Z"}
          - {type: Ready, status: "False", lastTransitionTime: "2026-11-20T10:00:05Z", reason: ContainersNotReady, message: not yet}
          initContainerStatuses:
          - name: fetch
            ready: false
            restartCount: 0
            image: busybox
            imageID: sha256:def
            state: {terminated: {exitCode: 0, reason: Completed, startedAt: "2026-11-20T10:00:02Z", finishedAt: "2026-11-20T10:00:03Z", containerID: "containerd://1"}}
          containerStatuses:
          - name: trainer
            ready: true
            started: true
            restartCount: 2
            image: registry.example.com/ml/pytorch:2.4-gcu
            imageID: sha256:abc
            containerID: containerd://2
            state: {running: {startedAt: "2026-11-20T10:00:04Z"}}
            lastState: {terminated: {exitCode: 137, signal: 9, reason: OOMKilled, message: killed}}
          - name: sidecar
            ready: false
            restartCount: 5
            image: envoy
            imageID: ""
            state: {waiting: {reason: CrashLoopBackOff, message: back-off 5m0s}}
        """

    @Test func decodesEveryPartAndRoundTrips() throws {
        let pod = try roundTrip(Pod.self, Self.manifest)
        #expect(pod.metadata.labels?["gantry.dev/gang"] == "team-a.job-1")
        let spec = try #require(pod.spec)
        #expect(spec.priority == 100)
        #expect(spec.schedulingGates?.first?.name == "gantry.dev/admission")
        let trainer = spec.containers[0]
        #expect(trainer.resources?.requests?["memory"] == Quantity("32Gi"))
        #expect(trainer.resources?.requests?["gantry.dev/vgcu"]?.value == 2)
        #expect(trainer.env?[1].valueFrom?.fieldRef?.fieldPath == "status.podIP")
        #expect(trainer.env?[2].valueFrom?.resourceFieldRef?.divisor == Quantity("1Mi"))
        #expect(trainer.ports?.first?.containerPort == 23456)
        #expect(spec.volumes?[2].unknownFields?["csi"] == ["driver": "example.com/cache"])
        let required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
        #expect(required?.nodeSelectorTerms.first?.matchExpressions?[1].operator == .greaterThan)
        #expect(spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.first?.topologyKey
            == "kubernetes.io/hostname")
        #expect(spec.tolerations?[1].tolerationSeconds == 300)
        let status = try #require(pod.status)
        #expect(status.phase == .running)
        #expect(status.condition("Ready")?.status == .false)
        #expect(status.containerStatuses?[0].lastState?.terminated?.exitCode == 137)
        #expect(status.containerStatuses?[1].state?.waiting?.reason == "CrashLoopBackOff")
        #expect(status.initContainerStatuses?[0].state?.terminated?.reason == "Completed")
        #expect(pod.isScheduled == false)
        // The API server writes `lastProbeTime: null`; it reads as absent.
        let withNull = try JSONValueDecoder().decode(PodCondition.self, from: ["type": "Ready", "status": "True", "lastProbeTime": nil])
        #expect(withNull.lastProbeTime == nil)
        #expect(pod.isTerminal == false)
    }

    @Test func listItemsWithoutTypeMetaGetTheirKind() throws {
        let json = #"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9"},"items":[{"metadata":{"name":"a"},"spec":{"containers":[{"name":"c"}]}}]}"#
        let list = try JSONValueDecoder().decode(KubeList<Pod>.self, from: Array(json.utf8))
        #expect(list.items[0].apiVersion == "v1")
        #expect(list.items[0].kind == "Pod")
        #expect(list.metadata.resourceVersion == "9")
        let fresh = try JSONValueEncoder().encode(Pod(metadata: ObjectMeta(name: "x")))
        #expect(fresh == ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "x"]])
    }

    @Test func errorsNameTheFieldPath() {
        let json = #"{"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"lots"}}}]}}"#
        do {
            _ = try JSONValueDecoder().decode(Pod.self, from: Array(json.utf8))
            Issue.record("expected an error")
        } catch let e as DecodingError {
            #expect(e.fieldPath == "spec.containers[0].resources.requests.cpu")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func effectiveRequestsFollowTheScheduler() throws {
        var spec = PodSpec(containers: [
            Container(name: "a", resources: ResourceRequirements(requests: ["cpu": "1", "memory": "1Gi"])),
            Container(name: "b", resources: ResourceRequirements(requests: ["cpu": "500m"])),
        ])
        #expect(spec.effectiveRequests == ["cpu": "1500m", "memory": "1Gi"])
        // A big init container dominates; a sidecar adds to both phases.
        spec.initContainers = [
            Container(name: "sidecar", resources: ResourceRequirements(requests: ["cpu": "100m"]), restartPolicy: "Always"),
            Container(name: "init", resources: ResourceRequirements(requests: ["cpu": "2", "memory": "512Mi"])),
        ]
        spec.overhead = ["cpu": "10m"]
        // Main phase: 1.5 + 0.1 (sidecar) = 1.6 cpu; init phase: 2 + 0.1 = 2.1 cpu. Max 2.1, plus overhead.
        #expect(spec.effectiveRequests == ["cpu": "2110m", "memory": "1Gi"])
    }
}

struct SchedulingRuleTests {
    @Test(arguments: [
        (Toleration(key: "k", operator: .equal, value: "v", effect: .noSchedule), Taint(key: "k", value: "v", effect: .noSchedule), true),
        (Toleration(key: "k", value: "v"), Taint(key: "k", value: "v", effect: .noExecute), true),
        (Toleration(key: "k", operator: .equal, value: "v"), Taint(key: "k", value: "w", effect: .noSchedule), false),
        (Toleration(key: "k", operator: .exists), Taint(key: "k", value: "anything", effect: .noSchedule), true),
        (Toleration(operator: .exists), Taint(key: "any", effect: .noExecute), true),
        (Toleration(operator: .exists, effect: .noSchedule), Taint(key: "any", effect: .noExecute), false),
        (Toleration(key: "k", operator: .exists), Taint(key: "other", effect: .noSchedule), false),
        (Toleration(key: "k"), Taint(key: "k", effect: .noSchedule), true),
        (Toleration(key: "k", operator: .init(rawValue: "Bogus")), Taint(key: "k", effect: .noSchedule), false),
    ])
    func tolerations(toleration: Toleration, taint: Taint, expected: Bool) {
        #expect(toleration.tolerates(taint) == expected)
    }

    @Test func untoleratedTaintsByEffect() {
        let taints = [Taint(key: "a", effect: .noSchedule), Taint(key: "b", effect: .preferNoSchedule), Taint(key: "c", effect: .noExecute)]
        let tolerations = [Toleration(key: "a", operator: .exists)]
        #expect(tolerations.untolerated(taints).map(\.key) == ["b", "c"])
        #expect(tolerations.untolerated(taints, effects: [.noSchedule, .noExecute]).map(\.key) == ["c"])
    }

    @Test func nodeSelectorTermsAreOredRequirementsAnded() {
        let node = Node(metadata: ObjectMeta(name: "n1", labels: ["zone": "a", "gen": "3", "gpu": ""]))
        func term(_ exprs: [NodeSelectorRequirement], fields: [NodeSelectorRequirement]? = nil) -> NodeSelectorTerm {
            NodeSelectorTerm(matchExpressions: exprs, matchFields: fields)
        }
        let zoneA = NodeSelectorRequirement(key: "zone", operator: .in, values: ["a", "b"])
        let zoneC = NodeSelectorRequirement(key: "zone", operator: .in, values: ["c"])
        let genGt2 = NodeSelectorRequirement(key: "gen", operator: .greaterThan, values: ["2"])
        let genLt2 = NodeSelectorRequirement(key: "gen", operator: .lessThan, values: ["2"])
        let hasGPU = NodeSelectorRequirement(key: "gpu", operator: .exists)
        let noTaint = NodeSelectorRequirement(key: "tainted", operator: .doesNotExist)
        let notB = NodeSelectorRequirement(key: "zone", operator: .notIn, values: ["b"])
        let named = NodeSelectorRequirement(key: "metadata.name", operator: .in, values: ["n1"])
        let notNamed = NodeSelectorRequirement(key: "metadata.name", operator: .notIn, values: ["n1"])
        #expect(NodeSelector(nodeSelectorTerms: [term([zoneA, genGt2, hasGPU, noTaint, notB])]).matches(node))
        #expect(!NodeSelector(nodeSelectorTerms: [term([zoneA, genLt2])]).matches(node))
        #expect(NodeSelector(nodeSelectorTerms: [term([zoneC]), term([zoneA])]).matches(node))
        #expect(NodeSelector(nodeSelectorTerms: [term([], fields: [named])]).matches(node))
        #expect(!NodeSelector(nodeSelectorTerms: [term([zoneA], fields: [notNamed])]).matches(node))
        // Empty terms match nothing; so does a selector without terms.
        #expect(!NodeSelector(nodeSelectorTerms: [NodeSelectorTerm()]).matches(node))
        #expect(!NodeSelector(nodeSelectorTerms: []).matches(node))
        // Gt with a non-integer label or bound does not match.
        #expect(!NodeSelectorRequirement(key: "zone", operator: .greaterThan, values: ["1"]).matches(["zone": "a"]))
        #expect(!NodeSelectorRequirement(key: "gen", operator: .greaterThan, values: ["x"]).matches(["gen": "3"]))
    }

    @Test func intOrString() throws {
        struct Holder: Codable, Equatable { var a: IntOrString; var b: IntOrString }
        let h = try JSONValueDecoder().decode(Holder.self, from: ["a": 8080, "b": "http"])
        #expect(h == Holder(a: 8080, b: "http"))
        #expect(try JSONValueEncoder().encode(h) == ["a": 8080, "b": "http"])
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Holder.self, from: ["a": 1.5, "b": 1]) }
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Holder.self, from: ["a": 5_000_000_000, "b": 1]) }
        #expect(IntOrString.string("25%").scaledValue(total: 10, roundUp: true) == 3)
        #expect(IntOrString.string("25%").scaledValue(total: 10, roundUp: false) == 2)
        #expect(IntOrString.int(4).scaledValue(total: 10, roundUp: false) == 4)
        #expect(IntOrString.string("x").scaledValue(total: 10, roundUp: false) == nil)
    }
}

struct CoreKindTests {
    @Test func node() throws {
        let node = try roundTrip(Node.self, """
            apiVersion: v1
            kind: Node
            metadata: {name: node-17, labels: {topology.gantry.dev/rack: r1, kubernetes.io/hostname: node-17}}
            spec:
              podCIDR: 10.244.17.0/24
              podCIDRs: [10.244.17.0/24]
              providerID: sim://node-17
              unschedulable: true
              taints:
              - {key: gantry.dev/pool, value: gcu-train, effect: NoSchedule}
              - {key: node.kubernetes.io/unreachable, effect: NoExecute, timeAdded: "2026-11-20T10:00:00Z"}
            status:
              capacity: {cpu: "64", memory: 512Gi, enflame.com/gcu: "8", pods: "110"}
              allocatable: {cpu: 63500m, memory: 500Gi, enflame.com/gcu: "8", pods: "110"}
              conditions:
              - {type: Ready, status: "True", lastHeartbeatTime: "2026-11-20T10:00:00Z", lastTransitionTime: "2026-11-20T09:00:00Z", reason: KubeletReady, message: kubelet is posting ready status}
              - {type: MemoryPressure, status: "False"}
              addresses: [{type: InternalIP, address: 10.0.0.17}, {type: Hostname, address: node-17}]
              daemonEndpoints: {kubeletEndpoint: {Port: 10250}}
              nodeInfo: {machineID: m, systemUUID: s, bootID: b, kernelVersion: 6.1.0, osImage: Debian 12, containerRuntimeVersion: containerd://1.7, kubeletVersion: v1.31.0, kubeProxyVersion: v1.31.0, operatingSystem: linux, architecture: amd64}
              images: [{names: [busybox], sizeBytes: 1000}]
            """)
        #expect(node.spec?.unschedulable == true)
        #expect(node.spec?.taints?[1].timeAdded == Time(rfc3339: "2026-11-20T10:00:00Z"))
        #expect(node.status?.allocatable?["cpu"]?.milliValue == 63_500)
        #expect(node.status?.nodeInfo?.kubeletVersion == "v1.31.0")
        #expect(node.isReady)
    }

    @Test func namespaceServiceConfigMapSecretServiceAccountQuota() throws {
        let ns = try roundTrip(Namespace.self, """
            apiVersion: v1
            kind: Namespace
            metadata: {name: team-a, labels: {gantry.dev/workspace: acme}}
            spec: {finalizers: [kubernetes]}
            status:
              phase: Terminating
              conditions: [{type: NamespaceDeletionContentFailure, status: "False", lastTransitionTime: "2026-11-20T10:00:00Z", reason: ContentDeleted, message: done}]
            """)
        #expect(ns.status?.phase == "Terminating")

        let svc = try roundTrip(Service.self, """
            apiVersion: v1
            kind: Service
            metadata: {name: job-1, namespace: team-a}
            spec:
              clusterIP: None
              clusterIPs: [None]
              type: ClusterIP
              selector: {gantry.dev/gang: team-a.job-1}
              publishNotReadyAddresses: true
              ports:
              - {name: dist, port: 23456, targetPort: 23456, protocol: TCP}
              - {name: http, port: 80, targetPort: http, appProtocol: http}
              ipFamilies: [IPv4]
              ipFamilyPolicy: SingleStack
              sessionAffinity: None
              internalTrafficPolicy: Cluster
            status: {loadBalancer: {}}
            """)
        #expect(svc.spec?.isHeadless == true)
        #expect(svc.spec?.ports?[1].targetPort == "http")
        #expect(svc.spec?.ports?[0].targetPort == 23456)

        let cm = try roundTrip(ConfigMap.self, """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings, namespace: team-a}
            data: {config.yaml: "a: 1\\n", empty: ""}
            binaryData: {blob: AAEC}
            immutable: true
            """)
        #expect(cm.data?["config.yaml"] == "a: 1\n")

        var secret = try roundTrip(Secret.self, """
            apiVersion: v1
            kind: Secret
            metadata: {name: creds, namespace: team-a}
            type: Opaque
            data: {token: c2VjcmV0}
            stringData: {plain: text}
            """)
        #expect(secret.value(forKey: "token") == Data("secret".utf8))
        secret.setValue(Data([0, 1, 2]), forKey: "bin")
        #expect(secret.data?["bin"] == "AAEC")

        let sa = try roundTrip(ServiceAccount.self, """
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: trainer, namespace: team-a}
            secrets: [{name: trainer-token}]
            imagePullSecrets: [{name: registry}]
            automountServiceAccountToken: false
            """)
        #expect(sa.automountServiceAccountToken == false)

        let quota = try roundTrip(ResourceQuota.self, """
            apiVersion: v1
            kind: ResourceQuota
            metadata: {name: compute, namespace: team-a}
            spec:
              hard: {requests.cpu: "100", requests.nvidia.com/gpu: "8", pods: "50"}
              scopes: [NotTerminating]
              scopeSelector: {matchExpressions: [{scopeName: PriorityClass, operator: In, values: [high]}]}
            status:
              hard: {requests.cpu: "100"}
              used: {requests.cpu: 12500m}
            """)
        #expect(quota.status?.used?["requests.cpu"] == Quantity(milli: 12_500))
    }

    @Test func events() throws {
        let core = try roundTrip(Event.self, """
            apiVersion: v1
            kind: Event
            metadata: {name: trainer-worker-1.17a, namespace: team-a}
            involvedObject: {kind: Pod, namespace: team-a, name: trainer-worker-1, uid: 5c0b, apiVersion: v1, resourceVersion: "12", fieldPath: "spec.containers{trainer}"}
            reason: FailedScheduling
            message: 0/3 nodes are available
            source: {component: gantry-scheduler-extender, host: node-1}
            firstTimestamp: "2026-11-20T10:00:00Z"
            lastTimestamp: "2026-11-20T10:05:00Z"
            count: 5
            type: Warning
            eventTime: "2026-11-20T10:00:00.123456Z"
            series: {count: 4, lastObservedTime: "2026-11-20T10:05:00.000001Z"}
            action: Scheduling
            related: {kind: Node, name: node-1}
            reportingComponent: gantry-scheduler-extender
            reportingInstance: extender-0
            """)
        #expect(core.eventTime?.microsecondsSinceEpoch == 1_795_168_800_123_456)
        #expect(core.series?.lastObservedTime?.rfc3339 == "2026-11-20T10:05:00.000001Z")
        // The API server writes null timestamps for events created through events.k8s.io.
        let nulls = try JSONValueDecoder().decode(Event.self, from: ["involvedObject": ["name": "x"], "firstTimestamp": nil, "eventTime": nil])
        #expect(nulls.firstTimestamp == nil)

        let v1 = try roundTrip(EventsV1.Event.self, """
            apiVersion: events.k8s.io/v1
            kind: Event
            metadata: {name: trainer-worker-1.17b, namespace: team-a}
            eventTime: "2026-11-20T10:00:00.000000Z"
            series: {count: 2, lastObservedTime: "2026-11-20T10:01:00.500000Z"}
            reportingController: gantry.dev/quota-controller
            reportingInstance: quota-0
            action: Preempting
            reason: Preempted
            regarding: {kind: Pod, namespace: team-a, name: trainer-worker-1}
            related: {kind: InferenceService, namespace: team-b, name: chat}
            note: preempted by team-b/chat (online inference)
            type: Normal
            deprecatedSource: {component: quota}
            deprecatedFirstTimestamp: "2026-11-20T10:00:00Z"
            deprecatedLastTimestamp: "2026-11-20T10:01:00Z"
            deprecatedCount: 2
            """)
        #expect(v1.reason == "Preempted")
        #expect(try JSONValueEncoder().encode(v1)["eventTime"] == "2026-11-20T10:00:00.000000Z")
    }

    @Test func bindingAndEviction() throws {
        let binding = try roundTrip(Binding.self, """
            apiVersion: v1
            kind: Binding
            metadata: {name: p, namespace: team-a, uid: u1, annotations: {gantry.dev/node: node-1}}
            target: {apiVersion: v1, kind: Node, name: node-1}
            """)
        #expect(binding.target.name == "node-1")
        let built = Binding(pod: Pod(metadata: ObjectMeta(name: "p", namespace: "ns", uid: "u")), node: "n")
        #expect(try JSONValueEncoder().encode(built) == [
            "apiVersion": "v1", "kind": "Binding", "metadata": ["name": "p", "namespace": "ns", "uid": "u"],
            "target": ["kind": "Node", "name": "n", "apiVersion": "v1"],
        ])

        let eviction = try roundTrip(Eviction.self, """
            apiVersion: policy/v1
            kind: Eviction
            metadata: {name: p, namespace: team-a}
            deleteOptions: {gracePeriodSeconds: 30, preconditions: {uid: u1}}
            """)
        #expect(eviction.deleteOptions?["gracePeriodSeconds"] == 30)
    }
}

struct OtherGroupKindTests {
    @Test func rbac() throws {
        let role = try roundTrip(Role.self, """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: reader, namespace: team-a}
            rules:
            - {apiGroups: [""], resources: [pods, pods/log], verbs: [get, list, watch]}
            - {apiGroups: [gantry.dev], resources: [trainingjobs], resourceNames: [job-1], verbs: [get]}
            """)
        #expect(role.rules?.first?.resources == ["pods", "pods/log"])

        let clusterRole = try roundTrip(ClusterRole.self, """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: gantry-developer}
            aggregationRule:
              clusterRoleSelectors:
              - matchLabels: {gantry.dev/aggregate-to-developer: "true"}
            rules:
            - {nonResourceURLs: [/metrics], verbs: [get]}
            """)
        #expect(clusterRole.aggregationRule?.clusterRoleSelectors?.first?.matchLabels?["gantry.dev/aggregate-to-developer"] == "true")

        let binding = try roundTrip(RoleBinding.self, """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: alice-developer, namespace: team-a}
            subjects:
            - {kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}
            - {kind: ServiceAccount, name: ci, namespace: team-a}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: gantry-developer}
            """)
        #expect(binding.subjects?[1] == Subject.serviceAccount("ci", namespace: "team-a").with(apiGroup: nil))

        let crb = try roundTrip(ClusterRoleBinding.self, """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: admins}
            subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: admins}]
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: gantry-admin}
            """)
        #expect(crb.roleRef.name == "gantry-admin")
        #expect(throws: DecodingError.self) {
            try JSONValueDecoder().decode(ClusterRoleBinding.self, from: ["metadata": ["name": "x"]])
        }
    }

    @Test func lease() throws {
        let lease = try roundTrip(Lease.self, """
            apiVersion: coordination.k8s.io/v1
            kind: Lease
            metadata: {name: gantry-quota-controller, namespace: gantry-system}
            spec:
              holderIdentity: quota-0_1234
              leaseDurationSeconds: 15
              acquireTime: "2026-11-20T10:00:00.000000Z"
              renewTime: "2026-11-20T10:00:10.250000Z"
              leaseTransitions: 3
              strategy: OldestEmulationVersion
              preferredHolder: quota-1
            """)
        #expect(lease.spec?.renewTime?.microsecondsSinceEpoch == 1_795_168_810_250_000)
        var renewed = lease
        renewed.spec?.renewTime = MicroTime(microsecondsSinceEpoch: 1_795_168_811_000_000)
        #expect(try JSONValueEncoder().encode(renewed)["spec"]?["renewTime"] == "2026-11-20T10:00:11.000000Z")
    }

    @Test func networkPolicy() throws {
        let policy = try roundTrip(NetworkPolicy.self, """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: workspace-isolation, namespace: team-a}
            spec:
              podSelector: {}
              policyTypes: [Ingress, Egress]
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {gantry.dev/workspace: acme}}
                - podSelector: {matchLabels: {app: gateway}}
                  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress}}
                ports: [{protocol: TCP, port: 8080}, {port: http}, {port: 30000, endPort: 32767}]
              egress:
              - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
            """)
        #expect(policy.spec?.podSelector.isEmpty == true)
        #expect(policy.spec?.ingress?.first?.ports?[2].endPort == 32767)
        #expect(policy.spec?.egress?.first?.to?.first?.ipBlock?.except == ["10.1.0.0/16"])
    }

    static let crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: trainingjobs.gantry.dev}
        spec:
          group: gantry.dev
          scope: Namespaced
          preserveUnknownFields: false
          conversion: {strategy: None}
          names: {plural: trainingjobs, singular: trainingjob, kind: TrainingJob, listKind: TrainingJobList, shortNames: [tj], categories: [gantry, all]}
          versions:
          - name: v1alpha1
            served: true
            storage: true
            deprecated: false
            subresources:
              status: {}
              scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}
            additionalPrinterColumns:
            - {name: Phase, type: string, jsonPath: .status.phase, description: lifecycle phase}
            - {name: Age, type: date, jsonPath: .metadata.creationTimestamp, priority: 1, format: date-time}
            selectableFields: [{jsonPath: .spec.quota}]
            schema:
              openAPIV3Schema:
                $schema: http://json-schema.org/draft-04/schema#
                id: trainingjob
                title: TrainingJob
                description: A distributed training job.
                type: object
                required: [spec]
                externalDocs: {description: docs, url: https://gantry.dev}
                x-kubernetes-validations:
                - {rule: "self.spec.replicas.all(r, r.count >= r.minCount)", message: count below minCount, reason: FieldValueInvalid, fieldPath: .spec.replicas, optionalOldSelf: false}
                - {rule: "self.metadata.name.size() <= 63", messageExpression: "'name too long: ' + self.metadata.name"}
                properties:
                  apiVersion: {type: string}
                  metadata: {type: object}
                  spec:
                    type: object
                    minProperties: 1
                    maxProperties: 20
                    additionalProperties: false
                    properties:
                      priority: {type: integer, format: int32, minimum: 0, maximum: 1000000000, exclusiveMinimum: false, exclusiveMaximum: true, default: 0, multipleOf: 1}
                      framework: {type: string, enum: [pytorch, tensorflow, mpi, paddle, generic, null], nullable: true, default: null}
                      name: {type: string, minLength: 1, maxLength: 63, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", example: job-1}
                      quota: {$ref: "#/definitions/name"}
                      budget: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
                      template: {type: object, x-kubernetes-preserve-unknown-fields: true, x-kubernetes-embedded-resource: true}
                      labels: {type: object, additionalProperties: {type: string}, x-kubernetes-map-type: granular}
                      replicas:
                        type: array
                        minItems: 1
                        maxItems: 16
                        uniqueItems: false
                        x-kubernetes-list-type: map
                        x-kubernetes-list-map-keys: [name]
                        items:
                          type: object
                          required: [name, count]
                          properties:
                            name: {type: string}
                            count: {type: integer, minimum: 1}
                            minCount: {type: integer}
                      tuple: {type: array, items: [{type: string}, {type: integer}], additionalItems: {type: boolean}}
                      exclusive: {oneOf: [{required: [a]}, {required: [b]}], allOf: [{type: object}], not: {required: [c]}}
                      annotations: {type: object, patternProperties: {"^gantry\\\\.dev/": {type: string}}}
                      deps: {type: object, dependencies: {a: [b, c], d: {required: [e]}}}
                    definitions:
                      name: {type: string}
        status:
          conditions:
          - {type: Established, status: "True", lastTransitionTime: "2026-11-20T10:00:00Z", reason: InitialNamesAccepted, message: the initial names have been accepted}
          acceptedNames: {plural: trainingjobs, kind: TrainingJob}
          storedVersions: [v1alpha1]
        """

    @Test func customResourceDefinitionWithEverySchemaField() throws {
        let crd = try roundTrip(CustomResourceDefinition.self, Self.crd)
        #expect(crd.storageVersion?.name == "v1alpha1")
        #expect(crd.descriptor(version: "v1alpha1") == ResourceDescriptor(
            group: "gantry.dev", version: "v1alpha1", kind: "TrainingJob", plural: "trainingjobs", namespaced: true))
        let version = try #require(crd.spec.versions.first)
        #expect(version.subresources?.status != nil)
        #expect(version.subresources?.scale?.labelSelectorPath == ".status.selector")
        #expect(version.additionalPrinterColumns?[1].priority == 1)
        let schema = try #require(version.schema?.openAPIV3Schema)
        #expect(schema.schema == "http://json-schema.org/draft-04/schema#")
        #expect(schema.xKubernetesValidations?.count == 2)
        let spec = try #require(schema.properties?["spec"])
        #expect(spec.additionalProperties == .bool(false))
        let priority = try #require(spec.properties?["priority"])
        #expect(priority.maximum == 1_000_000_000)
        #expect(priority.exclusiveMaximum == true)
        #expect(priority.default == 0)
        let framework = try #require(spec.properties?["framework"])
        #expect(framework.default == .null)  // an explicit null default survives
        #expect(framework.enum?.last == .null)
        #expect(spec.properties?["quota"]?.ref == "#/definitions/name")
        #expect(spec.properties?["budget"]?.xKubernetesIntOrString == true)
        #expect(spec.properties?["template"]?.xKubernetesEmbeddedResource == true)
        #expect(spec.properties?["labels"]?.additionalProperties == .schema(JSONSchemaProps(type: "string")))
        let replicas = try #require(spec.properties?["replicas"])
        #expect(replicas.xKubernetesListMapKeys == ["name"])
        guard case .schema(let item)? = replicas.items else {
            Issue.record("items should be one schema")
            return
        }
        #expect(item.required == ["name", "count"])
        guard case .schemas(let tuple)? = spec.properties?["tuple"]?.items else {
            Issue.record("tuple items should be a list")
            return
        }
        #expect(tuple.count == 2)
        #expect(spec.properties?["exclusive"]?.not?.required == ["c"])
        #expect(spec.properties?["deps"]?.dependencies?["a"] == .properties(["b", "c"]))
        #expect(spec.properties?["annotations"]?.patternProperties?["^gantry\\.dev/"]?.type == "string")
        #expect(spec.definitions?["name"]?.type == "string")
        #expect(crd.status?.acceptedNames?.kind == "TrainingJob")
        // And through YAML back out: the generated manifest reads back to the same object.
        let yaml = try YAML.encode(crd)
        #expect(try YAML.decode(CustomResourceDefinition.self, from: yaml) == crd)
    }

    @Test func schemaBuiltInCodeEncodesAsExpected() throws {
        var schema = JSONSchemaProps(type: "object", required: ["spec"])
        schema.properties = ["spec": JSONSchemaProps(type: "object", xKubernetesPreserveUnknownFields: true)]
        schema.not = JSONSchemaProps(required: ["forbidden"])
        #expect(try JSONValueEncoder().encode(schema) == [
            "type": "object", "required": ["spec"], "not": ["required": ["forbidden"]],
            "properties": ["spec": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
        ])
        schema.not = nil
        #expect(try JSONValueEncoder().encode(schema)["not"] == nil)
    }
}

extension Subject {
    fileprivate func with(apiGroup: String?) -> Subject {
        var s = self
        s.apiGroup = apiGroup
        return s
    }
}
