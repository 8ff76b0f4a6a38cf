// Builders shared by the scheduling tests: small clusters with named devices and a fixed clock.

import Foundation
@testable import GantryScheduling

let t0 = Date(timeIntervalSince1970: 1_800_000_000)
let GiB: Int64 = 1 << 30

func device(_ node: String, _ i: Int, model: String = "S60", vendor: String = "enflame", memoryMiB: Int = 48_000,
            maxSlices: Int = 6, healthy: Bool = true, celsius: Double? = nil, at time: Date = t0) -> DeviceSpec {
    DeviceSpec(id: "\(node)-gcu\(i)", index: i, vendor: vendor, model: model, memoryMiB: memoryMiB, cores: 100,
               maxSlices: maxSlices, healthy: healthy,
               temperature: celsius.map { TemperatureReading(celsius: $0, observedAt: time) })
}

func node(_ name: String, cpu: Int64 = 64_000, memory: Int64 = 256 * GiB, devices n: Int = 8, model: String = "S60",
          vendor: String = "enflame", pool: String? = nil, rack: String? = nil, maxPods: Int = 110,
          maxSlices: Int = 6) -> NodeSpec {
    NodeSpec(name: name, cpuMilli: cpu, memoryBytes: memory, maxPods: maxPods, pool: pool, rack: rack,
             devices: (0..<n).map { device(name, $0, model: model, vendor: vendor, maxSlices: maxSlices) })
}

func slices(_ count: Int, _ cores: Int, memoryMiB: Int? = nil, cpu: Int64 = 1000, memory: Int64 = GiB,
            models: Set<String>? = nil) -> PodRequest {
    PodRequest(cpuMilli: cpu, memoryBytes: memory, slices: SliceRequest(count: count, cores: cores, memoryMiB: memoryMiB),
               allowedModels: models)
}

func whole(_ count: Int, vendor: String? = nil, cpu: Int64 = 1000, memory: Int64 = GiB, models: Set<String>? = nil) -> PodRequest {
    PodRequest(cpuMilli: cpu, memoryBytes: memory, wholeDevices: [WholeDeviceRequest(count: count, vendor: vendor)],
               allowedModels: models)
}

extension DeviceLedger {
    /// Places a slice pod on specific device positions (for setting up partly used devices).
    mutating func occupy(_ id: String, node: String, positions: [Int], cores: Int, cpu: Int64 = 0) throws {
        var m = DeviceMask()
        for p in positions { m.insert(p) }
        try allocate(id, request: PodRequest(cpuMilli: cpu, slices: SliceRequest(count: positions.count, cores: cores)),
                     on: node, assignment: DeviceAssignment(slices: m))
    }

    /// Checks every capacity invariant; returns the violations found.
    func violations() -> [String] {
        var out: [String] = []
        for n in nodes where n.active {
            if n.cpuUsed > n.spec.cpuMilli { out.append("\(n.name) cpu \(n.cpuUsed) > \(n.spec.cpuMilli)") }
            if n.memoryUsed > n.spec.memoryBytes { out.append("\(n.name) memory over") }
            if n.podsUsed > n.spec.maxPods { out.append("\(n.name) pods over") }
            for (i, d) in n.devices.enumerated() {
                if d.usedCores > d.totalCores { out.append("\(n.name)#\(i) cores \(d.usedCores)") }
                if d.usedMemoryMiB > d.totalMemoryMiB { out.append("\(n.name)#\(i) memory \(d.usedMemoryMiB)") }
                if d.slices > d.maxSlices { out.append("\(n.name)#\(i) slices \(d.slices)") }
                if d.exclusive && d.slices > 0 { out.append("\(n.name)#\(i) whole and sliced") }
                if d.usedCores < 0 || d.slices < 0 { out.append("\(n.name)#\(i) negative use") }
            }
        }
        return out
    }
}
