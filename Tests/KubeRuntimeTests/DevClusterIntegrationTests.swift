// The runtime against the dev cluster (the real API server emulator on loopback, over libcurl) with its
// fault injection: an informer stays equal to the server's state through dropped watches, expired versions
// and failing requests; leader election hands over through injected write conflicts.

import DevCluster
import Foundation
import KubeClient
import KubeCore
import Testing

@testable import KubeRuntime

struct DevClusterIntegrationTests {
    static func cluster(_ faults: FaultConfig, history: Int = 10_000) throws -> DevClusterServer {
        let server = try DevClusterServer(
            api: APIServer(
                store: ObjectStore(historyCapacity: history),
                faults: FaultInjector(faults)), port: 0)
        server.start()
        return server
    }

    /// Retries a call the fault injector may fail (500, 429, 409).
    static func persist<T>(_ body: () async throws -> T) async throws -> T {
        for _ in 0..<50 {
            if let value = try? await body() { return value }
            try await Task.sleep(for: .milliseconds(5))
        }
        return try await body()
    }

    @Test func anInformerConvergesThroughDroppedWatchesExpiryAndErrors() async throws {
        var faults = FaultConfig()
        faults.watchDropRate = 0.3
        faults.errorRate = 0.05
        let server = try Self.cluster(faults, history: 20)
        defer { server.stop() }
        let client = try KubeClient(configuration: server.clientConfiguration)
        let informer = Informer<ConfigMap>(
            client: client, namespace: "default", labelSelector: "app=test",
            configuration: .init(
                pageSize: 7, backoff: RetryBackoff(initial: .milliseconds(5), maximum: .milliseconds(50))))
        let deletions = Recorder<String>()
        informer.subscribe { if case .deleted(let cm) = $0 { deletions.append(cm.metadata.name ?? "") } }

        try await whileRunning([informer]) {
            for i in 0..<40 {
                let labels = ["app": i % 5 == 0 ? "other" : "test"]
                let cm = ConfigMap(
                    metadata: ObjectMeta(name: "cm-\(i)", namespace: "default", labels: labels),
                    data: ["v": "0"])
                _ = try await Self.persist { try await client.create(cm) }
                if i % 10 == 9 { server.api.dropWatches() }
            }
            #expect(await eventually { informer.hasSynced })
            for i in stride(from: 1, to: 40, by: 3) {
                _ = try await Self.persist {
                    try await client.patch(
                        ConfigMap.self, name: "cm-\(i)", namespace: "default",
                        patch: .merge(["data": ["v": .string("\(i)")]]))
                }
            }
            #expect(try await converged(informer, client))

            // Deletions while watches drop and the history expires: each is reported, live or by a relist after 410.
            server.api.dropWatches()
            for i in stride(from: 2, to: 40, by: 4) {
                _ = try? await Self.persist {
                    try await client.delete(ConfigMap.self, name: "cm-\(i)", namespace: "default")
                }
            }
            server.api.expireResourceVersions()
            server.api.dropWatches()
            #expect(try await converged(informer, client))
            #expect(informer.store.count == 32 - 8)  // 32 labelled app=test, 8 of them deleted
        }
        #expect(Set(deletions.values) == Set(stride(from: 2, to: 40, by: 4).filter { $0 % 5 != 0 }.map { "cm-\($0)" }))
        #expect(informer.store.list().allSatisfy { $0.metadata.labels?["app"] == "test" })
    }

    /// Waits until the informer's store holds exactly what the server lists (names and versions).
    func converged(_ informer: Informer<ConfigMap>, _ client: KubeClient) async throws -> Bool {
        let expected = try await Self.persist {
            try await client.listAll(
                ConfigMap.self, namespace: "default", options: ListOptions(labelSelector: "app=test"))
        }
        let want = Dictionary(
            uniqueKeysWithValues: expected.items.map {
                ($0.metadata.name ?? "", $0.metadata.resourceVersion ?? "")
            })
        return await eventually(timeout: .seconds(20)) {
            let have = informer.store.list().map { ($0.metadata.name ?? "", $0.metadata.resourceVersion ?? "") }
            return Dictionary(uniqueKeysWithValues: have) == want
        }
    }

    @Test func leaderElectionHandsOverThroughWriteConflicts() async throws {
        var faults = FaultConfig()
        faults.conflictRate = 0.2
        let server = try Self.cluster(faults)
        defer { server.stop() }
        let client = try KubeClient(configuration: server.clientConfiguration)
        let log = LeadershipLogReal()
        func elector(_ id: String) -> LeaderElector {
            LeaderElector(
                lock: ClientLeaseLock(client: client, namespace: "default", name: "runtime-test"),
                configuration: LeaderElectionConfiguration(
                    identity: id, leaseDuration: .seconds(15),
                    renewDeadline: .seconds(10),
                    retryPeriod: .milliseconds(200)),
                onChange: log.observer(id))
        }
        let a = elector("a")
        let b = elector("b")
        let stopA = Gate()
        let runA = Task { try await a.run { await stopA.wait() } }
        #expect(await eventually(timeout: .seconds(60)) { await a.isLeader })
        let runB = Task { try await b.run { await Gate().wait() } }
        // Conflicting renewals are retried within the renew deadline: a keeps leading.
        try await Task.sleep(for: .milliseconds(600))
        #expect(await a.isLeader)
        #expect(await !b.isLeader)
        stopA.open()
        _ = try? await runA.value
        #expect(await eventually(timeout: .seconds(60)) { await b.isLeader })
        let lease = try await Self.persist {
            try await client.get(Lease.self, name: "runtime-test", namespace: "default")
        }
        #expect(lease.spec?.holderIdentity == "b")
        #expect(log.overlaps == 0)
        runB.cancel()
        _ = try? await runB.value
    }
}
