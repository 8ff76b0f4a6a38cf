// TrainingJobController: runs admitted TrainingJobs. Informers on TrainingJobs (kept as JSON, so a malformed
// one is reported, not fatal), on the pods, Services and ConfigMaps it creates (selected by the job-name label,
// indexed by owner uid), and in self-admission mode on DeviceSlices. Each reconcile asks TrainingLifecycle for
// a plan, writes the status first (guarded by resourceVersion), then deletes and creates pods, records Events
// and metrics. No finalizer: deleting a job is never blocked; garbage collection removes what it owns.

import Foundation
import GantryAPI
import KubeClient
import KubeCore
import KubeRuntime
import Synchronization

public final class TrainingJobController: Sendable {
    public struct Configuration: Sendable {
        public var admission: AdmissionMode
        /// `spec.schedulerName` of the pods: the scheduler profile that calls Gantry's extender.
        public var schedulerName: String
        public var workers: Int
        /// First pause before a preempted or timed-out job is admitted again (self mode); doubles per release.
        public var requeueBackoff: Duration
        public var maxRequeueBackoff: Duration
        /// Namespace to watch; nil watches all.
        public var namespace: String?

        public init(admission: AdmissionMode = .quota, schedulerName: String = TrainingJobController.defaultSchedulerName,
                    workers: Int = 4, requeueBackoff: Duration = .seconds(2), maxRequeueBackoff: Duration = .seconds(300),
                    namespace: String? = nil) {
            self.admission = admission
            self.schedulerName = schedulerName
            self.workers = workers
            self.requeueBackoff = requeueBackoff
            self.maxRequeueBackoff = maxRequeueBackoff
            self.namespace = namespace
        }
    }

    public static let defaultSchedulerName = "gantry-scheduler"
    public static let component = "gantry-training-controller"
    /// Largest gang this controller will run.
    public static let maximumPods: Int64 = 5000
    static let ownerIndex = StoreIndex<Pod>.controllerUID.name

    public let configuration: Configuration
    public let client: KubeClient
    public let jobs: Informer<TrainingJobObject>
    public let pods: Informer<Pod>
    public let services: Informer<Service>
    public let configMaps: Informer<ConfigMap>
    public let deviceSlices: Informer<DeviceSlice>?
    public let recorder: EventRecorder
    public let controller: Controller<TrainingJobObject>
    let admission = SelfAdmission()
    let metrics: TrainingMetrics
    let logger: Logger
    /// Pod names created per job uid that the cache has not shown yet (controller-runtime's expectations).
    private let expectations = Mutex<[String: Set<String>]>([:])
    /// Releases (preemptions, gang timeouts) per job uid, for the self-admission back-off.
    private let releases = Mutex<[String: Int]>([:])

