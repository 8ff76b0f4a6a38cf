// TrainingJob: a distributed training run (PyTorch, TensorFlow, MPI, Paddle or generic): replicas with pod
// templates, gang policy, run policy, quota, priority and placement. The quota controller queues and admits
// it; the training controller runs it. Namespaced.

import KubeCore

public struct TrainingJob: GantryResource {
    public static let descriptor = GantryAPI.descriptor(kind: "TrainingJob", plural: "trainingjobs", namespaced: true)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: TrainingJobSpec
    public var status: TrainingJobStatus?
    public var unknownFields: UnknownFields? = nil

    public init(namespace: String, name: String, spec: TrainingJobSpec, status: TrainingJobStatus? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        metadata = ObjectMeta(name: name, namespace: namespace)
        self.spec = spec
        self.status = status
    }
}

public struct Framework: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let pytorch: Self = "pytorch"
    public static let tensorflow: Self = "tensorflow"
    public static let mpi: Self = "mpi"
    public static let paddle: Self = "paddle"
    public static let generic: Self = "generic"
    public static let allCases: [Self] = [.pytorch, .tensorflow, .mpi, .paddle, .generic]

    /// Replica names the framework's launcher understands (nil: any), and those that must be a single pod.
    public var replicaNames: [String]? {
        switch self {
        case .pytorch: ["master", "worker"]
        case .tensorflow: ["chief", "ps", "worker", "evaluator"]
        case .mpi: ["launcher", "worker"]
        case .paddle: ["ps", "worker"]
        default: nil
        }
    }

    public var singletonReplicas: [String] {
        switch self {
        case .pytorch: ["master"]
        case .tensorflow: ["chief", "evaluator"]
        case .mpi: ["launcher"]
        default: []
        }
    }
}

/// What happens to a failed pod of a replica (training-operator's restartPolicy).
public struct ReplicaRestartPolicy: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let never: Self = "Never"
    public static let onFailure: Self = "OnFailure"
    public static let exitCode: Self = "ExitCode"
    public static let allCases: [Self] = [.never, .onFailure, .exitCode]

    /// ExitCode: 1..127 are permanent errors (the job fails), 128..255 are retryable (signals, OOM kill).
    public static func isRetryable(exitCode: Int) -> Bool { exitCode >= 128 }
}

public struct CleanPodPolicy: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let all: Self = "All"
    public static let running: Self = "Running"
    public static let none: Self = "None"
    public static let allCases: [Self] = [.all, .running, .none]
}

public struct TrainingPhase: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let queued: Self = "Queued"
    public static let admitted: Self = "Admitted"
    public static let running: Self = "Running"
    public static let restarting: Self = "Restarting"
    public static let succeeded: Self = "Succeeded"
    public static let failed: Self = "Failed"
    public static let suspended: Self = "Suspended"
    public static let preempted: Self = "Preempted"
    public static let allCases: [Self] = [.queued, .admitted, .running, .restarting, .succeeded, .failed, .suspended, .preempted]

    public var isFinished: Bool { self == .succeeded || self == .failed }
}

public struct TrainingJobSpec: Codable, Sendable, Hashable {
    public var quota: String?
    public var priority: Int32?
    public var preemptible: Bool?
    public var framework: Framework?
    public var replicas: [ReplicaSpec]
    public var gang: GangPolicy?
    public var runPolicy: RunPolicy?
    public var placement: Placement?
    public var unknownFields: UnknownFields? = nil

    public init(quota: String? = nil, priority: Int32? = nil, preemptible: Bool? = nil, framework: Framework? = nil,
                replicas: [ReplicaSpec], gang: GangPolicy? = nil, runPolicy: RunPolicy? = nil, placement: Placement? = nil) {
        self.quota = quota
        self.priority = priority
        self.preemptible = preemptible
        self.framework = framework
        self.replicas = replicas
        self.gang = gang
        self.runPolicy = runPolicy
        self.placement = placement
    }

    /// Pods of all replicas.
    public var totalReplicas: Int64 { replicas.reduce(0) { $0 + Int64($1.count ?? 1) } }
}

public struct ReplicaSpec: Codable, Sendable, Hashable {
    public var name: String
    public var count: Int32?
    public var minCount: Int32?
    public var template: PodTemplateSpec
    public var restartPolicy: ReplicaRestartPolicy?
    public var unknownFields: UnknownFields? = nil

    public init(name: String, count: Int32? = nil, minCount: Int32? = nil, template: PodTemplateSpec,
                restartPolicy: ReplicaRestartPolicy? = nil) {
        self.name = name
        self.count = count
        self.minCount = minCount
        self.template = template
        self.restartPolicy = restartPolicy
    }
}

