// TrainingLifecycle: the TrainingJob state machine as a pure function from (job, its pods, now) to a plan:
// the status to write, the pods to create or delete, the Events, when to look again. The controller writes
// the status first (guarded by the job's resourceVersion) and only then acts, so a decision taken on a stale
// cache is refused with a conflict instead of, say, counting one failure as two restarts.
//
//   (new) ─► Queued ─► Admitted ─► Running ─► Succeeded
//              ▲  ▲        │  ▲       │  └───► Failed (permanent exit code, Never policy, backoffLimit, deadline)
//              │  │        │  └─ Restarting ◄─┘ (retryable failure: the whole gang is deleted and recreated)
//              │  └─ gang timeout (not running within gang.timeoutSeconds)
//              └── Preempted (a member evicted/preempted: everything released, re-admitted intact)
//   Suspended ◄─► any unfinished phase (runPolicy.suspend)

import GantryAPI
import KubeCore
import KubeRuntime

public enum AdmissionMode: String, Sendable, CaseIterable {
    /// The quota controller grants `Admitted`.
    case quota
    /// This controller admits jobs itself, when their gang fits the free devices.
    case selfAdmission = "self"
}

/// The self-admission gate's answer.
public struct AdmissionVerdict: Sendable {
    public var admitted: Bool
    public var message: String

    public init(admitted: Bool, message: String) {
        self.admitted = admitted
        self.message = message
    }
}

public struct LifecyclePlan: Sendable {
    public struct Note: Sendable, Hashable {
        public var type: EventType
        public var reason: String
        public var message: String
    }

    public var status: TrainingJobStatus
    public var createPods: [Pod] = []
    public var deletePods: [Pod] = []
    public var ensureOwnedObjects = false
    public var deleteJob = false
    public var events: [Note] = []
    public var requeueAfter: Duration?
    /// This plan grants the job's admission (self mode) or gives it back.
    public var admits = false
    public var releasesAdmission = false
    public var restartsGang = false

    init(status: TrainingJobStatus) { self.status = status }

    mutating func event(_ type: EventType, _ reason: String, _ message: String) {
        events.append(Note(type: type, reason: reason, message: message))
    }

    mutating func requeue(after d: Duration) {
        let d = max(d, .milliseconds(100))
        requeueAfter = requeueAfter.map { min($0, d) } ?? d
    }
}

public struct TrainingLifecycle: Sendable {
    public var mode: AdmissionMode
    public var objects: TrainingObjects
    public var pods: [Pod]
    public var now: Time
    /// Pods created by this process that the cache may not show yet.
    public var expectedCreations: Set<String> = []
    /// Pause before a preempted or timed-out job may be admitted again (self mode).
    public var requeueBackoff: Duration = .seconds(2)
    /// How often a queued job checks for capacity again (self mode).
    public var capacityRetry: Duration = .seconds(2)

    public init(mode: AdmissionMode, objects: TrainingObjects, pods: [Pod], now: Time) {
        self.mode = mode
        self.objects = objects
        self.pods = pods
        self.now = now
    }

    /// Phase conditions of which at most one is True; `Admitted` holds alongside Admitted/Running/Restarting.
    static let exclusive = [ConditionType.queued, ConditionType.running, ConditionType.restarting, ConditionType.succeeded,
                            ConditionType.failed, ConditionType.suspended, ConditionType.preempted]

    var job: TrainingJob { objects.job }

    /// - Parameter admit: the self-admission gate, asked only in self mode when the job waits for admission.
    public func plan(admit: () -> AdmissionVerdict) -> LifecyclePlan {
        var s = Stepper(lifecycle: self)
        s.run(admit: admit)
        return s.plan
    }
}

/// One planning pass: the status being built and the helpers that keep conditions consistent with the phase.
struct Stepper {
    let l: TrainingLifecycle
    var plan: LifecyclePlan
    let generation: Int64?

    init(lifecycle: TrainingLifecycle) {
        l = lifecycle
        var status = lifecycle.job.status ?? TrainingJobStatus()
        generation = lifecycle.job.metadata.generation
        status.observedGeneration = generation
        if status.restarts == nil { status.restarts = 0 }
        plan = LifecyclePlan(status: status)
    }

    var now: Time { l.now }
    var job: TrainingJob { l.job }
    var phase: TrainingPhase? { plan.status.phase }
    var conditions: [Condition] { plan.status.conditions ?? [] }
    var livePods: [Pod] { l.pods.filter { $0.metadata.deletionTimestamp == nil } }

