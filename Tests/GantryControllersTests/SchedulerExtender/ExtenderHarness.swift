// An in-process dev cluster on a loopback port (API server, simulated nodes with DeviceSlices, kubelet and
// kube-scheduler shim reading Manifests/scheduler-config.yaml) with the real extender beside it: its own watches
// over KubeClient (libcurl) and its HTTP server, called by the shim over HTTP. The extender can be stopped and a
// new one started against the same cluster, as a restart would.

import Foundation
import GantryAPI
import HTTPServer
import KubeClient
import KubeCore
import Synchronization
import Testing

@testable import DevCluster
@testable import GantryControllers

/// The shim's extender transport: real HTTP to whichever extender runs now (the config's urlPrefix host and port
/// are replaced), "connection refused" while none does.
final class RelayTransport: ExtenderTransport {
    private let target = Mutex<String?>(nil)
    private let http = CurlExtenderTransport()

    func point(to base: String?) { target.withLock { $0 = base } }

    func post(url: String, body: [UInt8], timeout: Double) async throws -> (status: Int, body: [UInt8]) {
        guard let base = target.withLock({ $0 }) else { throw ExtenderTransportError(description: "connection refused") }
        // urlPrefix is http://127.0.0.1:8888/gantry; keep the path.
        guard let range = url.range(of: "/gantry/") else { throw ExtenderTransportError(description: "unexpected URL \(url)") }
        return try await http.post(url: base + url[range.lowerBound...], body: body, timeout: timeout)
    }
}

/// One running extender: its service (watches, feed) and its HTTP server.
final class RunningExtender: Sendable {
    let service: ExtenderService
    let http: HTTPServer
    let tasks: [Task<Void, Error>]

    init(client: KubeClient) throws {
        var config = ExtenderConfiguration()
        config.host = "127.0.0.1"
        config.port = 0
        config.reservationTTL = 60
        service = ExtenderService(client: client, configuration: config)
        http = try service.makeServer(fallback: nil)
        let s = service, h = http
        tasks = [Task { try await s.run() }, Task { try await h.run() }]
    }

    var base: String { "http://127.0.0.1:\(http.port)" }
    var ledger: ClusterLedger { service.ledger }

    /// Stops taking calls, lets calls in flight finish, then stops the watches.
    func stop() async {
        http.shutdown(gracePeriod: .seconds(2))
        _ = try? await tasks[1].value
        tasks[0].cancel()
        _ = try? await tasks[0].value
    }
}

final class ExtenderHarness: Sendable {
    let api: APIServer
    let server: DevClusterServer
    let serving: Task<Void, Error>
    let client: KubeClient
    let relay = RelayTransport()
    let cluster: SimulatedCluster
    let current = Mutex<RunningExtender?>(nil)

    /// `withScheduler` false leaves pods unscheduled unless a test calls the extender itself.
    init(nodes: [SimulatedNode], pools: [ResourcePool] = [], withScheduler: Bool = true) async throws {
        api = APIServer(store: ObjectStore(historyCapacity: 50_000))
        server = try DevClusterServer(api: api, port: 0)
        let s = server
        serving = Task { try await s.run() }
        var cc = ClientConfiguration(server: server.url, requestTimeout: .seconds(20), connectTimeout: .seconds(5))
        cc.userAgent = "gantry-extender-tests"
        client = try KubeClient(configuration: cc)
        for kind in [DeviceSlice.definition, ResourcePool.definition, Quota.definition] {
            _ = try await client.create(CRDGenerator.crd(for: kind))
        }
        try await Self.waitForCRDs(client)
        for p in pools { _ = try await client.create(p) }
        var config: SchedulerConfiguration?
        if withScheduler {
            var c = try SchedulerConfiguration.load(path: Self.manifest("scheduler-config.yaml"))
            c.podInitialBackoffSeconds = 0.05
            c.podMaxBackoffSeconds = 0.3
            config = c
        }
        cluster = try SimulatedCluster(api: api, options: .init(fleet: nodes, podStartDelay: 0.05, schedulerConfiguration: config),
                                       transport: relay)
        try await cluster.start()
    }

    static func manifest(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Manifests").appendingPathComponent(name).path
    }

