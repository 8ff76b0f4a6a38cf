// Unit tests of the pure parts: the lifecycle plan for situations the integration tests do not stage
// (quota-mode gating, preemption, gang timeout, disappearing pods), the frameworks' environments, and the
// tolerant reading of malformed objects.

import Foundation
import GantryAPI
import GantryControllers
import KubeCore
import KubeRuntime
import Testing

struct TrainingLifecycleTests {
    func admittedJob(_ phase: TrainingPhase?, minutesAgo: Int64 = 0) -> TrainingJob {
        var job = pytorchJob("j", workers: 1).defaulted()
        job.metadata.uid = "uid-1"
        job.metadata.generation = 1
        let admittedAt = Time.now.adding(seconds: -60 * minutesAgo)
        var conditions: [Condition] = []
        conditions.set(type: ConditionType.admitted, status: .true, reason: Reason.quotaReserved, observedGeneration: 1, now: admittedAt)
        if phase == .running { conditions.set(type: ConditionType.running, status: .true, reason: Reason.allReplicasRunning, observedGeneration: 1) }
        job.status = TrainingJobStatus(phase: phase, admission: Admission(time: admittedAt), restarts: 0, conditions: conditions)
        return job
    }

    func pod(_ name: String, _ phase: PodPhase, exitCode: Int32? = nil) -> Pod {
        var p = Pod(metadata: ObjectMeta(name: name, namespace: "team", uid: "pod-\(name)"))
        p.status = PodStatus(phase: phase)
        if let exitCode {
            var s = try! JSONValueDecoder().decode(ContainerStatus.self, from: [
                "name": "pytorch", "ready": false, "restartCount": 0, "image": "i", "imageID": "",
                "state": ["terminated": ["exitCode": .int(Int64(exitCode))]],
            ])
            s.ready = false
            p.status?.containerStatuses = [s]
        }
        return p
    }

    func plan(_ job: TrainingJob, _ pods: [Pod], mode: AdmissionMode = .quota, admit: Bool = true) -> LifecyclePlan {
        TrainingLifecycle(mode: mode, objects: TrainingObjects(job: job, schedulerName: "gantry-scheduler"), pods: pods, now: .now)
            .plan { AdmissionVerdict(admitted: admit, message: admit ? "fits" : "does not fit") }
    }

    @Test func quotaModeWaitsForTheQuotaControllersAdmission() {
        let job = pytorchJob("j", workers: 1).defaulted()
        let p = plan(job, [])
        #expect(p.status.phase == .queued)
        #expect(p.status.conditions?.first { $0.type == ConditionType.queued }?.reason == Reason.waitingForQuota)
        #expect(p.createPods.isEmpty && !p.admits)
    }

    @Test func selfModeAdmitsOnlyWhenTheGangFits() {
        let job = pytorchJob("j", workers: 1).defaulted()
        let refused = plan(job, [], mode: .selfAdmission, admit: false)
        #expect(refused.status.phase == .queued)
        #expect(refused.status.conditions?.first { $0.type == ConditionType.queued }?.reason == Reason.waitingForCapacity)
        #expect(refused.createPods.isEmpty && refused.requeueAfter != nil)
        let admitted = plan(job, [], mode: .selfAdmission)
        #expect(admitted.admits && admitted.status.phase == .admitted)
        #expect(admitted.createPods.map(\.name) == ["j-master-0", "j-worker-0"])
    }

    @Test func revokedAdmissionDeletesThePodsAndRequeues() {
        var job = admittedJob(.running)
        job.status?.conditions?.set(type: ConditionType.admitted, status: .false, reason: Reason.reclaimedByQuota, observedGeneration: 1)
        let p = plan(job, [pod("j-master-0", .running), pod("j-worker-0", .running)])
        #expect(p.status.phase == .queued)
        #expect(p.status.conditions?.first { $0.type == ConditionType.running }?.status == .false)
        #expect(p.deletePods.count == 2 && p.createPods.isEmpty)
    }