    func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }

    mutating func set(_ type: String, _ status: ConditionStatus, _ reason: String, _ message: String) {
        var list = conditions
        list.set(type: type, status: status, reason: reason, message: message, observedGeneration: generation, now: now)
        plan.status.conditions = list
    }

    /// Moves to `phase` with its condition True and every other phase condition False.
    mutating func enter(_ newPhase: TrainingPhase, _ type: String, reason: String, message: String) {
        for other in TrainingLifecycle.exclusive where other != type {
            if let c = condition(other), c.status == .true { set(other, .false, reason, message) }
        }
        set(type, .true, reason, message)
        plan.status.phase = newPhase
    }

    mutating func releaseAdmission(_ reason: String, _ message: String) {
        if condition(ConditionType.admitted)?.status == .true {
            set(ConditionType.admitted, .false, reason, message)
            plan.releasesAdmission = true
        }
    }

    mutating func deleteAll() {
        plan.deletePods = livePods
    }

    // MARK: The pass

    mutating func run(admit: () -> AdmissionVerdict) {
        if let c = condition(ConditionType.invalid), c.status != .false {
            set(ConditionType.invalid, .false, Reason.valid, "The spec passes validation.")
        }
        if phase?.isFinished == true { return finished() }
        if job.spec.runPolicy?.suspend == true { return suspend() }
        if phase == .suspended {
            let queuedReason = l.mode == .quota ? Reason.waitingForQuota : Reason.waitingForCapacity
            enter(.queued, ConditionType.queued, reason: queuedReason, message: "resumed; waiting for admission")
            set(ConditionType.suspended, .false, "Resumed", "runPolicy.suspend was cleared")
            plan.event(.normal, "Resumed", "runPolicy.suspend was cleared; the job is queued for admission again")
        }
        if condition(ConditionType.admitted)?.status != .true {
            waitForAdmission(admit: admit)
            if condition(ConditionType.admitted)?.status != .true { return }
        }
        admitted()
    }

    // MARK: Finished

    mutating func finished() {
        let policy = job.spec.runPolicy?.cleanPodPolicy ?? .running
        switch policy {
        case .all: plan.deletePods = livePods
        case .none: break
        default: plan.deletePods = livePods.filter { !$0.isTerminal }
        }
        guard let ttl = job.spec.runPolicy?.ttlSecondsAfterFinished, let done = plan.status.completionTime else { return }
        let due = done.adding(seconds: Int64(ttl))
        if now >= due {
            plan.deleteJob = true
        } else {
            plan.requeue(after: .seconds(due.secondsSinceEpoch - now.secondsSinceEpoch))
        }
    }

    mutating func finish(succeeded: Bool, reason: String, message: String) {
        if succeeded {
            enter(.succeeded, ConditionType.succeeded, reason: reason, message: message)
            plan.event(.normal, reason, message)
        } else {
            enter(.failed, ConditionType.failed, reason: reason, message: message)
            plan.event(.warning, reason, message)
        }
        releaseAdmission(reason, "the job finished")
        plan.status.completionTime = now
        // Training-operator's default: a finished job stops its remaining pods (cleanPodPolicy Running).
        finished()
        if job.spec.runPolicy?.cleanPodPolicy != CleanPodPolicy.none {
            // What is still running is being stopped: the READY column of a finished job reads 0/N.
            plan.status.replicaStatuses = plan.status.replicaStatuses?.map { r in
                var r = r
                r.active = 0
                r.ready = 0
                return r
            }
            plan.status.readyReplicas = 0
            if let total = plan.status.replicas { plan.status.ready = "0/\(total)" }
        }
    }

    // MARK: Suspension

    mutating func suspend() {
        deleteAll()
        guard phase != .suspended else { return }
        let message = "runPolicy.suspend is set: pods deleted, admission released; restarts and times are kept"
        enter(.suspended, ConditionType.suspended, reason: Reason.suspendedByUser, message: message)
        releaseAdmission(Reason.suspendedByUser, message)
        plan.event(.normal, "Suspended", message)
    }

    // MARK: Waiting for admission

    mutating func waitForAdmission(admit: () -> AdmissionVerdict) {
        // Admission taken away while running (the quota controller reclaimed it): the phase follows.
        if phase == .admitted || phase == .running || phase == .restarting {
            if condition(ConditionType.preempted)?.status == .true {
                plan.status.phase = .preempted
                set(ConditionType.running, .false, Reason.preemptedByPriority, "the admission was revoked")
            } else {
                enter(.queued, ConditionType.queued, reason: "AdmissionRevoked",
                      message: "the quota controller revoked the admission; pods deleted, the job is queued again")
            }
            plan.event(.warning, "AdmissionRevoked", "admission revoked; deleting the pods")
        }
        // Whatever still runs without an admission (revoked, preempted, timed out) goes first.
        if !livePods.isEmpty {
            deleteAll()
            return
        }
        if !l.pods.isEmpty { return }  // terminating: their deletion triggers the next pass
        switch l.mode {
        case .quota:
            if phase == nil {
                enter(.queued, ConditionType.queued, reason: Reason.waitingForQuota,
                      message: "waiting for the quota controller to admit the job")
                plan.event(.normal, "Queued", "queued in quota \(job.spec.quota ?? "(namespace default)")")
            }
        case .selfAdmission:
            // A job released by preemption or a gang timeout pauses before it competes again.
            if phase == .preempted || condition(ConditionType.queued)?.reason == Reason.gangTimeout,
               let since = conditions.filter({ $0.status == .true }).compactMap(\.lastTransitionTime).max() {
                let ready = since.date.addingTimeInterval(l.requeueBackoff.seconds)
                if ready > now.date {
                    plan.requeue(after: .seconds(max(1, ready.timeIntervalSince(now.date))))
                    return
                }
            }
            let verdict = admit()
            if verdict.admitted {
                set(ConditionType.admitted, .true, Reason.quotaReserved, verdict.message)
                plan.status.admission = Admission(quota: job.spec.quota, time: now, reason: verdict.message)
                plan.admits = true
                plan.event(.normal, "Admitted", verdict.message)
                return
            }
            if phase != .preempted {
                let reason = condition(ConditionType.queued)?.reason == Reason.gangTimeout ? Reason.gangTimeout : Reason.waitingForCapacity
                enter(.queued, ConditionType.queued, reason: reason, message: verdict.message)
                if l.job.status?.phase == nil {
                    plan.event(.normal, "Queued", verdict.message)
                }
            }
            plan.requeue(after: l.capacityRetry)
        }
    }

    // MARK: Admitted

    var admittedAt: Time? {
        plan.status.admission?.time ?? condition(ConditionType.admitted)?.lastTransitionTime
    }

    mutating func admitted() {
        let minMember = Int(job.spec.gang?.minMember ?? Int32(clamping: job.spec.totalReplicas))
        let topology = l.objects.topology
        if phase == nil || phase == .queued || phase == .preempted {
            let total = topology.worldSize
            let message = "admitted; creating \(total) pods"
            for type in TrainingLifecycle.exclusive {
                if let c = condition(type), c.status == .true { set(type, .false, Reason.podsStarting, message) }
            }
            set(ConditionType.running, .false, Reason.podsStarting, message)
            plan.status.phase = .admitted
            if !plan.admits, l.mode == .quota {
                plan.event(.normal, "Admitted", condition(ConditionType.admitted)?.message ?? "admitted by the quota controller")
            }
        }
        if phase == .restarting {
            if !livePods.isEmpty { deleteAll() }
            if !l.pods.isEmpty { return updateCounts(GangObservation(topology: topology, pods: l.pods, jobIsRunning: false)) }
            set(ConditionType.restarting, .false, Reason.replicaRestarting, "every pod of the gang was deleted; recreating them")
            plan.status.phase = .admitted
            set(ConditionType.running, .false, Reason.podsStarting, "recreating \(topology.worldSize) pods")
        }
        if let limit = job.spec.runPolicy?.activeDeadlineSeconds, let since = admittedAt {
            let due = since.adding(seconds: limit)
            if now >= due {
                finish(succeeded: false, reason: Reason.deadlineExceeded,
                       message: "the job ran longer than runPolicy.activeDeadlineSeconds (\(limit)s)")
                plan.deletePods = livePods.filter { !$0.isTerminal }
                return
            }
            plan.requeue(after: .seconds(due.secondsSinceEpoch - now.secondsSinceEpoch))
        }
        let observed = GangObservation(topology: topology, pods: l.pods, jobIsRunning: phase == .running,
                                       expectedCreations: l.expectedCreations)
        updateCounts(observed)

        if let d = observed.disruptions.first {
            return preempt(d)
        }
        if !observed.failures.isEmpty {
            return fail(observed.failures)
        }
        if succeeded(observed, topology: topology) {
            let leaders = TrainingLifecycle.successReplicas(job)
            return finish(succeeded: true, reason: Reason.jobSucceeded,
                          message: "every \(leaders.joined(separator: "/")) pod succeeded")
        }
        if observed.started >= minMember {
            if phase != .running {
                let message = "\(observed.started)/\(topology.worldSize) pods running (gang minimum \(minMember))"
                enter(.running, ConditionType.running, reason: Reason.allReplicasRunning, message: message)
                plan.event(.normal, "Running", message)
            }
        } else if phase == .admitted {
            var message = "\(observed.started)/\(topology.worldSize) pods running, \(minMember) needed"
            if let stuck = observed.unschedulable.first { message += "; \(stuck.pod): \(stuck.message)" }
            set(ConditionType.running, .false, Reason.podsStarting, message)
            if let timeout = job.spec.gang?.timeoutSeconds, let start = attemptStart {
                let due = start.adding(seconds: Int64(timeout))
                if now >= due { return gangTimeout(observed, minMember: minMember, timeout: timeout) }
                plan.requeue(after: .seconds(due.secondsSinceEpoch - now.secondsSinceEpoch))
            }
        }
        plan.ensureOwnedObjects = true
        plan.createPods = observed.missing.map(l.objects.pod)
        if !plan.createPods.isEmpty, plan.status.startTime == nil { plan.status.startTime = now }
    }

    /// When the current attempt began: the admission, or the end of the last gang restart.
    var attemptStart: Time? {
        var start = admittedAt
        if let r = condition(ConditionType.restarting), r.status == .false, let t = r.lastTransitionTime {
            start = max(start ?? t, t)
        }
        return start
    }

    func succeeded(_ observed: GangObservation, topology: JobTopology) -> Bool {
        let replicas = TrainingLifecycle.successReplicas(job)
        let needed = replicas.reduce(0) { $0 + topology.members(of: $1).count }
        let done = replicas.reduce(0) { $0 + (observed.succeededByReplica[$1] ?? 0) }
        return needed > 0 && done == needed
    }

    mutating func updateCounts(_ observed: GangObservation) {
        plan.status.replicaStatuses = observed.replicaStatuses
        plan.status.replicas = Int32(clamping: observed.total)
        plan.status.readyReplicas = Int32(clamping: observed.ready)
        plan.status.ready = "\(observed.ready)/\(observed.total)"
    }

    mutating func preempt(_ d: GangObservation.Disruption) {
        let byPriority = d.reason.contains("Preempt")
        let reason = byPriority ? Reason.preemptedByPriority : "Evicted"
        let message = "\(d.message) (\(d.reason)); the whole gang was released and the job returns to the queue"
        enter(.preempted, ConditionType.preempted, reason: reason, message: message)
        releaseAdmission(reason, message)
        deleteAll()
        plan.event(.warning, "Preempted", message)
        if l.mode == .selfAdmission { plan.requeue(after: l.requeueBackoff) }
    }

    mutating func gangTimeout(_ observed: GangObservation, minMember: Int, timeout: Int32) {
        var message = "only \(observed.started) of \(minMember) gang members were running after gang.timeoutSeconds (\(timeout)s); "
            + "the gang released its devices and the job was requeued"
        if let stuck = observed.unschedulable.first { message += "; \(stuck.pod): \(stuck.message)" }
        enter(.queued, ConditionType.queued, reason: Reason.gangTimeout, message: message)
        set(ConditionType.running, .false, Reason.gangTimeout, message)
        releaseAdmission(Reason.gangTimeout, message)
        deleteAll()
        plan.event(.warning, "GangTimeout", message)
        if l.mode == .selfAdmission { plan.requeue(after: l.requeueBackoff) }
    }

    mutating func fail(_ failures: [GangObservation.Failure]) {
        func policy(_ replica: String) -> ReplicaRestartPolicy {
            job.spec.replicas.first { $0.name == replica }?.restartPolicy ?? .onFailure
        }
        func describe(_ f: GangObservation.Failure) -> String {
            "pod \(f.podName) failed" + (f.exitCode.map { " with exit code \($0)" } ?? " (\(f.reason))")
        }
        for f in failures {
            switch policy(f.replica) {
            case .never:
                return finish(succeeded: false, reason: Reason.replicaFailed,
                              message: "\(describe(f)) and replica \(f.replica) has restartPolicy Never")
            case .exitCode:
                if let code = f.exitCode, !ReplicaRestartPolicy.isRetryable(exitCode: code) {
                    return finish(succeeded: false, reason: Reason.permanentExitCode,
                                  message: "\(describe(f)): codes 1-127 are permanent under restartPolicy ExitCode")
                }
            default:
                break
            }
        }
        let first = failures[0]
        let restarts = plan.status.restarts ?? 0
        let limit = job.spec.runPolicy?.backoffLimit ?? 3
        guard restarts < limit else {
            return finish(succeeded: false, reason: Reason.backoffLimitExceeded,
                          message: "\(describe(first)) after \(restarts) restarts; runPolicy.backoffLimit is \(limit)")
        }
        plan.status.restarts = restarts + 1
        let message = "\(describe(first)); restarting the whole gang (restart \(restarts + 1) of at most \(limit))"
        enter(.restarting, ConditionType.restarting, reason: Reason.replicaRestarting, message: message)
        deleteAll()
        plan.restartsGang = true
        plan.event(.warning, "Restarting", message)
    }
}

extension TrainingLifecycle {
    /// Whose success completes the job: every master (chief, launcher), else every worker, else every pod.
    static func successReplicas(_ job: TrainingJob) -> [String] {
        let names = job.spec.replicas.map(\.name)
        let leaders = names.filter { JobTopology.leaderReplicas.contains($0) }
        if !leaders.isEmpty { return leaders }
        if names.contains("worker") { return ["worker"] }
        return names
    }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
