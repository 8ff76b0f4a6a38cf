// Pod (core/v1) and its status: phase, conditions and container states, as written by the kubelet and
// the scheduler and read by every Gantry controller.

public struct Pod: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: PodStatus?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), spec: PodSpec? = nil, status: PodStatus? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec, status, unknownFields }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        spec = try c.decodeIfPresent(PodSpec.self, forKey: .spec)
        status = try c.decodeIfPresent(PodStatus.self, forKey: .status)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }

    /// Succeeded or Failed: the pod will not run again.
    public var isTerminal: Bool { status?.phase == .succeeded || status?.phase == .failed }

    /// Bound to a node.
    public var isScheduled: Bool { !(spec?.nodeName ?? "").isEmpty }
}

public struct PodPhase: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let pending = PodPhase(rawValue: "Pending")
    public static let running = PodPhase(rawValue: "Running")
    public static let succeeded = PodPhase(rawValue: "Succeeded")
    public static let failed = PodPhase(rawValue: "Failed")
    public static let unknown = PodPhase(rawValue: "Unknown")
    public var description: String { rawValue }
}

public struct PodStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var phase: PodPhase?
    public var conditions: [PodCondition]?
    public var message: String?
    /// E.g. Evicted, Preempting.
    public var reason: String?
    /// Set by the scheduler when it preempted pods to make room here.
    public var nominatedNodeName: String?
    public var hostIP: String?
    public var hostIPs: [PodIP]?
    public var podIP: String?
    public var podIPs: [PodIP]?
    public var startTime: Time?
    public var initContainerStatuses: [ContainerStatus]?
    public var containerStatuses: [ContainerStatus]?
    public var ephemeralContainerStatuses: [ContainerStatus]?
    public var qosClass: String?
    public var resize: String?
    public var resourceClaimStatuses: [JSONValue]?
    public var unknownFields: UnknownFields? = nil

    public init(
        observedGeneration: Int64? = nil, phase: PodPhase? = nil, conditions: [PodCondition]? = nil,
        message: String? = nil, reason: String? = nil, nominatedNodeName: String? = nil, hostIP: String? = nil,
        hostIPs: [PodIP]? = nil, podIP: String? = nil, podIPs: [PodIP]? = nil, startTime: Time? = nil,
        initContainerStatuses: [ContainerStatus]? = nil, containerStatuses: [ContainerStatus]? = nil,
        ephemeralContainerStatuses: [ContainerStatus]? = nil, qosClass: String? = nil, resize: String? = nil,
        resourceClaimStatuses: [JSONValue]? = nil
    ) {
        self.observedGeneration = observedGeneration
        self.phase = phase
        self.conditions = conditions
        self.message = message
        self.reason = reason
        self.nominatedNodeName = nominatedNodeName
        self.hostIP = hostIP
        self.hostIPs = hostIPs
        self.podIP = podIP
        self.podIPs = podIPs
        self.startTime = startTime
        self.initContainerStatuses = initContainerStatuses
        self.containerStatuses = containerStatuses
        self.ephemeralContainerStatuses = ephemeralContainerStatuses
        self.qosClass = qosClass
        self.resize = resize
        self.resourceClaimStatuses = resourceClaimStatuses
    }

    public func condition(_ type: String) -> PodCondition? { conditions?.first { $0.type == type } }
}

public struct PodIP: Codable, Sendable, Hashable {
    public var ip: String
    public var unknownFields: UnknownFields? = nil
    public init(ip: String) { self.ip = ip }
}

public struct PodCondition: Codable, Sendable, Hashable {
    /// PodScheduled, Initialized, ContainersReady, Ready, DisruptionTarget, or a readiness gate's type.
    public var type: String
    public var status: ConditionStatus
    public var observedGeneration: Int64?
    public var lastProbeTime: Time?
    public var lastTransitionTime: Time?
    public var reason: String?
    public var message: String?
    public var unknownFields: UnknownFields? = nil

    public init(type: String, status: ConditionStatus, observedGeneration: Int64? = nil, lastProbeTime: Time? = nil,
                lastTransitionTime: Time? = nil, reason: String? = nil, message: String? = nil) {
        self.type = type
        self.status = status
        self.observedGeneration = observedGeneration
        self.lastProbeTime = lastProbeTime
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}

public struct ContainerStatus: Codable, Sendable, Hashable {
    public var name: String
    public var state: ContainerState?
    public var lastState: ContainerState?
    public var ready: Bool
    public var restartCount: Int32
    public var image: String
    public var imageID: String
    public var containerID: String?
    public var started: Bool?
    public var allocatedResources: [String: Quantity]?
    public var resources: ResourceRequirements?
    public var volumeMounts: [JSONValue]?
    public var user: JSONValue?
    public var allocatedResourcesStatus: [JSONValue]?
    public var stopSignal: String?
    public var unknownFields: UnknownFields? = nil