    @Test func evictedMemberPreemptsTheWholeGangWithoutCountingARestart() {
        var evicted = pod("j-worker-0", .running)
        evicted.status?.conditions = [PodCondition(type: "DisruptionTarget", status: .true, reason: "PreemptionByScheduler",
                                                   message: "preempted by team/llm")]
        let p = plan(admittedJob(.running), [pod("j-master-0", .running), evicted])
        #expect(p.status.phase == .preempted)
        #expect(p.status.conditions?.first { $0.type == ConditionType.preempted }?.reason == Reason.preemptedByPriority)
        #expect(p.status.conditions?.first { $0.type == ConditionType.admitted }?.status == .false)
        #expect(p.status.restarts == 0)
        #expect(Set(p.deletePods.map(\.name)) == ["j-master-0", "j-worker-0"])
        #expect(p.releasesAdmission)
    }

    @Test func memberVanishingWhileRunningIsADisruption() {
        let p = plan(admittedJob(.running), [pod("j-master-0", .running)])
        #expect(p.status.phase == .preempted)
    }

    @Test func podNotYetInTheCacheIsNotADisruption() {
        var l = TrainingLifecycle(mode: .quota, objects: TrainingObjects(job: admittedJob(.running), schedulerName: "s"),
                                  pods: [pod("j-master-0", .running)], now: .now)
        l.expectedCreations = ["j-worker-0"]
        let p = l.plan { AdmissionVerdict(admitted: true, message: "") }
        #expect(p.status.phase == .running)
    }

    @Test func gangNotRunningWithinTimeoutIsReleasedAndRequeued() {
        var job = admittedJob(.admitted, minutesAgo: 2)
        job.spec.gang?.timeoutSeconds = 60
        var pending = pod("j-worker-0", .pending)
        pending.status?.conditions = [PodCondition(type: "PodScheduled", status: .false, reason: "Unschedulable",
                                                   message: "0/3 nodes are available: 3 Insufficient gantry.dev/vgcu.")]
        let p = plan(job, [pod("j-master-0", .running), pending])
        #expect(p.status.phase == .queued)
        let queued = p.status.conditions?.first { $0.type == ConditionType.queued }
        #expect(queued?.reason == Reason.gangTimeout)
        #expect(queued?.message?.contains("Insufficient gantry.dev/vgcu") == true)
        #expect(p.deletePods.count == 2 && p.releasesAdmission)
    }

    @Test func onFailureRestartsUntilBackoffLimitThenFails() {
        var job = admittedJob(.running)
        job.spec.replicas[1].restartPolicy = .onFailure
        job.spec.runPolicy?.backoffLimit = 2
        let failed = [pod("j-master-0", .running), pod("j-worker-0", .failed, exitCode: 1)]
        let first = plan(job, failed)
        #expect(first.status.phase == .restarting && first.status.restarts == 1 && first.restartsGang)
        job.status?.restarts = 2
        let last = plan(job, failed)
        #expect(last.status.phase == .failed)
        #expect(last.status.conditions?.first { $0.type == ConditionType.failed }?.reason == Reason.backoffLimitExceeded)
    }

    @Test func withoutMasterEveryWorkerMustSucceed() {
        var job = admittedJob(.running)
        job.spec.replicas.removeFirst()
        job.spec.replicas[0].count = 2
        job.spec.gang?.minMember = 2
        let one = plan(job, [pod("j-worker-0", .succeeded), pod("j-worker-1", .running)])
        #expect(one.status.phase == .running)
        let both = plan(job, [pod("j-worker-0", .succeeded), pod("j-worker-1", .succeeded)])
        #expect(both.status.phase == .succeeded)
        #expect(both.status.completionTime != nil)
    }

    @Test func restartingWaitsForEveryOldPodToGoBeforeRecreating() {
        var job = admittedJob(.restarting)
        job.status?.conditions?.set(type: ConditionType.restarting, status: .true, reason: Reason.replicaRestarting, observedGeneration: 1)
        var terminating = pod("j-master-0", .running)
        terminating.metadata.deletionTimestamp = .now
        let waiting = plan(job, [terminating])
        #expect(waiting.createPods.isEmpty && waiting.status.phase == .restarting)
        let recreating = plan(job, [])
        #expect(recreating.status.phase == .admitted)
        #expect(recreating.createPods.count == 2)
        #expect(recreating.status.conditions?.first { $0.type == ConditionType.restarting }?.status == .false)
    }

