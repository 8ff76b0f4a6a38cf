// InferenceService: an online model server: the model, a runtime pod template, replica bounds and
// autoscaling, an optional canary with a traffic share, quota, priority and placement. The scale
// subresource lets `kubectl scale` and a HorizontalPodAutoscaler drive spec.replicas. Namespaced.

import KubeCore

public struct InferenceService: GantryResource {
    public static let descriptor = GantryAPI.descriptor(kind: "InferenceService", plural: "inferenceservices", namespaced: true)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: InferenceServiceSpec
    public var status: InferenceServiceStatus?
    public var unknownFields: UnknownFields? = nil

    public init(namespace: String, name: String, spec: InferenceServiceSpec, status: InferenceServiceStatus? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        metadata = ObjectMeta(name: name, namespace: namespace)
        self.spec = spec
        self.status = status
    }
}

public struct ScalingMetric: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let concurrency: Self = "concurrency"
    public static let qps: Self = "qps"
    public static let queueDepth: Self = "queueDepth"
    public static let tokensPerSecond: Self = "tokensPerSecond"
    public static let allCases: [Self] = [.concurrency, .qps, .queueDepth, .tokensPerSecond]
}

public struct InferenceServiceSpec: Codable, Sendable, Hashable {
    public var quota: String?
    public var priority: Int32?
    public var model: ModelSpec
    public var runtime: PodTemplateSpec
    public var replicas: Int32?
    public var minReplicas: Int32?
    public var maxReplicas: Int32
    public var autoscaling: Autoscaling?
    public var canary: Canary?
    public var placement: Placement?
    public var unknownFields: UnknownFields? = nil

    public init(quota: String? = nil, priority: Int32? = nil, model: ModelSpec, runtime: PodTemplateSpec,
                replicas: Int32? = nil, minReplicas: Int32? = nil, maxReplicas: Int32, autoscaling: Autoscaling? = nil,
                canary: Canary? = nil, placement: Placement? = nil) {
        self.quota = quota
        self.priority = priority
        self.model = model
        self.runtime = runtime
        self.replicas = replicas
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.autoscaling = autoscaling
        self.canary = canary
        self.placement = placement
    }

    /// The replica count the controller runs: spec.replicas (or minReplicas) clamped to [minReplicas, maxReplicas].
    public var effectiveReplicas: Int32 {
        let lo = max(minReplicas ?? 1, 0)
        let hi = max(maxReplicas, lo)
        return min(max(replicas ?? lo, lo), hi)
    }
}

public struct ModelSpec: Codable, Sendable, Hashable {
    public var uri: String
    public var format: String?
    public var name: String?
    public var unknownFields: UnknownFields? = nil

    public init(uri: String, format: String? = nil, name: String? = nil) {
        self.uri = uri
        self.format = format
        self.name = name
    }

    /// URI schemes the model puller understands.
    public static let schemes = ["hf", "s3", "gs", "pvc", "oci", "https", "http"]
}

public struct Autoscaling: Codable, Sendable, Hashable {
    public var metric: ScalingMetric?
    public var target: Int32
    public var scaleDownDelaySeconds: Int32?
    public var unknownFields: UnknownFields? = nil

    public init(metric: ScalingMetric? = nil, target: Int32, scaleDownDelaySeconds: Int32? = nil) {
        self.metric = metric
        self.target = target
        self.scaleDownDelaySeconds = scaleDownDelaySeconds
    }
}

public struct Canary: Codable, Sendable, Hashable {
    public var template: PodTemplateSpec?
    public var trafficPercent: Int32?
    public var replicas: Int32?
    public var unknownFields: UnknownFields? = nil

    public init(template: PodTemplateSpec? = nil, trafficPercent: Int32? = nil, replicas: Int32? = nil) {
        self.template = template
        self.trafficPercent = trafficPercent
        self.replicas = replicas
    }
}

/// One revision (stable or canary) of the service.
public struct RevisionStatus: Codable, Sendable, Hashable {
    public var revision: String?
    public var replicas: Int32?
    public var readyReplicas: Int32?
    public var trafficPercent: Int32?
    public var unknownFields: UnknownFields? = nil

    public init(revision: String? = nil, replicas: Int32? = nil, readyReplicas: Int32? = nil, trafficPercent: Int32? = nil) {
        self.revision = revision
        self.replicas = replicas
        self.readyReplicas = readyReplicas
        self.trafficPercent = trafficPercent
    }
}

public struct InferenceServiceStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var replicas: Int32?
    public var readyReplicas: Int32?
    public var selector: String?
    public var url: String?
    public var stable: RevisionStatus?
    public var canary: RevisionStatus?
    public var admission: Admission?
    public var conditions: [Condition]?
    public var unknownFields: UnknownFields? = nil

    public init(observedGeneration: Int64? = nil, replicas: Int32? = nil, readyReplicas: Int32? = nil,
                selector: String? = nil, url: String? = nil, stable: RevisionStatus? = nil, canary: RevisionStatus? = nil,
                admission: Admission? = nil, conditions: [Condition]? = nil) {
        self.observedGeneration = observedGeneration
        self.replicas = replicas
        self.readyReplicas = readyReplicas
        self.selector = selector
        self.url = url
        self.stable = stable
        self.canary = canary
        self.admission = admission
        self.conditions = conditions
    }
}

