// What the ledger records for a placed (or reserved) pod: the node, the concrete device shares and who owns
// them. Grants serialise to the `gantry.dev/devices` annotation (`<deviceID>:<cores>:<memoryMiB>`, DESIGN §5).

import Foundation

/// One device share granted to a pod. A whole device is a grant of all its cores and memory, exclusively.
public struct DeviceGrant: Hashable, Sendable, Codable {
    public var deviceID: String
    public var cores: Int
    public var memoryMiB: Int
    public var whole: Bool

    public init(deviceID: String, cores: Int, memoryMiB: Int, whole: Bool = false) {
        self.deviceID = deviceID
        self.cores = cores
        self.memoryMiB = memoryMiB
        self.whole = whole
    }
}

/// Who a placement belongs to; preemption and fair share read it.
public struct WorkloadRef: Hashable, Sendable, Codable {
    /// The job (or standalone pod) the placement belongs to; victims are chosen per workload.
    public var workload: String?
    /// Gang key (`gantry.dev/gang`) and its minimum member count (`gantry.dev/gang-min`).
    public var gang: String?
    public var gangMinMember: Int
    public var queue: String?
    public var priority: Int
    public var preemptible: Bool
    /// When the pod started running; evicting it loses device-seconds since then.
    public var startedAt: Date?

    public init(workload: String? = nil, gang: String? = nil, gangMinMember: Int = 1, queue: String? = nil,
                priority: Int = 0, preemptible: Bool = false, startedAt: Date? = nil) {
        self.workload = workload
        self.gang = gang
        self.gangMinMember = gangMinMember
        self.queue = queue
        self.priority = priority
        self.preemptible = preemptible
        self.startedAt = startedAt
    }
}

/// Capacity held for a gang member that has not been bound yet; it lapses at `expiresAt`.
public struct Reservation: Hashable, Sendable, Codable {
    public var gang: String
    public var expiresAt: Date

    public init(gang: String, expiresAt: Date) {
        self.gang = gang
        self.expiresAt = expiresAt
    }
}

public struct Allocation: Hashable, Sendable {
    /// Pod UID (or `namespace/name`) for bound pods; a planner-chosen key for reservations.
    public var id: String
    public var node: String
    public var request: PodRequest
    public var grants: [DeviceGrant]
    public var owner: WorkloadRef
    /// Non-nil while the allocation is only a reservation.
    public var reservation: Reservation?

    public init(id: String, node: String, request: PodRequest, grants: [DeviceGrant], owner: WorkloadRef = .init(),
                reservation: Reservation? = nil) {
        self.id = id
        self.node = node
        self.request = request
        self.grants = grants
        self.owner = owner
        self.reservation = reservation
    }

    /// The `gantry.dev/devices` annotation value.
    public var devicesAnnotation: String {
        grants.map { "\($0.deviceID):\($0.cores):\($0.memoryMiB)" }.joined(separator: ",")
    }

    /// Device units held (whole devices count 1, a 25 % slice 0.25).
    public var deviceUnits: Double { Double(grants.reduce(0) { $0 + $1.cores }) / 100 }

    /// Parses a `gantry.dev/devices` annotation; devices whose share equals the whole device are marked whole
    /// by the ledger when the allocation is recorded.
    public static func parseDevicesAnnotation(_ text: String) throws(LedgerError) -> [DeviceGrant] {
        if text.isEmpty { return [] }
        var grants: [DeviceGrant] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3, !fields[0].isEmpty, let cores = Int(fields[1]), let mem = Int(fields[2]),
                  cores >= 0, cores <= 100, mem >= 0 else {
                throw .malformedAnnotation(String(part))
            }
            grants.append(DeviceGrant(deviceID: String(fields[0]), cores: cores, memoryMiB: mem))
        }
        return grants
    }
}