    // MARK: Environments

    func job(_ framework: Framework, _ replicas: [(String, Int32)]) -> TrainingJob {
        let template = PodTemplateSpec(spec: PodSpec(containers: [Container(name: "main", image: "i")]))
        return TrainingJob(namespace: "team", name: "t", spec: TrainingJobSpec(
            framework: framework, replicas: replicas.map { ReplicaSpec(name: $0.0, count: $0.1, template: template) })).defaulted()
    }

    func env(_ pod: Pod, _ name: String) -> String? { pod.spec?.containers.first?.env?.first { $0.name == name }?.value }

    @Test func tensorflowConfigListsTheClusterAndTheTask() throws {
        let objects = TrainingObjects(job: job(.tensorflow, [("chief", 1), ("ps", 1), ("worker", 2), ("evaluator", 1)]),
                                      schedulerName: "s")
        let worker1 = try #require(objects.pods.first { $0.name == "t-worker-1" })
        let config = try JSONParser.parse(Array(try #require(env(worker1, "TF_CONFIG")).utf8))
        #expect(config["cluster"]?["worker"] == ["t-worker-0.t:2222", "t-worker-1.t:2222"])
        #expect(config["cluster"]?["chief"] == ["t-chief-0.t:2222"])
        #expect(config["cluster"]?["evaluator"] == nil)
        #expect(config["task"]?["type"] == "worker" && config["task"]?["index"] == 1)
    }

    @Test func mpiHostfileListsTheWorkersAndIsMounted() throws {
        let objects = TrainingObjects(job: job(.mpi, [("launcher", 1), ("worker", 2)]), schedulerName: "s")
        let hostfile = try #require(objects.mpiHostfile)
        #expect(hostfile.data?["hostfile"] == "t-worker-0.t slots=1\nt-worker-1.t slots=1\n")
        let launcher = try #require(objects.pods.first { $0.name == "t-launcher-0" })
        #expect(launcher.spec?.containers.first?.volumeMounts?.contains { $0.mountPath == "/etc/mpi" } == true)
        #expect(env(launcher, "OMPI_MCA_orte_default_hostfile") == "/etc/mpi/hostfile")
    }

    @Test func paddleEnvironmentNamesTrainersAndServers() throws {
        let objects = TrainingObjects(job: job(.paddle, [("ps", 1), ("worker", 2)]), schedulerName: "s")
        let w1 = try #require(objects.pods.first { $0.name == "t-worker-1" })
        #expect(env(w1, "PADDLE_TRAINER_ID") == "1")
        #expect(env(w1, "PADDLE_TRAINERS_NUM") == "2")
        #expect(env(w1, "PADDLE_TRAINER_ENDPOINTS") == "t-worker-0.t:36543,t-worker-1.t:36543")
        #expect(env(w1, "PADDLE_PSERVERS_IP_PORT_LIST") == "t-ps-0.t:36543")
        #expect(env(w1, "TRAINING_ROLE") == "TRAINER")
    }

    @Test func templateEnvironmentCannotOverrideTheRank() throws {
        var j = job(.pytorch, [("master", 1), ("worker", 1)])
        j.spec.replicas[1].template.spec?.containers[0].env = [EnvVar(name: "RANK", value: "7"), EnvVar(name: "KEEP", value: "1")]
        let worker = try #require(TrainingObjects(job: j, schedulerName: "s").pods.first { $0.name == "t-worker-0" })
        #expect(worker.spec?.containers.first?.env?.filter { $0.name == "RANK" }.map(\.value) == ["1"])
        #expect(env(worker, "KEEP") == "1")
    }

    @Test func malformedObjectIsReadAndReportedNotThrown() {
        let raw: JSONValue = ["apiVersion": "gantry.dev/v1alpha1", "kind": "TrainingJob",
                              "metadata": ["name": "bad", "namespace": "team", "uid": "u"],
                              "spec": ["replicas": "not a list"]]
        let object = TrainingJobObject(json: raw)
        #expect(object.metadata.name == "bad")
        let checked = object.checked
        #expect(checked.object == nil)
        #expect(checked.errors.description.contains("spec.replicas"))
    }
}
