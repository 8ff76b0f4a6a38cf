// PodSpec and PodTemplateSpec (core/v1): what a pod runs and where it may run, and the template that
// workload kinds (Gantry's TrainingJob replicas, InferenceService runtimes) stamp pods from.

public struct PodSpec: Codable, Sendable, Hashable {
    public var volumes: [Volume]?
    public var initContainers: [Container]?
    public var containers: [Container]
    public var ephemeralContainers: [JSONValue]?
    /// Always (default), OnFailure or Never.
    public var restartPolicy: String?
    public var terminationGracePeriodSeconds: Int64?
    public var activeDeadlineSeconds: Int64?
    public var dnsPolicy: String?
    public var nodeSelector: [String: String]?
    public var serviceAccountName: String?
    /// Deprecated alias of serviceAccountName.
    public var serviceAccount: String?
    public var automountServiceAccountToken: Bool?
    public var nodeName: String?
    public var hostNetwork: Bool?
    public var hostPID: Bool?
    public var hostIPC: Bool?
    public var shareProcessNamespace: Bool?
    public var securityContext: JSONValue?
    public var imagePullSecrets: [LocalObjectReference]?
    public var hostname: String?
    public var subdomain: String?
    public var affinity: Affinity?
    public var schedulerName: String?
    public var tolerations: [Toleration]?
    public var hostAliases: [JSONValue]?
    public var priorityClassName: String?
    public var priority: Int32?
    public var dnsConfig: JSONValue?
    public var readinessGates: [PodReadinessGate]?
    public var runtimeClassName: String?
    public var enableServiceLinks: Bool?
    /// PreemptLowerPriority (default) or Never.
    public var preemptionPolicy: String?
    public var overhead: [String: Quantity]?
    public var topologySpreadConstraints: [TopologySpreadConstraint]?
    public var setHostnameAsFQDN: Bool?
    public var os: JSONValue?
    public var hostUsers: Bool?
    public var schedulingGates: [PodSchedulingGate]?
    public var resourceClaims: [JSONValue]?
    /// Pod-level requests and limits (PodLevelResources).
    public var resources: ResourceRequirements?
    public var unknownFields: UnknownFields? = nil

    public init(
        volumes: [Volume]? = nil, initContainers: [Container]? = nil, containers: [Container] = [],
        ephemeralContainers: [JSONValue]? = nil, restartPolicy: String? = nil, terminationGracePeriodSeconds: Int64? = nil,
        activeDeadlineSeconds: Int64? = nil, dnsPolicy: String? = nil, nodeSelector: [String: String]? = nil,
        serviceAccountName: String? = nil, serviceAccount: String? = nil, automountServiceAccountToken: Bool? = nil,
        nodeName: String? = nil, hostNetwork: Bool? = nil, hostPID: Bool? = nil, hostIPC: Bool? = nil,
        shareProcessNamespace: Bool? = nil, securityContext: JSONValue? = nil,
        imagePullSecrets: [LocalObjectReference]? = nil, hostname: String? = nil, subdomain: String? = nil,
        affinity: Affinity? = nil, schedulerName: String? = nil, tolerations: [Toleration]? = nil,
        hostAliases: [JSONValue]? = nil, priorityClassName: String? = nil, priority: Int32? = nil,
        dnsConfig: JSONValue? = nil, readinessGates: [PodReadinessGate]? = nil, runtimeClassName: String? = nil,
        enableServiceLinks: Bool? = nil, preemptionPolicy: String? = nil, overhead: [String: Quantity]? = nil,
        topologySpreadConstraints: [TopologySpreadConstraint]? = nil, setHostnameAsFQDN: Bool? = nil,
        os: JSONValue? = nil, hostUsers: Bool? = nil, schedulingGates: [PodSchedulingGate]? = nil,
        resourceClaims: [JSONValue]? = nil, resources: ResourceRequirements? = nil
    ) {
        self.volumes = volumes
        self.initContainers = initContainers
        self.containers = containers
        self.ephemeralContainers = ephemeralContainers
        self.restartPolicy = restartPolicy
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
        self.activeDeadlineSeconds = activeDeadlineSeconds
        self.dnsPolicy = dnsPolicy
        self.nodeSelector = nodeSelector
        self.serviceAccountName = serviceAccountName
        self.serviceAccount = serviceAccount
        self.automountServiceAccountToken = automountServiceAccountToken
        self.nodeName = nodeName
        self.hostNetwork = hostNetwork
        self.hostPID = hostPID
        self.hostIPC = hostIPC
        self.shareProcessNamespace = shareProcessNamespace
        self.securityContext = securityContext
        self.imagePullSecrets = imagePullSecrets
        self.hostname = hostname
        self.subdomain = subdomain
        self.affinity = affinity
        self.schedulerName = schedulerName
        self.tolerations = tolerations
        self.hostAliases = hostAliases
        self.priorityClassName = priorityClassName
        self.priority = priority
        self.dnsConfig = dnsConfig
        self.readinessGates = readinessGates
        self.runtimeClassName = runtimeClassName
        self.enableServiceLinks = enableServiceLinks
        self.preemptionPolicy = preemptionPolicy
        self.overhead = overhead
        self.topologySpreadConstraints = topologySpreadConstraints
        self.setHostnameAsFQDN = setHostnameAsFQDN
        self.os = os
        self.hostUsers = hostUsers
        self.schedulingGates = schedulingGates
        self.resourceClaims = resourceClaims
        self.resources = resources
    }

