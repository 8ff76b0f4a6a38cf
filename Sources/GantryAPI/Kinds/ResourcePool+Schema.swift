// The ResourcePool CRD: schema, printer columns, names.

extension ResourcePool {
    public static let definition = KindDefinition(
        descriptor: descriptor,
        nameRule: .dns1123Label,
        shortNames: ["rp", "pool"],
        description:
            "ResourcePool is a group of nodes with one device class and one purpose (an AI partition or resource group): which nodes belong to it, how the scheduler packs pods onto nodes and devices, the thermal limits at which it backs off, the cost and speed used for cost/performance-aware placement, and which workspaces may use it. The pool controller labels member nodes gantry.dev/pool=<name>, applies the pool's taint, and summarises capacity, allocation and temperatures in status.",
        spec: specSchema,
        status: statusSchema,
        printerColumns: [
            PrinterColumn("Class", .string, ".spec.deviceClass", "Device class of the pool's nodes."),
            PrinterColumn("Usage", .string, ".spec.usage", "training, inference or mixed."),
            PrinterColumn("Nodes", .integer, ".status.nodes", "Member nodes."),
            PrinterColumn("Devices", .integer, ".status.devices", "Accelerators on the member nodes."),
            PrinterColumn("Util %", .integer, ".status.utilizationPercent", "Allocated device compute, percent of the pool's total."),
            PrinterColumn("Chip °C", .number, ".status.hottest.chipC", "Hottest chip in the pool."),
            PrinterColumn("Ready", .string, #".status.conditions[?(@.type=="Ready")].status"#,
                          "Whether the pool has ready nodes and is below its hard thermal limits."),
            PrinterColumn("Node Policy", .string, ".spec.policy.node", "Binpack or Spread across nodes.", priority: 1),
            PrinterColumn("Device Policy", .string, ".spec.policy.device", "Binpack or Spread across devices.", priority: 1),
            PrinterColumn("Cost/h", .number, ".spec.costPerDeviceHour", "Cost of one device-hour.", priority: 1),
            .age,
        ],
        validationRules: [
            "metadata.name is a DNS-1123 label (it becomes the gantry.dev/pool node label value).",
            "nodeSelector: keys are qualified names, values label values, operators In, NotIn, Exists or DoesNotExist, with values exactly for In and NotIn.",
            "Every thermal threshold is a temperature between -50 and 200 °C and softC < hardC; staleAfterSeconds ≥ 1.",
            "costPerDeviceHour ≥ 0, performanceFactor > 0; taint key is a qualified name, value a label value, effect known; workspaces are DNS-1123 labels without repeats.",
        ])

    static let threshold = Schema.object("Soft and hard limits for one temperature, in °C.") {
        field("softC", .number(
            "Above this the scheduler scores the device, node or rack down and prefers cooler ones.").range(0, 150))
        field("hardC", .number(
            "Above this the scheduler places nothing new there (filter rejects it as unresolvable); must be above softC.")
            .range(0, 150))
    }

    static let labelSelector = Schema.object(
        "Label query over nodes; a node belongs to the pool when it matches. An empty selector matches every node."
    ) {
        field("matchLabels", .stringMap("Labels a node must have, each key equal to its value."))
        field("matchExpressions", .array(
            "Label requirements; all must hold.",
            of: .object("A label requirement.") {
                field("key", required: true, .string("The label key."))
                field("operator", required: true, .string("In, NotIn, Exists or DoesNotExist.")
                    .oneOf(SelectorOperator.self))
                field("values", .array(
                    "Values for In and NotIn (non-empty); empty for Exists and DoesNotExist.",
                    of: .string("A label value.")).atomic())
            }).atomic())
    }

