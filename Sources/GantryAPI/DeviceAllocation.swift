// The `gantry.dev/devices` pod annotation: which device shares the extender gave a pod, written at bind as
// `<deviceID>:<cores>:<memoryMiB>` comma-separated. Pod annotations are the durable truth the extender's
// ledger is rebuilt from and the pool controller folds into DeviceSlice status, so a bad value must come
// back as a precise error, never a guess.

/// One device share of a pod.
public struct DeviceAllocation: Sendable, Hashable, CustomStringConvertible {
    /// The device's `id` in the node's DeviceSlice. May contain ':' (PCI addresses do), never ','.
    public var deviceID: String
    /// Percent of the device's compute, 1..100.
    public var cores: Int
    /// Device memory in MiB.
    public var memoryMiB: Int64

    public init(deviceID: String, cores: Int, memoryMiB: Int64) {
        self.deviceID = deviceID
        self.cores = cores
        self.memoryMiB = memoryMiB
    }

    public var description: String { "\(deviceID):\(cores):\(memoryMiB)" }
}

public struct DeviceAllocationError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Problem: Sendable, Hashable {
        /// An entry is not `<deviceID>:<cores>:<memoryMiB>`.
        case malformedEntry
        case emptyDeviceID
        case invalidCores
        case invalidMemory
        /// A device appears twice: each virtual device of a pod is on a distinct physical device.
        case duplicateDevice
    }

    public var problem: Problem
    /// Zero-based position of the entry in the annotation.
    public var entryIndex: Int
    public var entry: String

    public var description: String {
        let what: String
        switch problem {
        case .malformedEntry: what = "must be <deviceID>:<cores>:<memoryMiB>"
        case .emptyDeviceID: what = "device ID must be non-empty"
        case .invalidCores: what = "cores must be an integer from 1 to 100"
        case .invalidMemory: what = "memoryMiB must be a non-negative integer"
        case .duplicateDevice: what = "device is allocated twice to the same pod"
        }
        return "\(AnnotationKey.devices) entry \(entryIndex) \(FieldError.quote(entry)): \(what)"
    }
}

extension DeviceAllocation {
    /// Parses the whole annotation; an empty value is an empty list. Spaces around entries are tolerated,
    /// as people write them by hand in tests and demos.
    public static func parseList(_ annotation: String) throws(DeviceAllocationError) -> [DeviceAllocation] {
        if annotation.allSatisfy({ $0 == " " }) { return [] }
        var result: [DeviceAllocation] = []
        var seen = Set<String>()
        for (i, raw) in annotation.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let entry = raw.trimmingSpaces()
            let a = try parse(entry, index: i)
            guard seen.insert(a.deviceID).inserted else {
                throw DeviceAllocationError(problem: .duplicateDevice, entryIndex: i, entry: String(entry))
            }
            result.append(a)
        }
        return result
    }

    /// Parses one `<deviceID>:<cores>:<memoryMiB>`, splitting from the right so IDs may contain ':'.
    public static func parse(_ entry: Substring, index: Int = 0) throws(DeviceAllocationError) -> DeviceAllocation {
        func fail(_ p: DeviceAllocationError.Problem) -> DeviceAllocationError {
            DeviceAllocationError(problem: p, entryIndex: index, entry: String(entry))
        }
        guard let lastColon = entry.lastIndex(of: ":") else { throw fail(.malformedEntry) }
        let head = entry[..<lastColon]
        guard let middleColon = head.lastIndex(of: ":") else { throw fail(.malformedEntry) }
        let id = head[..<middleColon]
        let coresText = head[head.index(after: middleColon)...]
        let memoryText = entry[entry.index(after: lastColon)...]
        guard !id.isEmpty else { throw fail(.emptyDeviceID) }
        guard let cores = decimal(coresText), (1...100).contains(cores) else { throw fail(.invalidCores) }
        guard let memory = decimal(memoryText) else { throw fail(.invalidMemory) }
        return DeviceAllocation(deviceID: String(id), cores: Int(cores), memoryMiB: memory)
    }

    /// The annotation value for a list of shares.
    public static func format(_ list: [DeviceAllocation]) -> String {
        list.map(\.description).joined(separator: ",")
    }

    /// Plain decimal digits only: no sign, no spaces, no "0x", at most 18 digits so it cannot overflow.
    private static func decimal(_ s: Substring) -> Int64? {
        guard !s.isEmpty, s.utf8.count <= 18, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int64(s)
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
