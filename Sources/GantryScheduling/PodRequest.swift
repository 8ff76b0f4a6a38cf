// What one pod asks of a node, in plain numbers (DESIGN §5): CPU, memory, device slices on distinct
// devices and whole (exclusive) devices. The engine never sees Kubernetes objects; adapters build these.

/// `count` virtual devices, each on a distinct physical device, each with `cores` percent of that device.
public struct SliceRequest: Hashable, Sendable, Codable {
    /// Number of virtual devices (`gantry.dev/vgcu`).
    public var count: Int
    /// Percent of one device's cores per virtual device, 1...100 (`gantry.dev/vgcu-cores`).
    public var cores: Int
    /// MiB of device memory per virtual device (`gantry.dev/vgcu-memory`); nil takes memory in proportion
    /// to `cores`, so a 25 % slice gets a quarter of the device's memory.
    public var memoryMiB: Int?
    /// Vendor the devices must come from; nil accepts any vendor.
    public var vendor: String?

    public init(count: Int = 1, cores: Int, memoryMiB: Int? = nil, vendor: String? = nil) {
        self.count = count
        self.cores = cores
        self.memoryMiB = memoryMiB
        self.vendor = vendor
    }
}

/// `count` whole devices of a vendor, used exclusively (`enflame.com/gcu`, `nvidia.com/gpu`).
public struct WholeDeviceRequest: Hashable, Sendable, Codable {
    public var count: Int
    /// nil accepts any vendor.
    public var vendor: String?

    public init(count: Int, vendor: String? = nil) {
        self.count = count
        self.vendor = vendor
    }
}

public struct PodRequest: Hashable, Sendable, Codable {
    public var cpuMilli: Int64
    public var memoryBytes: Int64
    public var slices: SliceRequest?
    public var wholeDevices: [WholeDeviceRequest]
    /// Device models the pod may run on; nil accepts every model.
    public var allowedModels: Set<String>?
    /// Resource pools the pod may use; nil accepts every pool (and nodes outside any pool).
    public var allowedPools: Set<String>?
    /// Keys of the `NoSchedule` taints the pod tolerates.
    public var tolerations: Set<String>

    public init(cpuMilli: Int64 = 0, memoryBytes: Int64 = 0, slices: SliceRequest? = nil,
                wholeDevices: [WholeDeviceRequest] = [], allowedModels: Set<String>? = nil,
                allowedPools: Set<String>? = nil, tolerations: Set<String> = []) {
        self.cpuMilli = cpuMilli
        self.memoryBytes = memoryBytes
        self.slices = slices
        self.wholeDevices = wholeDevices
        self.allowedModels = allowedModels
        self.allowedPools = allowedPools
        self.tolerations = tolerations
    }

    /// Whole devices asked for, all vendors together.
    public var wholeDeviceCount: Int { wholeDevices.reduce(0) { $0 + $1.count } }

    /// Devices in device units (DESIGN §6: a 25 % vGCU is 0.25 of a device), for DRF and quotas.
    public var deviceUnits: Double {
        Double(wholeDeviceCount) + Double(slices.map { $0.count * $0.cores } ?? 0) / 100
    }

    /// Devices-worth of cores in percent (whole devices count 100 each); the integer form of `deviceUnits`.
    public var devicePercent: Int { wholeDeviceCount * 100 + (slices.map { $0.count * $0.cores } ?? 0) }

    public var asksForDevices: Bool { slices != nil || wholeDeviceCount > 0 }

    /// The largest number of distinct devices one request may name; a node never has more (see DeviceLedger).
    public static let maxDevicesPerPod = 64

    /// Rejects requests no node could ever satisfy because they are malformed, before they reach the ledger.
    public func validate() throws(RequestError) {
        if cpuMilli < 0 { throw .negative("cpu", cpuMilli) }
        if memoryBytes < 0 { throw .negative("memory", memoryBytes) }
        if let s = slices {
            if s.count < 1 || s.count > Self.maxDevicesPerPod { throw .outOfRange("vgcu", s.count, 1...Self.maxDevicesPerPod) }
            if s.cores < 1 || s.cores > 100 { throw .outOfRange("vgcu-cores", s.cores, 1...100) }
            if let m = s.memoryMiB, m < 0 || m > Int(Int32.max) { throw .outOfRange("vgcu-memory", m, 0...Int(Int32.max)) }
        }
        var devices = slices?.count ?? 0
        for w in wholeDevices {
            if w.count < 0 || w.count > Self.maxDevicesPerPod {
                throw .outOfRange("\(w.vendor ?? "device") count", w.count, 0...Self.maxDevicesPerPod)
            }
            devices += w.count
        }
        if devices > Self.maxDevicesPerPod { throw .tooManyDevices(devices) }
        if let models = allowedModels, models.isEmpty { throw .noAllowedModels }
    }
}

public enum RequestError: Error, Hashable, Sendable, CustomStringConvertible {
    case negative(String, Int64)
    case outOfRange(String, Int, ClosedRange<Int>)
    case tooManyDevices(Int)
    case noAllowedModels

    public var description: String {
        switch self {
        case .negative(let what, let v): return "\(what) request is negative (\(v))"
        case .outOfRange(let what, let v, let r): return "\(what) is \(v), must be in \(r.lowerBound)...\(r.upperBound)"
        case .tooManyDevices(let n): return "pod asks for \(n) distinct devices, at most \(PodRequest.maxDevicesPerPod) supported"
        case .noAllowedModels: return "allowed device models is an empty list, so no device can match"
        }
    }
}