public struct GangPolicy: Codable, Sendable, Hashable {
    public var minMember: Int32?
    public var timeoutSeconds: Int32?
    public var unknownFields: UnknownFields? = nil

    public init(minMember: Int32? = nil, timeoutSeconds: Int32? = nil) {
        self.minMember = minMember
        self.timeoutSeconds = timeoutSeconds
    }
}

public struct RunPolicy: Codable, Sendable, Hashable {
    public var backoffLimit: Int32?
    public var activeDeadlineSeconds: Int64?
    public var ttlSecondsAfterFinished: Int32?
    public var suspend: Bool?
    public var cleanPodPolicy: CleanPodPolicy?
    public var unknownFields: UnknownFields? = nil

    public init(backoffLimit: Int32? = nil, activeDeadlineSeconds: Int64? = nil, ttlSecondsAfterFinished: Int32? = nil,
                suspend: Bool? = nil, cleanPodPolicy: CleanPodPolicy? = nil) {
        self.backoffLimit = backoffLimit
        self.activeDeadlineSeconds = activeDeadlineSeconds
        self.ttlSecondsAfterFinished = ttlSecondsAfterFinished
        self.suspend = suspend
        self.cleanPodPolicy = cleanPodPolicy
    }
}

/// Where and why a job was admitted (shared with InferenceService).
public struct Admission: Codable, Sendable, Hashable {
    public var quota: String?
    public var pool: String?
    public var time: Time?
    public var reason: String?
    public var unknownFields: UnknownFields? = nil

    public init(quota: String? = nil, pool: String? = nil, time: Time? = nil, reason: String? = nil) {
        self.quota = quota
        self.pool = pool
        self.time = time
        self.reason = reason
    }
}

public struct ReplicaStatus: Codable, Sendable, Hashable {
    public var name: String
    public var active: Int32?
    public var ready: Int32?
    public var succeeded: Int32?
    public var failed: Int32?
    public var unknownFields: UnknownFields? = nil

    public init(name: String, active: Int32? = nil, ready: Int32? = nil, succeeded: Int32? = nil, failed: Int32? = nil) {
        self.name = name
        self.active = active
        self.ready = ready
        self.succeeded = succeeded
        self.failed = failed
    }
}

public struct TrainingJobStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var phase: TrainingPhase?
    public var admission: Admission?
    public var replicaStatuses: [ReplicaStatus]?
    public var replicas: Int32?
    public var readyReplicas: Int32?
    public var ready: String?
    public var restarts: Int32?
    public var startTime: Time?
    public var completionTime: Time?
    public var conditions: [Condition]?
    public var unknownFields: UnknownFields? = nil

    public init(observedGeneration: Int64? = nil, phase: TrainingPhase? = nil, admission: Admission? = nil,
                replicaStatuses: [ReplicaStatus]? = nil, replicas: Int32? = nil, readyReplicas: Int32? = nil,
                ready: String? = nil, restarts: Int32? = nil, startTime: Time? = nil, completionTime: Time? = nil,
                conditions: [Condition]? = nil) {
        self.observedGeneration = observedGeneration
        self.phase = phase
        self.admission = admission
        self.replicaStatuses = replicaStatuses
        self.replicas = replicas
        self.readyReplicas = readyReplicas
        self.ready = ready
        self.restarts = restarts
        self.startTime = startTime
        self.completionTime = completionTime
        self.conditions = conditions
    }
}

// MARK: - Defaults and validation

extension TrainingJob {
    /// Longest pod/Service name the controller creates, `<job>-<replica>-<index>`: a DNS-1035 label.
    static let maximumPodNameLength = 63

    public mutating func applyDefaults() {
        if spec.priority == nil { spec.priority = 0 }
        if spec.preemptible == nil { spec.preemptible = false }
        if spec.framework == nil { spec.framework = .generic }
        spec.replicas = spec.replicas.map { r in
            var r = r
            if r.count == nil { r.count = 1 }
            if r.restartPolicy == nil { r.restartPolicy = .onFailure }
            return r
        }
        var gang = spec.gang ?? GangPolicy()
        // The whole job is one gang unless told otherwise; a schema default cannot sum the replicas.
        if gang.minMember == nil, spec.totalReplicas > 0 { gang.minMember = Int32(clamping: spec.totalReplicas) }
        if gang.timeoutSeconds == nil { gang.timeoutSeconds = 600 }
        spec.gang = gang
        var run = spec.runPolicy ?? RunPolicy()
        if run.backoffLimit == nil { run.backoffLimit = 3 }
        if run.suspend == nil { run.suspend = false }
        if run.cleanPodPolicy == nil { run.cleanPodPolicy = .running }
        spec.runPolicy = run
        var placement = spec.placement ?? Placement()
        placement.applyDefaults()
        spec.placement = placement
    }

