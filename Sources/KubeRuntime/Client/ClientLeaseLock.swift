// ClientLeaseLock and ClientEventSink: leader election's lease and the event recorder's writes over KubeClient.

import KubeClient
import KubeCore
import Synchronization

/// A `coordination.k8s.io/v1` Lease as the lock. Updates start from the last Lease read or written, so
/// fields this code does not model (strategy, preferredHolder, newer ones) survive.
public final class ClientLeaseLock: LeaseLock {
    public let client: KubeClient
    public let namespace: String
    public let name: String
    private let last = Mutex<Lease?>(nil)

    public init(client: KubeClient, namespace: String, name: String) {
        self.client = client
        self.namespace = namespace
        self.name = name
    }

    public var description: String { "\(namespace)/\(name)" }

    public func get() async throws -> (record: LeaderElectionRecord, version: String)? {
        let lease: Lease
        do {
            lease = try await client.get(Lease.self, name: name, namespace: namespace)
        } catch let error as KubeError where error.isNotFound {
            return nil
        }
        last.withLock { $0 = lease }
        return (Self.record(lease.spec), lease.metadata.resourceVersion ?? "")
    }

    public func create(_ record: LeaderElectionRecord) async throws -> String {
        var lease = Lease(metadata: ObjectMeta(name: name, namespace: namespace))
        lease.spec = Self.spec(record, over: nil)
        let created = try await client.create(lease)
        last.withLock { $0 = created }
        return created.metadata.resourceVersion ?? ""
    }

    public func update(_ record: LeaderElectionRecord, version: String) async throws -> String {
        var lease = last.withLock { $0 } ?? Lease(metadata: ObjectMeta(name: name, namespace: namespace))
        lease.metadata.resourceVersion = version
        lease.spec = Self.spec(record, over: lease.spec)
        let updated = try await client.update(lease)
        last.withLock { $0 = updated }
        return updated.metadata.resourceVersion ?? ""
    }

    static func record(_ spec: LeaseSpec?) -> LeaderElectionRecord {
        LeaderElectionRecord(holderIdentity: spec?.holderIdentity, leaseDurationSeconds: spec?.leaseDurationSeconds.map(Int.init),
                             acquireTime: spec?.acquireTime, renewTime: spec?.renewTime,
                             leaseTransitions: spec?.leaseTransitions.map(Int.init))
    }

    static func spec(_ record: LeaderElectionRecord, over existing: LeaseSpec?) -> LeaseSpec {
        var spec = existing ?? LeaseSpec()
        spec.holderIdentity = record.holderIdentity
        spec.leaseDurationSeconds = record.leaseDurationSeconds.map { Int32(clamping: $0) }
        spec.acquireTime = record.acquireTime
        spec.renewTime = record.renewTime
        spec.leaseTransitions = record.leaseTransitions.map { Int32(clamping: $0) }
        return spec
    }
}

/// Creates core/v1 Events and updates repeats with a merge patch of `count` and `lastTimestamp`.
public struct ClientEventSink: EventSink {
    public let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public func create(_ event: Event) async throws {
        _ = try await client.create(event)
    }

    public func update(_ event: Event) async throws {
        let patch: JSONValue = [
            "count": .int(Int64(event.count ?? 1)),
            "lastTimestamp": .string(event.lastTimestamp?.rfc3339 ?? Time.now.rfc3339),
        ]
        _ = try await client.patch(Event.self, name: event.metadata.name ?? "", namespace: event.metadata.namespace,
                                   patch: .merge(patch))
    }
}