    public init(
        name: String, state: ContainerState? = nil, lastState: ContainerState? = nil, ready: Bool = false,
        restartCount: Int32 = 0, image: String = "", imageID: String = "", containerID: String? = nil,
        started: Bool? = nil, allocatedResources: [String: Quantity]? = nil, resources: ResourceRequirements? = nil,
        volumeMounts: [JSONValue]? = nil, user: JSONValue? = nil, allocatedResourcesStatus: [JSONValue]? = nil,
        stopSignal: String? = nil
    ) {
        self.name = name
        self.state = state
        self.lastState = lastState
        self.ready = ready
        self.restartCount = restartCount
        self.image = image
        self.imageID = imageID
        self.containerID = containerID
        self.started = started
        self.allocatedResources = allocatedResources
        self.resources = resources
        self.volumeMounts = volumeMounts
        self.user = user
        self.allocatedResourcesStatus = allocatedResourcesStatus
        self.stopSignal = stopSignal
    }

    enum CodingKeys: String, CodingKey {
        case name, state, lastState, ready, restartCount, image, imageID, containerID, started, allocatedResources,
            resources, volumeMounts, user, allocatedResourcesStatus, stopSignal, unknownFields
    }

    /// `ready`, `restartCount`, `image` and `imageID` are required by the API but often missing in test
    /// fixtures and older objects; they default instead of failing the whole pod.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        state = try c.decodeIfPresent(ContainerState.self, forKey: .state)
        lastState = try c.decodeIfPresent(ContainerState.self, forKey: .lastState)
        ready = try c.decodeIfPresent(Bool.self, forKey: .ready) ?? false
        restartCount = try c.decodeIfPresent(Int32.self, forKey: .restartCount) ?? 0
        image = try c.decodeIfPresent(String.self, forKey: .image) ?? ""
        imageID = try c.decodeIfPresent(String.self, forKey: .imageID) ?? ""
        containerID = try c.decodeIfPresent(String.self, forKey: .containerID)
        started = try c.decodeIfPresent(Bool.self, forKey: .started)
        allocatedResources = try c.decodeIfPresent([String: Quantity].self, forKey: .allocatedResources)
        resources = try c.decodeIfPresent(ResourceRequirements.self, forKey: .resources)
        volumeMounts = try c.decodeIfPresent([JSONValue].self, forKey: .volumeMounts)
        user = try c.decodeIfPresent(JSONValue.self, forKey: .user)
        allocatedResourcesStatus = try c.decodeIfPresent([JSONValue].self, forKey: .allocatedResourcesStatus)
        stopSignal = try c.decodeIfPresent(String.self, forKey: .stopSignal)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}

/// At most one of the three is set.
public struct ContainerState: Codable, Sendable, Hashable {
    public struct Waiting: Codable, Sendable, Hashable {
        /// E.g. ContainerCreating, CrashLoopBackOff, ErrImagePull.
        public var reason: String?
        public var message: String?
        public var unknownFields: UnknownFields? = nil
        public init(reason: String? = nil, message: String? = nil) {
            self.reason = reason
            self.message = message
        }
    }

    public struct Running: Codable, Sendable, Hashable {
        public var startedAt: Time?
        public var unknownFields: UnknownFields? = nil
        public init(startedAt: Time? = nil) { self.startedAt = startedAt }
    }

    public struct Terminated: Codable, Sendable, Hashable {
        public var exitCode: Int32
        public var signal: Int32?
        /// E.g. Completed, Error, OOMKilled.
        public var reason: String?
        public var message: String?
        public var startedAt: Time?
        public var finishedAt: Time?
        public var containerID: String?
        public var unknownFields: UnknownFields? = nil
        public init(exitCode: Int32, signal: Int32? = nil, reason: String? = nil, message: String? = nil,
                    startedAt: Time? = nil, finishedAt: Time? = nil, containerID: String? = nil) {
            self.exitCode = exitCode
            self.signal = signal
            self.reason = reason
            self.message = message
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.containerID = containerID
        }
    }

    public var waiting: Waiting?
    public var running: Running?
    public var terminated: Terminated?
    public var unknownFields: UnknownFields? = nil

    public init(waiting: Waiting? = nil, running: Running? = nil, terminated: Terminated? = nil) {
        self.waiting = waiting
        self.running = running
        self.terminated = terminated
    }
}