    static let specSchema = Schema.object("Which nodes form the pool and how work is placed on them.") {
        field("nodeSelector", required: true, labelSelector)
        field("deviceClass", required: true, .string(
            "Device class of the pool: enflame-gcu (Enflame GCUs, whole as enflame.com/gcu or sliced as gantry.dev/vgcu), nvidia-gpu (nvidia.com/gpu), or cpu (no accelerators).")
            .oneOf(DeviceClass.self))
        field("usage", .string(
            "What the pool is for: training (batch jobs), inference (online services, which may preempt preemptible training), or mixed (both; tidal sharing).")
            .oneOf(PoolUsage.self).defaultValue("mixed"))
        field("policy", .object("How pods are packed.") {
            field("node", .string(
                "Binpack fills the fullest nodes first and keeps whole nodes free for big gangs; Spread prefers the emptiest nodes for resilience and cooler racks.")
                .oneOf(PackingPolicy.self).defaultValue("Binpack"))
            field("device", .string(
                "Binpack puts slices on the fullest devices of a node, keeping whole devices free; Spread uses the emptiest devices first.")
                .oneOf(PackingPolicy.self).defaultValue("Binpack"))
            field("fragmentationAware", .boolean(
                "Score placements by how well the remaining free capacity still fits the common slice shapes, so small jobs do not strand capacity big jobs need.")
                .defaultValue(true))
        }.defaultValue([:]))
        field("thermal", .object(
            "Thermal limits the scheduler honours: chip from DeviceSlice device temperatures, chassis from DeviceSlice chassisTemperatureC, rack from status.racks or the node annotation gantry.dev/rack-temperature."
        ) {
            field("chip", threshold)
            field("chassis", threshold)
            field("rack", threshold)
            field("staleAfterSeconds", .int32(
                "A DeviceSlice whose heartbeat is older than this is Stale: its temperatures are not trusted and the node takes no new work.")
                .minimum(1).defaultValue(120))
        }.defaultValue([:]))
        field("costPerDeviceHour", .number(
            "Cost of one device-hour in the pool, in any currency used consistently across pools; Cost-objective placement prefers cheaper pools.")
            .minimum(0))
        field("performanceFactor", .number(
            "Relative speed of the pool's devices (1 = reference device); Performance-objective placement prefers faster pools.")
            .minimum(0, exclusive: true).defaultValue(1))
        field("taint", .object(
            "A taint the pool controller puts on every member node, so only pods that tolerate it (Gantry adds the toleration to pods admitted to the pool) run there."
        ) {
            field("key", required: true, .string("Taint key, e.g. gantry.dev/pool."))
            field("value", .string("Taint value, e.g. the pool name."))
            field("effect", required: true, .string("NoSchedule, PreferNoSchedule or NoExecute.").oneOf(TaintEffect.self))
        })
        field("workspaces", .array(
            "Workspaces whose jobs may run in the pool; empty means every workspace.",
            of: .string("A Workspace name.").dnsLabel()).listSet())
    }

    static let statusSchema = Schema.object("Capacity, allocation and temperatures of the pool, written by the pool controller.") {
        field("observedGeneration", Schema.observedGeneration)
        field("nodes", .int32("Nodes matching nodeSelector.").minimum(0))
        field("readyNodes", .int32("Member nodes that are Ready with a fresh DeviceSlice.").minimum(0))
        field("devices", .int32("Accelerators on member nodes.").minimum(0))
        field("healthyDevices", .int32("Healthy accelerators on member nodes.").minimum(0))
        field("capacity", .resourceList("Total of each resource on member nodes (devices in whole-device and vGCU units, cpu, memory)."))
        field("allocated", .resourceList("Resources allocated to pods on member nodes."))
        field("free", .resourceList("capacity minus allocated, on healthy, non-stale devices below the hard thermal limits."))
        field("utilizationPercent", .int32("Allocated device compute as percent of the pool's total.").range(0, 100))
        field("hottest", .object("The hottest readings in the pool.") {
            field("chipC", .number("Hottest chip temperature, °C."))
            field("chassisC", .number("Hottest chassis temperature, °C."))
            field("rackC", .number("Hottest rack temperature, °C."))
        })
        field("racks", .array(
            "Rack temperatures, from a facility sensor integration or folded from member nodes' gantry.dev/rack-temperature annotations.",
            of: .object("A rack reading.") {
                field("name", required: true, .string("Rack name, as in the nodes' topology.gantry.dev/rack label."))
                field("temperatureC", .number("Rack inlet temperature, °C."))
                field("time", .time("When the reading was taken."))
            }).listMap("name"))
        field("conditions", Schema.conditions(ConditionType.resourcePool))
    }
}

/// Label selector operators, for the schema enum.
struct SelectorOperator: APIEnum {
    var rawValue: String
    init(rawValue: String) { self.rawValue = rawValue }
    static let allCases: [SelectorOperator] = ["In", "NotIn", "Exists", "DoesNotExist"]
}
