// Integration: the training controller against the in-process dev cluster over HTTP, as issue 8 lists them.
// Simulated runs are a few seconds; every wait is for a condition with a deadline, never a fixed sleep.

import Foundation
import GantryAPI
import GantryControllers
import KubeClient
import KubeCore
import KubeRuntime
import Testing

@Suite(.serialized)
struct TrainingJobControllerTests {
    @Test func pytorchGangRunsOnVGCUSlicesAndSucceeds() async throws {
        let c = try await TrainingCluster()
        try await c.startController()
        _ = try await c.client.create(pytorchJob("bert", duration: "2s"))
        let running = try await c.waitForPhase("bert", .running)
        #expect(running.status?.conditions?.isTrue(ConditionType.admitted, atGeneration: running.metadata.generation) == true)
        #expect(running.status?.startTime != nil)

        let pods = try await c.pods(of: "bert")
        #expect(Set(pods.map(\.name)) == ["bert-master-0", "bert-worker-0", "bert-worker-1", "bert-worker-2"])
        for pod in pods {
            #expect(pod.metadata.labels?[LabelKey.gang] == "bert")
            #expect(pod.metadata.annotations?[AnnotationKey.gangMin] == "4")
            #expect(pod.metadata.labels?[LabelKey.quota] == "vision")
            #expect(pod.spec?.priority == 10)
            #expect(pod.spec?.schedulerName == TrainingCluster.schedulerName)
            #expect(pod.spec?.restartPolicy == "Never")
            #expect(pod.metadata.controllerReference?.uid == running.metadata.uid)
            // Placed on a vGCU slice by the extender: half a device and 24 GiB.
            let shares = try DeviceAllocation.parseList(try #require(pod.devices))
            #expect(shares.count == 1 && shares[0].cores == 50 && shares[0].memoryMiB == 24_576)
            #expect(pod.spec?.nodeName?.hasPrefix("gcu-") == true)
        }
        // Two slices of 50 % per device at most: four pods use four distinct (device) slots, no device over 100 %.
        let perDevice = Dictionary(grouping: pods.compactMap(\.devices), by: { $0.split(separator: ":").first.map(String.init) ?? "" })
        #expect(perDevice.values.allSatisfy { $0.count <= 2 })

        let done = try await c.waitForPhase("bert", .succeeded)
        #expect(done.status?.completionTime != nil)
        #expect(done.status?.restarts == 0)
        #expect(done.status?.replicaStatuses?.first { $0.name == "master" }?.succeeded == 1)
        #expect(done.status?.ready == "0/4" && done.status?.replicaStatuses?.allSatisfy { $0.active == 0 } == true)
        #expect(done.status?.conditions?.first { $0.type == ConditionType.succeeded }?.reason == Reason.jobSucceeded)
        #expect(done.status?.conditions?.first { $0.type == ConditionType.admitted }?.status == .false)
        // Events are recorded asynchronously (the recorder aggregates and posts them): wait for them, not the phase.
        try await eventually("Admitted, Running and JobSucceeded events") {
            Set(try await c.events(about: "bert").map(\.reason)).isSuperset(of: ["Admitted", "Running", Reason.jobSucceeded])
        }
        await c.stop()
    }

    /// The same job with Gantry's own extender placing the pods (the `make demo` path): the gang on vGCU slices,
    /// audited device by device against what the API server records, the job charged to its Quota, and success.
    @Test func pytorchGangThroughTheRealExtender() async throws {
        let c = try await TrainingCluster(realExtender: true)
        try await c.startController()
        _ = try await c.client.create(pytorchJob("gpt", duration: "2s"))
        try await c.waitForPhase("gpt", .running)
        let pods = try await c.pods(of: "gpt")
        #expect(pods.count == 4)
        for pod in pods {
            let shares = try DeviceAllocation.parseList(try #require(pod.devices))
            #expect(shares.count == 1 && shares[0].cores == 50 && shares[0].memoryMiB == 24_576)
            #expect(pod.metadata.annotations?[AnnotationKey.node] == pod.spec?.nodeName)
        }
        let audit = DeviceAudit(pods, maxSlices: 4)
        #expect(audit.problems.isEmpty, "\(audit.problems)")
        // The extender binpacks: four half-device slices fill two devices rather than spreading over four.
        #expect(audit.cores.count == 2 && audit.cores.values.allSatisfy { $0 == 100 }, "\(audit.cores)")
        let done = try await c.waitForPhase("gpt", .succeeded)
        #expect(done.status?.restarts == 0)
        await c.stop()
    }

    @Test func environmentAndDNSNames() async throws {
        let c = try await TrainingCluster()
        try await c.startController()
        _ = try await c.client.create(pytorchJob("resnet", duration: "30s"))
        try await c.waitForPhase("resnet", .running)
        let pods = Dictionary(uniqueKeysWithValues: try await c.pods(of: "resnet").map { ($0.name, $0) })
        let service = try await c.client.get(Service.self, name: "resnet", namespace: "team")
        #expect(service.spec?.clusterIP == "None")
        #expect(service.spec?.publishNotReadyAddresses == true)
        #expect(service.spec?.selector == [LabelKey.jobName: "resnet"])
        #expect(service.metadata.controllerReference?.kind == "TrainingJob")
        for (name, rank) in [("resnet-master-0", 0), ("resnet-worker-0", 1), ("resnet-worker-1", 2), ("resnet-worker-2", 3)] {
            let pod = try #require(pods[name])
            // <pod>.<service> resolves through the headless Service.
            #expect(pod.spec?.hostname == name)
            #expect(pod.spec?.subdomain == "resnet")
            #expect(pod.env("MASTER_ADDR") == "resnet-master-0.resnet")
            #expect(pod.env("MASTER_PORT") == "23456")
            #expect(pod.env("WORLD_SIZE") == "4")
            #expect(pod.env("RANK") == String(rank))
            #expect(pod.env("PET_NODE_RANK") == String(rank))
            #expect(pod.env("PET_NNODES") == "4")
            #expect(pod.env("PET_NPROC_PER_NODE") == "1")
            #expect(pod.env("PET_MASTER_ADDR") == "resnet-master-0.resnet")
            #expect(pod.env("GANTRY_WORLD_SIZE") == "4")
            #expect(pod.env("GANTRY_REPLICA_NAME") == pod.metadata.labels?[LabelKey.replicaName])
            let devices = pod.spec?.containers.first?.env?.first { $0.name == "GANTRY_DEVICES" }
            #expect(devices?.valueFrom?.fieldRef?.fieldPath == "metadata.annotations['gantry.dev/devices']")
        }
        await c.stop()
    }

    @Test func retryableExitCodeRestartsTheWholeGangAndTheJobStillSucceeds() async throws {
        let c = try await TrainingCluster()
        try await c.startController()
        _ = try await c.client.create(pytorchJob("flaky", duration: "2s", masterDuration: "4s", workerExitCode: 137))
        try await c.waitForPhase("flaky", .running)
        let firstUIDs = Set(try await c.pods(of: "flaky").compactMap(\.metadata.uid))
        // The fix lands before the first attempt ends: the next attempt's pods run the corrected template.
        var job = try await c.job("flaky")
        job.spec.replicas[1].template.metadata?.annotations?[AnnotationKey.simExitCode] = "0"
        _ = try await c.client.update(job)

        let restarting = try await c.waitFor("flaky", "a gang restart") { ($0.status?.restarts ?? 0) >= 1 }
        #expect(restarting.status?.conditions?.first { $0.type == ConditionType.restarting }?.reason == Reason.replicaRestarting)
        let done = try await c.waitForPhase("flaky", .succeeded)
        #expect(done.status?.restarts == 1)
        // Every member was recreated, not only the failed worker.
        let secondUIDs = Set(try await c.pods(of: "flaky").compactMap(\.metadata.uid))
        #expect(firstUIDs.isDisjoint(with: secondUIDs))
        try await eventually("a Restarting event naming exit code 137") {
            try await c.events(about: "flaky").contains { $0.reason == "Restarting" && $0.message?.contains("137") == true }
        }
        await c.stop()
    }

    @Test func permanentExitCodeFailsTheJob() async throws {
        let c = try await TrainingCluster()
        try await c.startController()
        var job = pytorchJob("broken", duration: "1s", workerExitCode: 1)
        job.spec.replicas[0].template.metadata?.annotations?[AnnotationKey.simDuration] = "60s"
        _ = try await c.client.create(job)
        let failed = try await c.waitForPhase("broken", .failed)
        let condition = try #require(failed.status?.conditions?.first { $0.type == ConditionType.failed })
        #expect(condition.reason == Reason.permanentExitCode)
        #expect(condition.message?.contains("exit code 1") == true)
        #expect(failed.status?.restarts == 0)
        // cleanPodPolicy Running: the still-running master is stopped, the failed workers are kept for their logs.
        try await eventually("the master stopped") {
            try await c.pods(of: "broken").allSatisfy { $0.isTerminal || $0.metadata.deletionTimestamp != nil || $0.name != "broken-master-0" }
        }
        await c.stop()
    }

    @Test func backoffLimitReachedFailsTheJob() async throws {
        let c = try await TrainingCluster()
        try await c.startController()
        _ = try await c.client.create(pytorchJob("oom", workers: 1, duration: "500ms", masterDuration: "60s", workerExitCode: 137,
                                                 backoffLimit: 1))
        let failed = try await c.waitForPhase("oom", .failed)
        #expect(failed.status?.restarts == 1)
        #expect(failed.status?.conditions?.first { $0.type == ConditionType.failed }?.reason == Reason.backoffLimitExceeded)
        await c.stop()
    }

    @Test func suspendDeletesPodsAndResumeRunsAgain() async throws {
        let c = try await TrainingCluster()
        try await c.startController()
        _ = try await c.client.create(pytorchJob("pausable", duration: "60s"))
        try await c.waitForPhase("pausable", .running)
        var job = try await c.job("pausable")
        job.spec.runPolicy?.suspend = true
        _ = try await c.client.update(job)
        let suspended = try await c.waitForPhase("pausable", .suspended)
        #expect(suspended.status?.conditions?.first { $0.type == ConditionType.admitted }?.status == .false)
        #expect(suspended.status?.conditions?.first { $0.type == ConditionType.suspended }?.reason == Reason.suspendedByUser)
        try await eventually("pods deleted") { try await c.pods(of: "pausable").isEmpty }

        job = try await c.job("pausable")
        job.spec.runPolicy?.suspend = false
        _ = try await c.client.update(job)
        let resumed = try await c.waitForPhase("pausable", .running)
        #expect(resumed.status?.restarts == 0)
        #expect(resumed.status?.conditions?.first { $0.type == ConditionType.suspended }?.status == .false)
        #expect(try await c.pods(of: "pausable").count == 4)
        await c.stop()
    }

    @Test func activeDeadlineFailsTheJob() async throws {
        let c = try await TrainingCluster()
        try await c.startController()
        _ = try await c.client.create(pytorchJob("slow", workers: 1, duration: "60s", runPolicy: RunPolicy(activeDeadlineSeconds: 2)))
        try await c.waitForPhase("slow", .running)
        let failed = try await c.waitForPhase("slow", .failed)
        #expect(failed.status?.conditions?.first { $0.type == ConditionType.failed }?.reason == Reason.deadlineExceeded)
        try await eventually("running pods stopped") {
            try await c.pods(of: "slow").allSatisfy { $0.isTerminal || $0.metadata.deletionTimestamp != nil }
        }
        await c.stop()
    }

    @Test func finishedJobIsDeletedAfterItsTTL() async throws {
        let c = try await TrainingCluster()
        try await c.startController()
        _ = try await c.client.create(pytorchJob("shortlived", workers: 1, duration: "500ms",
                                                 runPolicy: RunPolicy(ttlSecondsAfterFinished: 1)))
        try await c.waitForPhase("shortlived", .succeeded)
        try await eventually("job deleted") {
            do { _ = try await c.job("shortlived"); return false } catch let e as KubeError where e.isNotFound { return true }
        }
        try await eventually("pods and service collected") {
            let service = try? await c.client.get(Service.self, name: "shortlived", namespace: "team")
            return try await c.pods(of: "shortlived").isEmpty && service == nil
        }
        await c.stop()
    }

    @Test func twoGangsCompetingForOneGangsCapacityNeverBothHalfRun() async throws {
        // One node with two devices: room for exactly one gang of four half-device pods.
        let c = try await TrainingCluster(nodes: 1, devices: 2)
        try await c.startController()
        _ = try await c.client.create(pytorchJob("gang-a", duration: "2s"))
        _ = try await c.client.create(pytorchJob("gang-b", duration: "2s"))
        var sawQueued = false
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let a = try await c.pods(of: "gang-a").filter { $0.status?.phase == .running }.count
            let b = try await c.pods(of: "gang-b").filter { $0.status?.phase == .running }.count
            #expect(a == 0 || b == 0, "both gangs running at once: \(a) + \(b) pods")
            let ja = try await c.job("gang-a")
            let jb = try await c.job("gang-b")
            for j in [ja, jb] where j.status?.conditions?.first(where: { $0.type == ConditionType.queued && $0.isTrue })?
                .reason == Reason.waitingForCapacity {
                sawQueued = true
            }
            if ja.status?.phase == .succeeded, jb.status?.phase == .succeeded { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(sawQueued)
        #expect(try await c.job("gang-a").status?.phase == .succeeded)
        #expect(try await c.job("gang-b").status?.phase == .succeeded)
        await c.stop()
    }

    @Test func deletedJobLeavesNothingBehind() async throws {
        let c = try await TrainingCluster()
        try await c.startController()
        _ = try await c.client.create(pytorchJob("gone", duration: "60s"))
        try await c.waitForPhase("gone", .running)
        _ = try await c.client.delete(TrainingJob.self, name: "gone", namespace: "team")
        try await eventually("pods, service and job gone") {
            let service = try? await c.client.get(Service.self, name: "gone", namespace: "team")
            let job = try? await c.job("gone")
            return try await c.pods(of: "gone").isEmpty && service == nil && job == nil
        }
        await c.stop()
    }

    @Test func restartedControllerPicksUpWhereItWas() async throws {
        let c = try await TrainingCluster()
        try await c.startController()
        _ = try await c.client.create(pytorchJob("durable", duration: "3s"))
        let running = try await c.waitForPhase("durable", .running)
        let uids = Set(try await c.pods(of: "durable").compactMap(\.metadata.uid))
        await c.stopController()
        try await c.startController()
        let done = try await c.waitForPhase("durable", .succeeded)
        // The same pods ran to completion (some cleaned up after success): nothing was recreated or counted twice.
        #expect(Set(try await c.pods(of: "durable").compactMap(\.metadata.uid)).isSubset(of: uids))
        #expect(done.status?.restarts == 0)
        #expect(done.status?.startTime == running.status?.startTime)
        await c.stop()
    }

    @Test func invalidJobGetsAnInvalidConditionAndNoPods() async throws {
        let c = try await TrainingCluster()
        try await c.startController()
        var job = pytorchJob("wrong", workers: 1)
        job.spec.gang?.minMember = 9
        _ = try await c.client.create(job)
        let invalid = try await c.waitFor("wrong", "Invalid condition") {
            $0.status?.conditions?.contains { $0.type == ConditionType.invalid && $0.isTrue } == true
        }
        let condition = try #require(invalid.status?.conditions?.first { $0.type == ConditionType.invalid })
        #expect(condition.reason == Reason.invalidSpec)
        #expect(condition.message?.contains("spec.gang.minMember") == true)
        #expect(try await c.pods(of: "wrong").isEmpty)
        try await eventually("an InvalidSpec event") { try await c.events(about: "wrong").contains { $0.reason == Reason.invalidSpec } }

        // Valid to the API, but no controller should expand a billion pod specs.
        var huge = pytorchJob("huge", workers: 1)
        huge.spec.replicas[1].count = 1_000_000_000
        huge.spec.gang?.minMember = 2
        _ = try await c.client.create(huge)
        let refused = try await c.waitFor("huge", "Invalid condition") {
            $0.status?.conditions?.contains { $0.type == ConditionType.invalid && $0.isTrue } == true
        }
        #expect(refused.status?.conditions?.first { $0.type == ConditionType.invalid }?.message?.contains("at most 5000 pods") == true)
        #expect(try await c.pods(of: "huge").isEmpty)
        await c.stop()
    }
}