    public init(client: KubeClient, configuration: Configuration, metrics registry: MetricsRegistry = MetricsRegistry(),
                logger: Logger = Logger(label: TrainingJobController.component, sink: .discarding)) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
        let selector = LabelKey.jobName
        let ns = configuration.namespace
        jobs = Informer(client: client, namespace: ns, name: "trainingjobs", logger: logger)
        // The caches keep what the lifecycle reads (metadata, node, status) and drop the rest: pod specs with
        // their environment are most of a pod, and the controller only checks that Services and ConfigMaps exist.
        pods = Informer(client: client, namespace: ns, labelSelector: selector, name: "pods",
                        store: Store(indexes: [.controllerUID]) { pod in
                            pod.metadata.managedFields = nil
                            pod.spec = pod.spec.map { PodSpec(nodeName: $0.nodeName) }
                        }, logger: logger)
        services = Informer(client: client, namespace: ns, labelSelector: selector, name: "services",
                            store: Store(indexes: [.controllerUID]) { s in
                                s.metadata.managedFields = nil
                                s.spec = nil
                                s.status = nil
                            }, logger: logger)
        configMaps = Informer(client: client, namespace: ns, labelSelector: selector, name: "configmaps",
                              store: Store(indexes: [.controllerUID]) { c in
                                  c.metadata.managedFields = nil
                                  c.data = nil
                              }, logger: logger)
        deviceSlices = configuration.admission == .selfAdmission
            ? Informer(client: client, name: "deviceslices", logger: logger) : nil
        recorder = EventRecorder(component: Self.component, sink: ClientEventSink(client: client), logger: logger)
        let store = jobs.store
        metrics = TrainingMetrics(registry: registry, jobs: { store.list() })
        // The controller's reconcile calls back into this object, which does not exist yet while it is built.
        let target = Mutex(WeakReference<TrainingJobController>())
        controller = Controller(name: "trainingjob", for: jobs, options: .init(workers: max(1, configuration.workers)),
                                metrics: registry, logger: logger) { key in
            guard let me = target.withLock({ $0.value }) else { return .done }
            return try await me.reconcile(key)
        }
        controller.owns(pods).owns(services).owns(configMaps)
        target.withLock { $0.value = self }
    }

    /// Registers the informers, the controller and the event recorder with a manager.
    public func register(in manager: Manager) async {
        await manager.add(jobs)
        await manager.add(pods)
        await manager.add(services)
        await manager.add(configMaps)
        if let deviceSlices { await manager.add(deviceSlices) }
        await manager.add(controller)
        await manager.addRunnable(recorder)
    }

    // MARK: Reconcile

    public func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        guard let object = jobs.store.get(key) else { return .done }
        let uid = object.metadata.uid ?? ""
        let owned = pods.store.byIndex(Self.ownerIndex, uid)
        if object.metadata.isBeingDeleted {
            // Someone else's finalizer holds the job: stop its pods now rather than when the object goes.
            try await delete(owned.filter { $0.metadata.deletionTimestamp == nil })
            forget(uid)
            return .done
        }
        let started = Date()
        var checked = object.checked
        if let job = checked.object, job.spec.totalReplicas > Self.maximumPods {
            // The API allows any count; a controller that built a billion pod specs would not survive it.
            checked.errors.append(.invalid(FieldPath("spec", "replicas"), .int(job.spec.totalReplicas),
                                           "a job may have at most \(Self.maximumPods) pods in total"))
        }
        guard let job = checked.object, checked.errors.isEmpty else {
            try await reportInvalid(object, checked.errors)
            return .done
        }
        let objects = TrainingObjects(job: job, schedulerName: configuration.schedulerName)
        var lifecycle = TrainingLifecycle(mode: configuration.admission, objects: objects, pods: owned, now: .now)
        lifecycle.expectedCreations = pendingCreations(uid: uid, seen: owned)
        lifecycle.requeueBackoff = backoff(uid: uid)
        let plan = lifecycle.plan { self.selfAdmit(job, topology: objects.topology) }
        metrics.planTime.observe(Date().timeIntervalSince(started))

        if plan.status != job.status {
            var updated = job
            updated.status = plan.status
            do {
                _ = try await client.updateStatus(updated)
            } catch {
                if plan.admits { admission.release(uid: uid) }
                throw error
            }
        }
        record(plan, job: job, object: object)
        if plan.releasesAdmission || plan.status.phase?.isFinished == true || plan.status.phase == .suspended {
            admission.release(uid: uid)
        }
        try await delete(plan.deletePods)
        // The Service and the pods are independent writes: in parallel, a new job costs one round trip less.
        async let serviceAndConfig: Void = plan.ensureOwnedObjects ? ensureOwned(objects, uid: uid) : ()
        try await create(plan.createPods, job: object, uid: uid)
        try await serviceAndConfig
        if plan.deleteJob {
            do {
                _ = try await client.delete(TrainingJobObject.self, name: key.name, namespace: key.namespace,
                                            options: DeleteOptions(propagationPolicy: .background, preconditionUID: uid))
                recorder.record(.normal, reason: "Deleted", message: "ttlSecondsAfterFinished expired", on: object)
            } catch let error as KubeError where error.isNotFound || error.isConflict {}
            forget(uid)
            return .done
        }
        return plan.requeueAfter.map { .requeue(after: $0) } ?? .done
    }

    /// Events and metrics for what the plan changed.
    private func record(_ plan: LifecyclePlan, job: TrainingJob, object: TrainingJobObject) {
        for note in plan.events { recorder.record(note.type, reason: note.reason, message: note.message, on: object) }
        let old = job.status?.phase
        guard let new = plan.status.phase, new != old else { return }
        metrics.transitions.labels(new.rawValue).inc()
        switch new {
        case .admitted where old == nil || old == .queued || old == .preempted:
            if let created = job.metadata.creationTimestamp {
                let admittedAt = plan.status.admission?.time ?? .now
                metrics.timeQueued.observe(Double(max(0, admittedAt.secondsSinceEpoch - created.secondsSinceEpoch)))
            }
        case .running:
            if let admittedAt = plan.status.admission?.time {
                metrics.timeToRunning.observe(Date().timeIntervalSince(admittedAt.date))
            }
        case .restarting:
            metrics.restarts.inc()
        case .preempted:
            metrics.preemptions.inc()
            releases.withLock { $0[job.metadata.uid ?? "", default: 0] += 1 }
        case .queued where plan.releasesAdmission:
            metrics.gangTimeouts.inc()
            releases.withLock { $0[job.metadata.uid ?? "", default: 0] += 1 }
        default:
            break
        }
    }

    private func backoff(uid: String) -> Duration {
        let n = releases.withLock { $0[uid] ?? 0 }
        guard n > 1 else { return configuration.requeueBackoff }
        return min(configuration.requeueBackoff * (1 << min(n - 1, 20)), configuration.maxRequeueBackoff)
    }

    private func forget(_ uid: String) {
        admission.release(uid: uid)
        _ = expectations.withLock { $0.removeValue(forKey: uid) }
        _ = releases.withLock { $0.removeValue(forKey: uid) }
    }

    private func pendingCreations(uid: String, seen: [Pod]) -> Set<String> {
        expectations.withLock { e in
            guard var pending = e[uid] else { return [] }
            for pod in seen { pending.remove(pod.metadata.name ?? "") }
            e[uid] = pending.isEmpty ? nil : pending
            return pending
        }
    }

    private func selfAdmit(_ job: TrainingJob, topology: JobTopology) -> AdmissionVerdict {
        let store = jobs.store
        return admission.admit(job, topology: topology, slices: deviceSlices?.store.list() ?? [], pods: pods.store.list()) { uid, key in
            guard let current = store.get(key), current.metadata.uid == uid else { return false }
            return current.rawConditions.contains { $0.type == ConditionType.admitted && $0.isTrue }
        }
    }

    // MARK: Actions

    private func delete(_ victims: [Pod]) async throws {
        for pod in victims {
            do {
                _ = try await client.delete(Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace,
                                            options: DeleteOptions(preconditionUID: pod.metadata.uid))
            } catch let error as KubeError where error.isNotFound || error.isConflict {
                // Gone already, or a newer pod of that name: nothing of ours to delete.
            }
        }
    }

    private func create(_ newPods: [Pod], job: TrainingJobObject, uid: String) async throws {
        guard !newPods.isEmpty else { return }
        expectations.withLock { e in for p in newPods { e[uid, default: []].insert(p.metadata.name ?? "") } }
        // Up to 16 creations in flight: a large gang starts together, without flooding the API server.
        let failures = await withTaskGroup(of: (any Error)?.self) { group -> [any Error] in
            var failures: [any Error] = []
            for (i, pod) in newPods.enumerated() {
                if i >= 16, let result = await group.next(), let error = result { failures.append(error) }
                group.addTask {
                    do {
                        _ = try await self.client.create(pod)
                        return nil
                    } catch let error as KubeError where error.isAlreadyExists {
                        return nil
                    } catch {
                        self.expectations.withLock { e in _ = e[uid]?.remove(pod.metadata.name ?? "") }
                        self.recorder.record(.warning, reason: "FailedCreatePod",
                                             message: "creating pod \(pod.metadata.name ?? ""): \(error)", on: job)
                        return error
                    }
                }
            }
            for await result in group { if let error = result { failures.append(error) } }
            return failures
        }
        if let first = failures.first { throw first }
    }

    private func ensureOwned(_ objects: TrainingObjects, uid: String) async throws {
        let service = objects.service
        if !services.store.byIndex(Self.ownerIndex, uid).contains(where: { $0.metadata.name == service.metadata.name }) {
            do { _ = try await client.create(service) } catch let error as KubeError where error.isAlreadyExists {}
        }
        if let hostfile = objects.mpiHostfile,
           !configMaps.store.byIndex(Self.ownerIndex, uid).contains(where: { $0.metadata.name == hostfile.metadata.name }) {
            do { _ = try await client.create(hostfile) } catch let error as KubeError where error.isAlreadyExists {}
        }
    }

    /// An object that fails decoding or validation gets `Invalid=True` naming every broken field and an Event;
    /// nothing else is done to it (its pods, if any, are left as they are).
    private func reportInvalid(_ object: TrainingJobObject, _ errors: FieldErrors) async throws {
        var conditions = object.rawConditions
        let condition = errors.condition(observedGeneration: object.metadata.generation)
        guard conditions.set(condition) else { return }
        let patch: JSONValue = [
            "metadata": ["resourceVersion": .string(object.metadata.resourceVersion ?? "")],
            "status": ["conditions": try JSONValueEncoder().encode(conditions),
                       "observedGeneration": object.metadata.generation.map { .int($0) } ?? .null],
        ]
        do {
            _ = try await client.patch(TrainingJobObject.self, name: object.name, namespace: object.namespace,
                                       patch: .merge(patch), subresource: "status")
        } catch let error as KubeError where error.isNotFound {
            return
        }
        recorder.record(.warning, reason: Reason.invalidSpec, message: condition.message ?? "\(errors)", on: object)
        logger.warning("invalid TrainingJob", ["job": object.key, "errors": errors.description])
    }
}

struct WeakReference<T: AnyObject & Sendable>: Sendable {
    weak var value: T?
}