// MARK: - Defaults and validation

extension InferenceService {
    /// Online serving outranks training (TrainingJob priority defaults to 0).
    public static let defaultPriority: Int32 = 100
    static let canaryServiceSuffix = "-canary"

    public mutating func applyDefaults() {
        if spec.priority == nil { spec.priority = Self.defaultPriority }
        if spec.minReplicas == nil { spec.minReplicas = 1 }
        if spec.replicas == nil { spec.replicas = spec.minReplicas }
        if var a = spec.autoscaling {
            if a.metric == nil { a.metric = .concurrency }
            if a.scaleDownDelaySeconds == nil { a.scaleDownDelaySeconds = 300 }
            spec.autoscaling = a
        }
        if var c = spec.canary {
            if c.replicas == nil { c.replicas = 1 }
            spec.canary = c
        }
        var placement = spec.placement ?? Placement()
        placement.applyDefaults()
        spec.placement = placement
    }

    public func validate() -> FieldErrors {
        var errors = validateTypeMeta()
        // The name is the Service name.
        errors.checkObjectName(metadata, Self.definition.nameRule)
        if (metadata.namespace ?? "").isEmpty { errors.append(.required(FieldPath("metadata", "namespace"))) }
        let spec = FieldPath("spec")
        errors.checkOptionalName(self.spec.quota, .dns1123Label, spec.child("quota"))
        errors += Self.validateModel(self.spec.model, spec.child("model"))
        errors += self.spec.runtime.validate(spec.child("runtime"))

        errors.checkRange(self.spec.replicas, spec.child("replicas"), min: 0)
        let minReplicas = self.spec.minReplicas ?? 1
        errors.checkRange(self.spec.minReplicas, spec.child("minReplicas"), min: 0)
        errors.checkRange(self.spec.maxReplicas, spec.child("maxReplicas"), min: 1)
        if minReplicas > self.spec.maxReplicas, self.spec.maxReplicas >= 1 {
            errors.append(.invalid(spec.child("minReplicas"), .int(Int64(minReplicas)),
                                   "must be less than or equal to maxReplicas (\(self.spec.maxReplicas))"))
        }
        if minReplicas == 0, self.spec.autoscaling == nil {
            errors.append(.invalid(spec.child("minReplicas"), .int(0),
                                   "scaling to zero needs spec.autoscaling to scale back up"))
        }
        if let a = self.spec.autoscaling {
            let p = spec.child("autoscaling")
            errors.checkEnum(a.metric, p.child("metric"))
            errors.checkRange(a.target, p.child("target"), min: 1)
            errors.checkRange(a.scaleDownDelaySeconds, p.child("scaleDownDelaySeconds"), min: 0)
        }
        if let c = self.spec.canary {
            let p = spec.child("canary")
            if let t = c.template {
                errors += t.validate(p.child("template"))
            } else {
                errors.append(.required(p.child("template"), "a canary runs its own pod template"))
            }
            if let percent = c.trafficPercent {
                errors.checkRange(percent, p.child("trafficPercent"), min: 0, max: 100)
            } else {
                errors.append(.required(p.child("trafficPercent"), "the share of requests the canary receives, 0 to 100"))
            }
            errors.checkRange(c.replicas, p.child("replicas"), min: 1)
            if let name = metadata.name, name.utf8.count + Self.canaryServiceSuffix.utf8.count > 63 {
                errors.append(.invalid(FieldPath("metadata", "name"), .string(name),
                                       "must be no more than \(63 - Self.canaryServiceSuffix.utf8.count) characters when a canary is set, so that the Service \(name)\(Self.canaryServiceSuffix) is a valid name"))
            }
        }
        if let placement = self.spec.placement { errors += placement.validate(spec.child("placement")) }
        return errors
    }

    static func validateModel(_ m: ModelSpec, _ path: FieldPath) -> FieldErrors {
        var errors = FieldErrors()
        if m.uri.isEmpty {
            errors.append(.required(path.child("uri")))
        } else if let colon = m.uri.range(of: "://"), ModelSpec.schemes.contains(String(m.uri[..<colon.lowerBound])),
            colon.upperBound < m.uri.endIndex, !m.uri.contains(" ")
        {
            // scheme://rest, rest non-empty
        } else {
            errors.append(.invalid(path.child("uri"), .string(m.uri),
                                   "must be a URI with one of the schemes " + ModelSpec.schemes.map { "\($0)://" }.joined(separator: ", ")))
        }
        if let format = m.format { errors.checkName(format, .dns1123Label, path.child("format")) }
        return errors
    }
}