    static func waitForCRDs(_ client: KubeClient) async throws {
        for _ in 0..<200 {
            let pools = (try? await client.list(ResourcePool.self)) != nil
            let quotas = (try? await client.list(Quota.self)) != nil
            let slices = (try? await client.list(DeviceSlice.self)) != nil
            if pools && quotas && slices { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("CRDs were not served in time")
    }

    /// Starts an extender, waits until its ledger is built, and points the scheduler shim at it.
    @discardableResult
    func startExtender() async throws -> RunningExtender {
        let e = try RunningExtender(client: client)
        let ready = await e.service.waitUntilReady(timeout: .seconds(30))
        try #require(ready, "extender did not become ready")
        current.withLock { $0 = e }
        relay.point(to: e.base)
        return e
    }

    func stopExtender() async {
        relay.point(to: nil)
        let e = current.withLock { c -> RunningExtender? in
            defer { c = nil }
            return c
        }
        await e?.stop()
    }

    func stop() async {
        await stopExtender()
        cluster.stop()
        server.stop()
        serving.cancel()
    }

    // MARK: Pods

    @discardableResult
    func create(_ pod: Pod) async throws -> Pod {
        var p = pod
        p.metadata.uid = nil
        p.metadata.resourceVersion = nil
        p.metadata.creationTimestamp = nil
        if p.metadata.annotations?.isEmpty == true { p.metadata.annotations = nil }
        return try await client.create(p, namespace: p.metadata.namespace ?? "default")
    }

    func pods(_ namespace: String = "default") async -> [Pod] {
        (try? await client.listAll(Pod.self, namespace: namespace).items) ?? []
    }

    /// Waits until every named pod is bound; returns the pods as last read.
    func waitBound(_ names: [String], namespace: String = "default", timeout: Double = 30) async -> [String: Pod] {
        var byName: [String: Pod] = [:]
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            byName = Dictionary(uniqueKeysWithValues: await pods(namespace).map { ($0.metadata.name ?? "", $0) })
            if names.allSatisfy({ !(byName[$0]?.spec?.nodeName ?? "").isEmpty }) { return byName }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return byName
    }
}

/// What the API server says each device holds, from the bound pods' gantry.dev/devices records, with every
/// inconsistency found (a record on the wrong node, a device shared with a whole-device holder, > 100 %).
struct DeviceAudit {
    var cores: [String: Int] = [:]
    var slices: [String: Int] = [:]
    var wholeHolders: [String: Int] = [:]
    var holders: [String: [String]] = [:]
    var problems: [String] = []

    init(_ pods: [Pod], maxSlices: Int) {
        for p in pods where !(p.spec?.nodeName ?? "").isEmpty && !p.isTerminal {
            let name = p.metadata.name ?? ""
            guard let text = p.metadata.annotations?[AnnotationKey.devices] else { continue }
            if p.metadata.annotations?[AnnotationKey.node] != p.spec?.nodeName {
                problems.append("\(name): record names node \(p.metadata.annotations?[AnnotationKey.node] ?? "-"), bound to \(p.spec?.nodeName ?? "-")")
            }
            guard let list = try? DeviceAllocation.parseList(text) else {
                problems.append("\(name): malformed record \(text)")
                continue
            }
            for d in list {
                guard d.deviceID.hasPrefix((p.spec?.nodeName ?? "") + "-") else {
                    problems.append("\(name): device \(d.deviceID) is not on node \(p.spec?.nodeName ?? "")")
                    continue
                }
                cores[d.deviceID, default: 0] += d.cores
                holders[d.deviceID, default: []].append(name)
                if d.cores == 100 { wholeHolders[d.deviceID, default: 0] += 1 } else { slices[d.deviceID, default: 0] += 1 }
            }
        }
        for (device, c) in cores where c > 100 { problems.append("\(device) holds \(c)% (\(holders[device] ?? []))") }
        for (device, n) in slices where n > maxSlices { problems.append("\(device) holds \(n) slices") }
        for (device, n) in wholeHolders where n > 1 || (n == 1 && (slices[device] ?? 0) > 0) {
            problems.append("\(device) is held whole and shared: \(holders[device] ?? [])")
        }
    }
}
