// JobTopology: the names and ranks of a TrainingJob's pods, computed once from the spec: pod names
// `<job>-<replica>-<index>`, stable DNS names through the job's headless Service, global ranks, the master
// endpoint. Every framework's environment is derived from it, so all pods agree on who is who.

import GantryAPI
import KubeCore

public struct JobTopology: Sendable, Hashable {
    public struct Member: Sendable, Hashable {
        public var replica: String
        public var index: Int
        /// Position over all pods, replicas in spec order (the master first for PyTorch).
        public var globalRank: Int
        public var podName: String
    }

    public var jobName: String
    public var namespace: String
    public var framework: Framework
    public var members: [Member]
    public var port: Int32

    /// Replica names whose success completes the job, in order of preference.
    static let leaderReplicas = ["master", "chief", "launcher"]

    public init(job: TrainingJob) {
        jobName = job.metadata.name ?? ""
        namespace = job.metadata.namespace ?? ""
        framework = job.spec.framework ?? .generic
        var members: [Member] = []
        // PyTorch's master is rank 0 whatever its position in the spec (training-operator: worker RANK = index + 1).
        let ordered = job.spec.replicas.filter { Self.leaderReplicas.contains($0.name) }
            + job.spec.replicas.filter { !Self.leaderReplicas.contains($0.name) }
        for replica in ordered {
            for i in 0..<Int(max(0, replica.count ?? 1)) {
                members.append(Member(replica: replica.name, index: i, globalRank: members.count,
                                      podName: Self.podName(job: jobName, replica: replica.name, index: i)))
            }
        }
        self.members = members
        port = Self.declaredPort(job) ?? Self.defaultPort(framework)
    }

    public static func podName(job: String, replica: String, index: Int) -> String { "\(job)-\(replica)-\(index)" }

    /// The headless Service's name: the job's.
    public var serviceName: String { jobName }

    /// `<pod>.<service>`: resolvable from any pod of the namespace through the headless Service.
    public func host(_ podName: String) -> String { "\(podName).\(serviceName)" }

    public func members(of replica: String) -> [Member] { members.filter { $0.replica == replica } }

    public var worldSize: Int { members.count }

    /// The rendezvous host: master-0, else the first pod.
    public var masterHost: String {
        let master = members.first { $0.replica == "master" } ?? members.first
        return master.map { host($0.podName) } ?? ""
    }

    /// training-operator's default ports per framework (PyTorch 23456, TensorFlow 2222, MPI 9999, Paddle 36543).
    static func defaultPort(_ framework: Framework) -> Int32 {
        switch framework {
        case .pytorch: 23456
        case .tensorflow: 2222
        case .mpi: 9999
        case .paddle: 36543
        default: 29500
        }
    }

    /// A port the first replica's first container declares overrides the default.
    static func declaredPort(_ job: TrainingJob) -> Int32? {
        job.spec.replicas.first?.template.spec?.containers.first?.ports?.first?.containerPort
    }
}
