// Validation tables for ResourcePool and DeviceSlice: thermal thresholds, selectors, taints, device
// inventories and the allocation status the pool controller writes.

import KubeCore
import Testing

@testable import GantryAPI

struct ResourcePoolValidationTests {
    static let cases: [ValidationCase<ResourcePool>] = [
        .init("soft above hard", [
            "spec.thermal.chip.softC: Invalid value: 95: must be less than hardC (85): the soft limit is where the scheduler starts avoiding the device",
        ]) { $0.spec.thermal?.chip = ThermalThreshold(softC: 95, hardC: 85) },
        .init("soft equal to hard", [
            "spec.thermal.chassis.softC: Invalid value: 70: must be less than hardC (70): the soft limit is where the scheduler starts avoiding the device",
        ]) { $0.spec.thermal?.chassis = ThermalThreshold(softC: 70, hardC: 70) },
        .init("fractional thresholds", [
            "spec.thermal.rack.softC: Invalid value: 35.5: must be less than hardC (35): the soft limit is where the scheduler starts avoiding the device",
        ]) { $0.spec.thermal?.rack = ThermalThreshold(softC: 35.5, hardC: 35) },
        .init("temperature in the wrong unit", ["spec.thermal.chip.hardC: Invalid value: 203: must be a temperature in °C between -50 and 200"]) {
            $0.spec.thermal?.chip?.hardC = 203
        },
        .init("only a hard limit", []) { $0.spec.thermal?.chip = ThermalThreshold(hardC: 95) },
        .init("stale window zero", ["spec.thermal.staleAfterSeconds: Invalid value: 0: must be greater than or equal to 1"]) {
            $0.spec.thermal?.staleAfterSeconds = 0
        },
        .init("In without values", ["spec.nodeSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]) {
            $0.spec.nodeSelector.matchExpressions?[0].values = []
        },
        .init("Exists with values", ["spec.nodeSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]) {
            $0.spec.nodeSelector.matchExpressions?[0].operator = .exists
        },
        .init("unknown operator", [#"spec.nodeSelector.matchExpressions[0].operator: Unsupported value: "Equals": supported values: "In", "NotIn", "Exists", "DoesNotExist""#]) {
            $0.spec.nodeSelector.matchExpressions?[0].operator = LabelSelectorOperator(rawValue: "Equals")
        },
        .init("label key with two slashes", [
            #"spec.nodeSelector.matchLabels: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"#,
        ]) { $0.spec.nodeSelector.matchLabels = ["a/b/c": "x"] },
        .init("label key with an empty prefix", [#"spec.nodeSelector.matchLabels: Invalid value: "/gpu": prefix part must be non-empty"#]) {
            $0.spec.nodeSelector.matchLabels = ["/gpu": "x"]
        },
        .init("negative cost", ["spec.costPerDeviceHour: Invalid value: -1: must be greater than or equal to 0"]) { $0.spec.costPerDeviceHour = -1 },
        .init("zero performance", ["spec.performanceFactor: Invalid value: 0: must be greater than 0"]) { $0.spec.performanceFactor = 0 },
        .init("not-a-number performance", [#"spec.performanceFactor: Invalid value: "nan": must be greater than 0"#]) {
            $0.spec.performanceFactor = .nan
        },
        .init("unknown taint effect", [#"spec.taint.effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute""#]) {
            $0.spec.taint?.effect = "Sometimes"
        },
        .init("unknown device class", [#"spec.deviceClass: Unsupported value: "tpu": supported values: "enflame-gcu", "nvidia-gpu", "cpu""#]) {
            $0.spec.deviceClass = "tpu"
        },
        .init("unknown packing", [#"spec.policy.node: Unsupported value: "Pack": supported values: "Binpack", "Spread""#]) { $0.spec.policy?.node = "Pack" },
        .init("workspace twice", [#"spec.workspaces[1]: Duplicate value: "vision""#]) { $0.spec.workspaces?.append("vision") },
    ]

    @Test(arguments: cases) func rule(_ c: ValidationCase<ResourcePool>) { c.check(Fixtures.resourcePool) }

    @Test func defaults() {
        let p = ResourcePool(name: "p", spec: ResourcePoolSpec(nodeSelector: LabelSelector(), deviceClass: .nvidiaGPU)).defaulted()
        #expect(p.spec.usage == .mixed)
        #expect(p.spec.policy == PoolPolicy(node: .binpack, device: .binpack, fragmentationAware: true))
        #expect(p.spec.thermal == ThermalPolicy(staleAfterSeconds: 120))
        #expect(p.spec.performanceFactor == 1)
        #expect(DeviceClass.nvidiaGPU.wholeDeviceResource == ResourceName.nvidiaGPU && DeviceClass.cpu.vendor == nil)
    }
}

struct DeviceSliceValidationTests {
    static let cases: [ValidationCase<DeviceSlice>] = [
        .init("named after another node", [#"spec.node: Invalid value: "gcu-node-2": must equal metadata.name ("gcu-node-1"): a DeviceSlice is named after its node"#]) {
            $0.spec.node = "gcu-node-2"
        },
        .init("device twice", [#"spec.devices[1].id: Duplicate value: "gcu-0""#]) {
            $0.spec.devices?.append(Device(id: "gcu-0", index: 1))
        },
        .init("index twice", ["spec.devices[1].index: Duplicate value: 0"]) { $0.spec.devices?.append(Device(id: "gcu-1", index: 0)) },
        .init("id with a comma", [#"spec.devices[0].id: Invalid value: "gcu,0": must not contain ',' or spaces"#, #"status.devices[0].id: Invalid value: "gcu-0": is not the id of a device in spec.devices"#]) {
            $0.spec.devices?[0].id = "gcu,0"
        },
        .init("empty id", ["spec.devices[0].id: Required value", #"status.devices[0].id: Invalid value: "gcu-0": is not the id of a device in spec.devices"#]) {
            $0.spec.devices?[0].id = ""
        },
        .init("no compute", ["spec.devices[0].cores: Invalid value: 0: must be greater than or equal to 1"]) { $0.spec.devices?[0].cores = 0 },
        .init("more slices than percent", ["spec.devices[0].maxSlices: Invalid value: 8: must not exceed cores (4): every slice needs at least 1 percent of the device"]) {
            $0.spec.devices?[0].cores = 4
            $0.spec.devices?[0].maxSlices = 8
            $0.status?.devices?[0].allocatedCores = 4
        },
        .init("negative memory", ["spec.devices[0].memoryMiB: Invalid value: -1: must be greater than or equal to 0"]) {
            $0.spec.devices?[0].memoryMiB = -1
            $0.status?.devices?[0].allocatedMemoryMiB = nil
        },
        .init("unknown health", [#"spec.devices[0].health: Unsupported value: "Degraded": supported values: "Healthy", "Unhealthy""#]) {
            $0.spec.devices?[0].health = "Degraded"
        },
        .init("vendor in capitals", [#"spec.devices[0].vendor: Invalid value: "Enflame": "# + dns1123LabelRule]) { $0.spec.devices?[0].vendor = "Enflame" },
        .init("impossible chip temperature", [#"spec.devices[0].temperatureC: Invalid value: "inf": must be a temperature in °C between -50 and 200"#]) {
            $0.spec.devices?[0].temperatureC = .infinity
        },
        .init("allocation on an unknown device", [#"status.devices[0].id: Invalid value: "gcu-9": is not the id of a device in spec.devices"#]) {
            $0.status?.devices?[0].id = "gcu-9"
        },
        .init("over-allocated cores", ["status.devices[0].allocatedCores: Invalid value: 120: must be less than or equal to 100"]) {
            $0.status?.devices?[0].allocatedCores = 120
        },
        .init("over-allocated memory", ["status.devices[0].allocatedMemoryMiB: Invalid value: 50000: must be between 0 and the device's memoryMiB (49152)"]) {
            $0.status?.devices?[0].allocatedMemoryMiB = 50000
        },
        .init("more slices than allowed", ["status.devices[0].slices: Invalid value: 5: must be less than or equal to 4"]) {
            $0.status?.devices?[0].slices = 5
        },
    ]

    @Test(arguments: cases) func rule(_ c: ValidationCase<DeviceSlice>) { c.check(Fixtures.deviceSlice) }

    @Test func defaultsAreWholeHealthyUnsplitDevices() {
        let s = DeviceSlice(node: "n", spec: DeviceSliceSpec(node: "n", devices: [Device(id: "d", index: 0)])).defaulted()
        #expect(s.spec.devices?[0] == Device(id: "d", index: 0, cores: 100, maxSlices: 1, health: .healthy))
    }
}
