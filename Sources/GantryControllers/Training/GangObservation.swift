// GangObservation: what the pods of a job's current attempt say, member by member: starting, unschedulable,
// running, ready, succeeded, failed with an exit code, or disrupted (evicted, preempted, deleted by someone
// else). The lifecycle decides from this summary only, so a decision is a function of observed state.

import GantryAPI
import KubeCore

public struct GangObservation: Sendable {
    public struct Failure: Sendable, Hashable {
        public var podName: String
        public var replica: String
        /// Exit code of the first terminated container; nil when the pod failed without one.
        public var exitCode: Int?
        public var reason: String
    }

    public struct Disruption: Sendable, Hashable {
        public var podName: String
        public var reason: String
        public var message: String
    }

    /// Pods by name, current members only.
    public var pods: [String: Pod] = [:]
    /// Pods whose names no member has (the spec shrank): deleted on the next restart or finish.
    public var strays: [Pod] = []
    public var missing: [JobTopology.Member] = []
    public var replicaStatuses: [ReplicaStatus] = []
    /// Running or already succeeded: members that got to run.
    public var started = 0
    public var ready = 0
    public var failures: [Failure] = []
    public var disruptions: [Disruption] = []
    /// Pending pods the scheduler could not place, with its message.
    public var unschedulable: [(pod: String, message: String)] = []
    public var succeededByReplica: [String: Int] = [:]

    /// Pod `status.reason`s and condition types meaning the pod was taken away, not that the program failed.
    static let disruptionReasons: Set<String> = ["Evicted", "Preempting", "Preempted", "Shutdown", "NodeShutdown",
                                                 "Terminated", "NodeLost", "UnexpectedAdmissionError", "Deleted"]
    static let disruptionTarget = "DisruptionTarget"

    /// - Parameter expectedCreations: pods this process created that the cache may not show yet; their
    ///   absence is not a disappearance.
    public init(topology: JobTopology, pods all: [Pod], jobIsRunning: Bool, expectedCreations: Set<String> = []) {
        var byName: [String: Pod] = [:]
        for pod in all { byName[pod.metadata.name ?? ""] = pod }
        let memberNames = Set(topology.members.map(\.podName))
        strays = all.filter { !memberNames.contains($0.metadata.name ?? "") }
        var perReplica: [String: ReplicaStatus] = [:]
        var order: [String] = []
        for member in topology.members {
            if perReplica[member.replica] == nil {
                perReplica[member.replica] = ReplicaStatus(name: member.replica, active: 0, ready: 0, succeeded: 0, failed: 0)
                order.append(member.replica)
            }
            guard let pod = byName[member.podName] else {
                missing.append(member)
                // A member that was running and vanished without this controller deleting it was taken away.
                if jobIsRunning, !expectedCreations.contains(member.podName) {
                    disruptions.append(Disruption(podName: member.podName, reason: "PodDeleted",
                                                  message: "pod \(member.podName) disappeared while the job was running"))
                }
                continue
            }
            pods[member.podName] = pod
            var rs = perReplica[member.replica]!
            if let disruption = Self.disruption(of: pod) {
                disruptions.append(disruption)
                rs.active! += 1
                perReplica[member.replica] = rs
                continue
            }
            switch pod.status?.phase {
            case .succeeded?:
                rs.succeeded! += 1
                started += 1
                succeededByReplica[member.replica, default: 0] += 1
            case .failed?:
                rs.failed! += 1
                failures.append(Failure(podName: member.podName, replica: member.replica, exitCode: Self.exitCode(of: pod),
                                        reason: pod.status?.reason ?? "Error"))
            case .running?:
                rs.active! += 1
                started += 1
                if Self.isReady(pod) {
                    rs.ready! += 1
                    ready += 1
                }
            default:
                rs.active! += 1
                if let c = pod.status?.conditions?.first(where: { $0.type == "PodScheduled" }), c.status == .false {
                    unschedulable.append((member.podName, c.message ?? c.reason ?? "unschedulable"))
                }
            }
            perReplica[member.replica] = rs
        }
        replicaStatuses = order.compactMap { perReplica[$0] }
    }

    /// A pod being deleted or evicted by someone else (the controller deletes pods only after it has moved
    /// the job out of the phases in which this is looked at).
    static func disruption(of pod: Pod) -> Disruption? {
        let name = pod.metadata.name ?? ""
        if let c = pod.status?.conditions?.first(where: { $0.type == disruptionTarget }), c.status == .true {
            return Disruption(podName: name, reason: c.reason ?? disruptionTarget, message: c.message ?? "pod \(name) was disrupted")
        }
        if pod.status?.phase == .failed, let reason = pod.status?.reason, disruptionReasons.contains(reason) {
            return Disruption(podName: name, reason: reason, message: pod.status?.message ?? "pod \(name): \(reason)")
        }
        if pod.metadata.deletionTimestamp != nil, !pod.isTerminal {
            return Disruption(podName: name, reason: "PodDeleted", message: "pod \(name) was deleted while the job was running")
        }
        return nil
    }

    static func exitCode(of pod: Pod) -> Int? {
        for s in pod.status?.containerStatuses ?? [] {
            if let t = s.state?.terminated, t.exitCode != 0 { return Int(t.exitCode) }
        }
        return pod.status?.containerStatuses?.first?.state?.terminated.map { Int($0.exitCode) }
    }

    static func isReady(_ pod: Pod) -> Bool {
        pod.status?.conditions?.contains { $0.type == "Ready" && $0.status == .true } ?? false
    }

    public var total: Int { pods.count + missing.count }
}
