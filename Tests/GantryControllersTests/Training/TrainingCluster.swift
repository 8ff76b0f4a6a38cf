// The world the training controller integration tests run in: the dev cluster's API server on a loopback
// socket, simulated GCU nodes with their kubelet and scheduler shim, a scheduler extender that places vGCU
// slices (an in-process stand-in by default, or Gantry's real extender over HTTP reading
// Manifests/scheduler-config.yaml), and the training controller in self-admission mode, all talking over real
// HTTP through KubeClient.

import DevCluster
import Foundation
import GantryAPI
import GantryControllers
import KubeClient
import KubeCore
import KubeRuntime
import Synchronization
import Testing

final class TrainingCluster: Sendable {
    let server: DevClusterServer
    let simulation: SimulatedCluster
    let client: KubeClient
    let extender: DeviceExtenderDouble
    /// With `realExtender`: the shim's transport and Gantry's extender behind it.
    let relay: RelayTransport?
    let realExtender: RunningExtender?
    let serving: Task<Void, Error>
    private let running = Mutex<(controller: TrainingJobController, task: Task<Void, Error>, manager: Manager)?>(nil)
    let metrics = MetricsRegistry()

    static let schedulerName = "gantry-scheduler"

    /// - Parameters:
    ///   - nodes: simulated nodes, each with `devices` GCUs (4 slices of 48 GiB each).
    ///   - realExtender: place pods with Gantry's scheduler extender (and a Quota "vision" for the jobs to charge)
    ///     instead of the stand-in.
    init(nodes: Int = 2, devices: Int = 2, realExtender: Bool = false) async throws {
        let api = APIServer(store: ObjectStore(historyCapacity: 20_000))
        server = try DevClusterServer(api: api, port: 0)
        let s = server
        serving = Task { try await s.run() }
        client = try KubeClient(configuration: ClientConfiguration(server: server.url, requestTimeout: .seconds(10),
                                                                   connectTimeout: .seconds(5)))
        extender = DeviceExtenderDouble(client: client)
        var config = SchedulerConfiguration()
        config.schedulerNames = [Self.schedulerName]
        config.podInitialBackoffSeconds = 0.2
        config.podMaxBackoffSeconds = 1
        var ext = ExtenderConfig(urlPrefix: "http://extender.test")
        ext.filterVerb = "filter"
        ext.bindVerb = "bind"
        ext.nodeCacheCapable = true
        ext.managedResources = ResourceName.extenderManaged.map { ($0, true) }
        config.extenders = [ext]
        let fleet = (0..<nodes).map { i in
            SimulatedNode(name: "gcu-\(i)", pool: "gcu-train",
                          devices: DeviceSpec(count: devices, model: "enflame-s60", memoryMiB: 49_152, maxSlices: 4))
        }
        relay = realExtender ? RelayTransport() : nil
        if realExtender {
            config = try SchedulerConfiguration.load(path: ExtenderHarness.manifest("scheduler-config.yaml"))
            config.podInitialBackoffSeconds = 0.2
            config.podMaxBackoffSeconds = 1
        }
        simulation = try SimulatedCluster(api: api, options: .init(fleet: fleet, podStartDelay: 0.1, schedulerConfiguration: config),
                                          transport: relay ?? extender)
        try await simulation.start()
        if let relay {
            for kind in [ResourcePool.definition, Quota.definition] { _ = try await client.create(CRDGenerator.crd(for: kind)) }
            try await ExtenderHarness.waitForCRDs(client)
            _ = try await client.create(Quota(name: "vision", spec: QuotaSpec(resources: [ResourceName.vgcu: QuotaResource(limit: Quantity(64))])))
            let e = try RunningExtender(client: client)
            let ready = await e.service.waitUntilReady(timeout: .seconds(30))
            try #require(ready, "extender did not become ready")
            relay.point(to: e.base)
            self.realExtender = e
        } else {
            self.realExtender = nil
        }
        let crd = try JSONValueEncoder().encode(CRDGenerator.crd(for: TrainingJob.definition))
        _ = try await client.create(Self.crds, crd)
        _ = try? await client.create(Self.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team"]])
        try await eventually("TrainingJob CRD served") {
            (try? await self.client.list(TrainingJobObject.self, namespace: "team")) != nil
        }
    }

    static let crds = ResourceDescriptor(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition",
                                         plural: "customresourcedefinitions", namespaced: false)
    static let namespaces = ResourceDescriptor(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false)

    /// Starts (or restarts) the training controller.
    func startController(admission: AdmissionMode = .selfAdmission) async throws {
        let controller = TrainingJobController(
            client: client, configuration: .init(admission: admission, schedulerName: Self.schedulerName, workers: 2,
                                                  requeueBackoff: .milliseconds(500)),
            metrics: metrics)
        let manager = Manager(ManagerConfiguration(name: "training-test", gracePeriod: .seconds(5), handleSignals: false,
                                                   probes: nil), metrics: MetricsRegistry(),
                              logger: Logger(label: "training-test", sink: .discarding))
        await controller.register(in: manager)
        let task = Task { try await manager.run() }
        running.withLock { $0 = (controller, task, manager) }
    }

    func stopController() async {
        guard let r = running.withLock({ s -> (controller: TrainingJobController, task: Task<Void, Error>, manager: Manager)? in
            defer { s = nil }
            return s
        }) else { return }
        r.manager.requestShutdown(reason: "test")
        _ = try? await r.task.value
    }

    func stop() async {
        await stopController()
        relay?.point(to: nil)
        await realExtender?.stop()
        simulation.stop()
        server.stop()
        serving.cancel()
    }

    // MARK: Reading

    func job(_ name: String, namespace: String = "team") async throws -> TrainingJob {
        try await client.get(TrainingJob.self, name: name, namespace: namespace)
    }

    func pods(of job: String, namespace: String = "team") async throws -> [Pod] {
        try await client.list(Pod.self, namespace: namespace, options: ListOptions(labelSelector: "\(LabelKey.jobName)=\(job)")).items
    }

    func events(about name: String, namespace: String = "team") async throws -> [Event] {
        try await client.list(Event.self, namespace: namespace).items.filter { $0.involvedObject.name == name }
    }

    /// Waits until the job satisfies `condition`, failing with its last status after `timeout`.
    @discardableResult
    func waitFor(_ name: String, _ what: String, timeout: Double = 30,
                 _ condition: @escaping @Sendable (TrainingJob) -> Bool) async throws -> TrainingJob {
        var last: TrainingJob?
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let job = try? await job(name) {
                last = job
                if condition(job) { return job }
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        Issue.record("timed out waiting for \(name): \(what); last status: \(String(describing: last?.status))")
        throw TimedOut(what: what)
    }

    func waitForPhase(_ name: String, _ phase: TrainingPhase, timeout: Double = 30) async throws -> TrainingJob {
        try await waitFor(name, "phase \(phase)", timeout: timeout) { $0.status?.phase == phase }
    }
}

struct TimedOut: Error { var what: String }

/// Polls `condition` until it holds, for at most `timeout` seconds.
func eventually(_ what: String, timeout: Double = 30, _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(nanoseconds: 100_000_000)
    }
    Issue.record("timed out waiting for \(what)")
    throw TimedOut(what: what)
}

/// A TrainingJob for the tests: PyTorch 1 master + `workers` workers, each on one vGCU of 50 % and 24 GiB, running
/// `duration` (the master `masterDuration`) then exiting with 0 (workers: `workerExitCode`).
func pytorchJob(_ name: String, workers: Int32 = 3, duration: String = "1s", masterDuration: String? = nil, workerExitCode: Int = 0,
                restartPolicy: ReplicaRestartPolicy = .exitCode, backoffLimit: Int32 = 3,
                runPolicy: RunPolicy? = nil) -> TrainingJob {
    func template(exitCode: Int, duration: String) -> PodTemplateSpec {
        PodTemplateSpec(
            metadata: ObjectMeta(annotations: [AnnotationKey.simDuration: duration, AnnotationKey.simExitCode: String(exitCode)]),
            // A short grace period so that deleted pods go quickly (the simulated kubelet honours it).
            spec: PodSpec(containers: [Container(
                name: "pytorch", image: "registry.example.com/train:1",
                resources: ResourceRequirements(limits: [ResourceName.vgcu: Quantity(1), ResourceName.vgcuCores: Quantity(50),
                                                         ResourceName.vgcuMemory: Quantity(24_576)]))],
                          terminationGracePeriodSeconds: 1))
    }
    var run = runPolicy ?? RunPolicy()
    if run.backoffLimit == nil { run.backoffLimit = backoffLimit }
    return TrainingJob(namespace: "team", name: name, spec: TrainingJobSpec(
        quota: "vision", priority: 10, framework: .pytorch,
        replicas: [
            ReplicaSpec(name: "master", count: 1, template: template(exitCode: 0, duration: masterDuration ?? duration), restartPolicy: restartPolicy),
            ReplicaSpec(name: "worker", count: workers, template: template(exitCode: workerExitCode, duration: duration), restartPolicy: restartPolicy),
        ],
        gang: GangPolicy(minMember: workers + 1, timeoutSeconds: 60), runPolicy: run))
}

extension Pod {
    func env(_ name: String) -> String? { spec?.containers.first?.env?.first { $0.name == name }?.value }
    var devices: String? { metadata.annotations?[AnnotationKey.devices] }
}