    /// What the scheduler reserves for the pod (resourcehelper.PodRequests): the larger of the main
    /// containers' sum (plus sidecars) and the largest init-container step (each with the sidecars started
    /// before it), plus the pod overhead. Pod-level `resources.requests`, when set, replace the container sum.
    public var effectiveRequests: [String: Quantity] {
        var requests: [String: Quantity] = [:]
        for c in containers { requests.add(c.resources?.requests) }
        var sidecars: [String: Quantity] = [:]
        var initPeak: [String: Quantity] = [:]
        for c in initContainers ?? [] {
            var step = c.resources?.requests ?? [:]
            if c.isSidecar {
                requests.add(step)
                sidecars.add(step)
                step = sidecars
            } else {
                step.add(sidecars)
            }
            initPeak.takeMaximum(step)
        }
        if let podLevel = resources?.requests, !podLevel.isEmpty { requests = podLevel }
        requests.takeMaximum(initPeak)
        requests.add(overhead)
        return requests
    }
}

extension Dictionary where Key == String, Value == Quantity {
    /// Adds `other` resource by resource.
    public mutating func add(_ other: [String: Quantity]?) {
        for (k, v) in other ?? [:] { self[k] = (self[k] ?? .zero) + v }
    }

    /// Keeps, resource by resource, the larger of the two.
    public mutating func takeMaximum(_ other: [String: Quantity]) {
        for (k, v) in other where self[k].map({ $0 < v }) ?? true { self[k] = v }
    }
}

public struct PodReadinessGate: Codable, Sendable, Hashable {
    public var conditionType: String
    public var unknownFields: UnknownFields? = nil
    public init(conditionType: String) { self.conditionType = conditionType }
}

/// A gate that keeps the pod out of scheduling until it is removed.
public struct PodSchedulingGate: Codable, Sendable, Hashable {
    public var name: String
    public var unknownFields: UnknownFields? = nil
    public init(name: String) { self.name = name }
}

public struct TopologySpreadConstraint: Codable, Sendable, Hashable {
    public var maxSkew: Int32
    public var topologyKey: String
    /// DoNotSchedule or ScheduleAnyway.
    public var whenUnsatisfiable: String
    public var labelSelector: LabelSelector?
    public var minDomains: Int32?
    public var nodeAffinityPolicy: String?
    public var nodeTaintsPolicy: String?
    public var matchLabelKeys: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(maxSkew: Int32, topologyKey: String, whenUnsatisfiable: String, labelSelector: LabelSelector? = nil,
                minDomains: Int32? = nil, nodeAffinityPolicy: String? = nil, nodeTaintsPolicy: String? = nil,
                matchLabelKeys: [String]? = nil) {
        self.maxSkew = maxSkew
        self.topologyKey = topologyKey
        self.whenUnsatisfiable = whenUnsatisfiable
        self.labelSelector = labelSelector
        self.minDomains = minDomains
        self.nodeAffinityPolicy = nodeAffinityPolicy
        self.nodeTaintsPolicy = nodeTaintsPolicy
        self.matchLabelKeys = matchLabelKeys
    }
}

public struct PodTemplateSpec: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta?
    public var spec: PodSpec?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta? = nil, spec: PodSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}
