// The gantry.dev API group: its coordinates and what every Gantry kind offers beyond KubeResource
// (a schema description, defaulting and validation), so generators and tests can treat all six alike.

import KubeCore

public enum GantryAPI {
    public static let group = "gantry.dev"
    public static let version = "v1alpha1"
    public static let apiVersion = "\(group)/\(version)"
    /// `kubectl get gantry` lists every Gantry object.
    public static let category = "gantry"

    /// Every kind of the group, in the order the docs present them.
    public static let kinds: [any GantryResource.Type] = [
        Workspace.self, Quota.self, TrainingJob.self, InferenceService.self, ResourcePool.self, DeviceSlice.self,
    ]

    static func descriptor(kind: String, plural: String, namespaced: Bool) -> ResourceDescriptor {
        ResourceDescriptor(group: group, version: version, kind: kind, plural: plural, namespaced: namespaced)
    }
}

/// A kind of the gantry.dev group.
public protocol GantryResource: KubeResource, Equatable {
    /// Everything `make manifests` needs to write this kind's CRD and reference docs.
    static var definition: KindDefinition { get }
    var apiVersion: String? { get set }
    var kind: String? { get set }

    /// Fills unset fields with their documented defaults: the schema's `default`s plus the ones that depend
    /// on other fields (which a schema cannot express). Idempotent.
    mutating func applyDefaults()

    /// Every rule the object breaks, beyond what the schema already rejects, each naming its field path.
    /// Runs on a defaulted or undefaulted object alike and never traps, whatever the object holds.
    func validate() -> FieldErrors
}

extension GantryResource {
    /// A defaulted copy.
    public func defaulted() -> Self {
        var copy = self
        copy.applyDefaults()
        return copy
    }

    /// Sets `apiVersion` and `kind` from the descriptor (they are optional so decoding never fails on them).
    public mutating func setTypeMeta() {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
    }

    /// Checks the type meta too: a controller handed the wrong kind should say so rather than misread it.
    func validateTypeMeta() -> FieldErrors {
        var errors = FieldErrors()
        if let apiVersion, apiVersion != Self.descriptor.apiVersion {
            errors.append(.notSupported(.init("apiVersion"), apiVersion, [Self.descriptor.apiVersion]))
        }
        if let kind, kind != Self.descriptor.kind {
            errors.append(.notSupported(.init("kind"), kind, [Self.descriptor.kind]))
        }
        return errors
    }
}
