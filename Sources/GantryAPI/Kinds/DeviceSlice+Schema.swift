// The DeviceSlice CRD: schema, printer columns, names. `kubectl get deviceslices` is the fleet's device
// dashboard, so the columns answer "how full and how hot is each node".

extension DeviceSlice {
    public static let definition = KindDefinition(
        descriptor: descriptor,
        nameRule: .dns1123Subdomain,
        shortNames: ["dslice", "gds"],
        description:
            "DeviceSlice is one node's accelerator inventory, named after the node. The node agent publishes the devices, their health and temperatures, and a heartbeat (spec); the pool controller records what is allocated on each device and to which pods (status), from the gantry.dev/devices annotations the scheduler extender writes at bind.",
        spec: specSchema,
        status: statusSchema,
        printerColumns: [
            PrinterColumn("Node", .string, ".spec.node", "The node the devices belong to."),
            PrinterColumn("Devices", .integer, ".status.deviceCount", "Number of devices on the node."),
            PrinterColumn("Healthy", .integer, ".status.healthyDevices", "Devices reported Healthy."),
            PrinterColumn("Cores", .integer, ".status.allocatedCores",
                          "Allocated compute in percent points summed over devices (100 = one whole device)."),
            PrinterColumn("Memory MiB", .integer, ".status.allocatedMemoryMiB", "Allocated device memory in MiB."),
            PrinterColumn("Hottest °C", .number, ".status.hottestC", "Hottest chip temperature on the node."),
            PrinterColumn("Ready", .string, #".status.conditions[?(@.type=="Ready")].status"#,
                          "Fresh heartbeat, healthy devices and below the hard thermal limits."),
            PrinterColumn("Model", .string, ".spec.devices[0].model", "Model of the first device.", priority: 1),
            PrinterColumn("Heartbeat", .date, ".spec.heartbeatTime", "Last report of the node agent.", priority: 1),
            .age,
        ],
        validationRules: [
            "metadata.name is a DNS-1123 subdomain equal to spec.node.",
            "Device ids are non-empty, unique and free of ',' and spaces (they are written into gantry.dev/devices); indexes unique and ≥ 0; vendor a DNS-1123 label.",
            "memoryMiB ≥ 0, cores 1..100, maxSlices ≥ 1 and ≤ cores; temperatures between -50 and 200 °C.",
            "status: each allocation names a device of spec.devices once, with allocatedCores ≤ its cores, allocatedMemoryMiB ≤ its memoryMiB and slices ≤ its maxSlices.",
        ])

    static let specSchema = Schema.object("The node's devices as the node agent last reported them.") {
        field("node", required: true, .string("Name of the node; equal to metadata.name.").dnsSubdomain())
        field("devices", .array(
            "The node's accelerators, one entry per physical device.",
            of: .object("A physical accelerator.") {
                field("id", required: true, .string(
                    "Stable device identifier, unique on the node (a UUID or PCI address). Used in pods' gantry.dev/devices annotations, so it may not contain ',' or spaces.")
                    .minLength(1).maxLength(128).pattern("^[^, ]+$"))
                field("index", required: true, .int32("Device index on the node as the driver numbers it (/dev/gcu<index>).").minimum(0))
                field("vendor", .string("Vendor, lower case: enflame, nvidia.").dnsLabel())
                field("model", .string("Device model, e.g. S60, T20, A100-80GB.").maxLength(128))
                field("memoryMiB", .int64("Device memory in MiB.").minimum(0))
                field("cores", .int32(
                    "Compute of the device in percent that may be handed out; 100 is the whole device. Less than 100 reserves the rest.")
                    .range(1, 100).defaultValue(100))
                field("maxSlices", .int32(
                    "How many virtual devices (gantry.dev/vgcu) the device may be split into at most; 1 means it is only used whole.")
                    .minimum(1).defaultValue(1))
                field("health", .string("Healthy devices take new work; Unhealthy ones are skipped by the scheduler.")
                    .oneOf(DeviceHealth.self).defaultValue("Healthy"))
                field("temperatureC", .number("Chip temperature in °C at the last report.").range(-50, 200))
            }
        ).listMap("id"))
        field("chassisTemperatureC", .number("Chassis (board) temperature of the node in °C at the last report.").range(-50, 200))
        field("heartbeatTime", .time(
            "When the node agent last reported. The slice is Stale once this is older than its pool's thermal.staleAfterSeconds."))
    }

    static let statusSchema = Schema.object("What is allocated on the node's devices, written by the pool controller.") {
        field("observedGeneration", Schema.observedGeneration)
        field("devices", .array(
            "Allocation per device, for devices with something allocated.",
            of: .object("Allocations on one device.") {
                field("id", required: true, .string("The device's id in spec.devices."))
                field("allocatedCores", .int32("Percent of the device's compute allocated.").range(0, 100))
                field("allocatedMemoryMiB", .int64("Device memory allocated in MiB.").minimum(0))
                field("slices", .int32("Virtual devices currently carved from the device.").minimum(0))
                field("pods", .array("Pods holding a share of the device, as <namespace>/<name>.",
                                     of: .string("A pod as <namespace>/<name>.")).listSet())
            }
        ).listMap("id"))
        field("deviceCount", .int32("Number of devices in spec.devices.").minimum(0))
        field("healthyDevices", .int32("Number of Healthy devices.").minimum(0))
        field("allocatedCores", .int32("Allocated compute summed over devices, in percent points.").minimum(0))
        field("allocatedMemoryMiB", .int64("Allocated device memory summed over devices, in MiB.").minimum(0))
        field("hottestC", .number("Highest chip temperature in spec.devices, in °C."))
        field("conditions", Schema.conditions(ConditionType.deviceSlice))
    }
}