    public func validate() -> FieldErrors {
        var errors = validateTypeMeta()
        // The name starts every pod and Service name of the job.
        errors.checkObjectName(metadata, Self.definition.nameRule)
        if (metadata.namespace ?? "").isEmpty { errors.append(.required(FieldPath("metadata", "namespace"))) }
        let spec = FieldPath("spec")
        errors.checkOptionalName(self.spec.quota, .dns1123Label, spec.child("quota"))
        errors.checkEnum(self.spec.framework, spec.child("framework"))
        let replicasPath = spec.child("replicas")
        if self.spec.replicas.isEmpty { errors.append(.required(replicasPath, "a job needs at least one replica")) }
        let framework = self.spec.framework ?? .generic
        var names = Set<String>()
        var total: Int64 = 0
        var minimums: Int64 = 0
        for (i, r) in self.spec.replicas.enumerated() {
            let p = replicasPath.index(i)
            errors.checkRequiredName(r.name, .dns1035Label, p.child("name"))
            if !r.name.isEmpty, !names.insert(r.name).inserted { errors.append(.duplicate(p.child("name"), .string(r.name))) }
            if let allowed = framework.replicaNames, !r.name.isEmpty, !allowed.contains(r.name) {
                errors.append(.notSupported(p.child("name"), r.name, allowed))
            }
            let count = Int64(r.count ?? 1)
            errors.checkRange(r.count, p.child("count"), min: 1)
            if framework.singletonReplicas.contains(r.name), count != 1 {
                errors.append(.invalid(p.child("count"), .int(count), "must be 1 for the \(r.name) replica of a \(framework) job"))
            }
            if let minCount = r.minCount {
                if minCount < 0 {
                    errors.append(.invalid(p.child("minCount"), .int(Int64(minCount)), "must be greater than or equal to 0"))
                } else if Int64(minCount) > count {
                    errors.append(.invalid(p.child("minCount"), .int(Int64(minCount)), "must be less than or equal to count (\(count))"))
                } else {
                    minimums += Int64(minCount)
                }
            }
            errors.checkEnum(r.restartPolicy, p.child("restartPolicy"))
            if let jobName = metadata.name, !r.name.isEmpty, count >= 1 {
                let longest = "\(jobName)-\(r.name)-\(count - 1)"
                if longest.utf8.count > Self.maximumPodNameLength {
                    errors.append(.invalid(p.child("name"), .string(r.name),
                                           "the pod and Service name \(FieldError.quote(longest)) must be no more than \(Self.maximumPodNameLength) characters"))
                }
            }
            errors += r.template.validate(p.child("template"))
            if count > 0 { total += count }
        }
        if framework == .mpi, !self.spec.replicas.contains(where: { $0.name == "launcher" }) {
            errors.append(.required(replicasPath, "an mpi job needs a launcher replica"))
        }
        if let gang = self.spec.gang {
            let p = spec.child("gang")
            if let m = gang.minMember {
                if m < 1 {
                    errors.append(.invalid(p.child("minMember"), .int(Int64(m)), "must be greater than or equal to 1"))
                } else if Int64(m) > total, total > 0 {
                    errors.append(.invalid(p.child("minMember"), .int(Int64(m)),
                                           "must be less than or equal to the total replicas (\(total))"))
                } else if Int64(m) < minimums {
                    errors.append(.invalid(p.child("minMember"), .int(Int64(m)),
                                           "must be at least the sum of the replicas' minCount (\(minimums))"))
                }
            }
            errors.checkRange(gang.timeoutSeconds, p.child("timeoutSeconds"), min: 1)
        }
        if let run = self.spec.runPolicy {
            let p = spec.child("runPolicy")
            errors.checkRange(run.backoffLimit, p.child("backoffLimit"), min: 0)
            errors.checkRange(run.activeDeadlineSeconds, p.child("activeDeadlineSeconds"), min: 1)
            errors.checkRange(run.ttlSecondsAfterFinished, p.child("ttlSecondsAfterFinished"), min: 0)
            errors.checkEnum(run.cleanPodPolicy, p.child("cleanPodPolicy"))
        }
        if let placement = self.spec.placement { errors += placement.validate(spec.child("placement")) }
        return errors
    }
}
