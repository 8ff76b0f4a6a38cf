// LeaseLock: the three calls leader election makes on a coordination.k8s.io/v1 Lease, abstracted so the
// election logic can be tested against an in-memory lease with a manual clock (client-go's resourcelock).

import KubeCore

/// The fields of `LeaseSpec` that election reads and writes (client-go's LeaderElectionRecord).
public struct LeaderElectionRecord: Sendable, Hashable {
    public var holderIdentity: String?
    public var leaseDurationSeconds: Int?
    public var acquireTime: MicroTime?
    public var renewTime: MicroTime?
    public var leaseTransitions: Int?

    public init(holderIdentity: String? = nil, leaseDurationSeconds: Int? = nil, acquireTime: MicroTime? = nil,
                renewTime: MicroTime? = nil, leaseTransitions: Int? = nil) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }
}

public protocol LeaseLock: Sendable {
    /// "namespace/name", for logs.
    var description: String { get }
    /// The current record and an opaque version (resourceVersion), or nil when the lease does not exist.
    func get() async throws -> (record: LeaderElectionRecord, version: String)?
    /// Creates the lease; throws if it already exists. Returns the new version.
    func create(_ record: LeaderElectionRecord) async throws -> String
    /// Replaces the record if `version` is still current; throws (conflict) otherwise. Returns the new version.
    func update(_ record: LeaderElectionRecord, version: String) async throws -> String
}
