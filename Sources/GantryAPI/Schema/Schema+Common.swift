// Schema pieces several kinds share: conditions, observedGeneration, placement, pod templates.

extension Schema {
    /// metav1.Condition, as a list keyed by `type`.
    static func conditions(_ types: [String]) -> Schema {
        let list = types.map { "`\($0)`" }.joined(separator: ", ")
        return .array(
            "Current state of the object as standard Kubernetes conditions, one per type (\(list)). A condition is current only when its observedGeneration equals metadata.generation.",
            of: .object("A condition of the object (meta/v1 Condition).") {
                field("type", required: true, .string(
                    "Type of condition in CamelCase, unique in the list.")
                    .maxLength(316)
                    .pattern(#"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"#))
                field("status", required: true, .string("Whether the condition holds: True, False or Unknown.")
                    .oneOf(ConditionStatusValue.self))
                field("observedGeneration", .int64(
                    "The metadata.generation the condition was computed from; older than metadata.generation means the condition may be stale.")
                    .minimum(0))
                field("lastTransitionTime", .time("When the condition last changed status (not when it was last checked)."))
                field("reason", .string(
                    "Machine-readable CamelCase reason for the last transition; stable values are listed in docs/api.md.")
                    .maxLength(1024).pattern(#"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"#))
                field("message", .string("Human-readable details; for a pending job this says why it is pending.")
                    .maxLength(32768))
            }
        ).listMap("type")
    }

    static let observedGeneration = Schema.int64(
        "The metadata.generation the controller last acted on. Status reflects the current spec only when this equals metadata.generation."
    ).minimum(0)

    /// Where a job's pods may run and what the scheduler optimises for.
    static let placement = Schema.object(
        "Constraints and preferences for where the pods run. Unset fields leave the choice to the scheduler within the pools the workspace may use."
    ) {
        field("pools", .array(
            "ResourcePools the pods may run in, by name. Empty means any pool the job's workspace may use. Admission picks the first pool, in this order, that can place the whole gang.",
            of: .string("Name of a ResourcePool.").dnsLabel()).listSet())
        field("objective", .string(
            "What placement optimises: Cost prefers the pool with the lowest costPerDeviceHour, Performance the highest performanceFactor, Balanced weighs both.")
            .oneOf(PlacementObjective.self).defaultValue("Balanced"))
        field("deviceModels", .array(
            "Acceptable device models (DeviceSlice spec.devices[].model, e.g. S60, A100-80GB). Empty accepts any model of the pool's device class.",
            of: .string("A device model name.").minLength(1).maxLength(128)).listSet())
    }

    /// A PodTemplateSpec, pruned-but-open: metadata labels and annotations, containers with name, image and
    /// resources are typed (validated, explained by kubectl); the rest of the pod spec is kept as written and
    /// validated by the API server when the controller creates the pods. See docs/api.md "Pod templates".
    static func podTemplate(_ description: String) -> Schema {
        .object(description) {
            field("metadata", .object(
                "Labels and annotations copied onto every pod created from this template. Other metadata fields are dropped: the controller names the pods.") {
                    field("labels", .stringMap("Labels for the pods. Keys under gantry.dev/ are reserved for Gantry's controllers."))
                    field("annotations", .stringMap(
                        "Annotations for the pods. Set sim.gantry.dev/duration (e.g. \"90s\") and sim.gantry.dev/exit-code to make the dev cluster's kubelet simulator finish the pod."))
                })
            field("spec", required: true, Schema.object(
                "The pod spec (core/v1 PodSpec). containers are checked here; every other PodSpec field is accepted as written and validated by the API server when the pods are created.") {
                    field("containers", required: true, Schema.array(
                        "The pod's containers; at least one.",
                        of: Schema.object("A container (core/v1 Container); fields beyond name, image and resources are kept as written.") {
                            field("name", required: true, .string("Container name, a DNS-1123 label unique in the pod.").dnsLabel())
                            field("image", .string("Container image reference."))
                            field("resources", .object(
                                "Compute resources. Request accelerators here: gantry.dev/vgcu (virtual GCUs, each on a distinct device), gantry.dev/vgcu-cores (percent of a device per vGCU, 1..100), gantry.dev/vgcu-memory (MiB of device memory per vGCU), or whole devices as enflame.com/gcu / nvidia.com/gpu.") {
                                    field("limits", .resourceList("Maximum amount of each resource; for extended resources such as gantry.dev/vgcu, limits and requests must be equal."))
                                    field("requests", .resourceList("Amount of each resource the scheduler reserves."))
                                }.keepUnknownFields())
                        }.keepUnknownFields()
                    ).minItems(1).listMap("name"))
                }.keepUnknownFields())
        }
    }
}

/// The values of a condition's status, for the schema enum.
struct ConditionStatusValue: APIEnum {
    var rawValue: String
    init(rawValue: String) { self.rawValue = rawValue }
    static let allCases: [ConditionStatusValue] = ["True", "False", "Unknown"]
}
