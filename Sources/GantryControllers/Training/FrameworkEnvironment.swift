// FrameworkEnvironment: the environment every training pod gets, per framework, following what each
// framework's launcher reads (training-operator v1 conventions): PyTorch MASTER_ADDR/PORT, WORLD_SIZE, RANK
// and torchrun's PET_*; TensorFlow TF_CONFIG; MPI's hostfile; Paddle's PADDLE_*; and Gantry's own GANTRY_*
// for every framework, including the devices the extender assigned (read at container start through the
// downward API, because pods are created before they are bound).

import GantryAPI
import KubeCore

public enum FrameworkEnvironment {
    /// Where the downward-API volume with the pod's device assignment is mounted.
    public static let podInfoPath = "/etc/gantry/podinfo"
    public static let podInfoVolume = "gantry-podinfo"
    /// The MPI hostfile's mount path and ConfigMap key.
    public static let mpiHostfileDirectory = "/etc/mpi"
    public static let mpiHostfileKey = "hostfile"
    public static let mpiHostfileVolume = "mpi-hostfile"

    public static func mpiConfigMapName(job: String) -> String { "\(job)-mpi-hostfile" }

    /// Devices per pod of a replica: the vGCU or whole-device count of its containers (processes per node).
    static func devicesPerPod(_ replica: ReplicaSpec) -> Int {
        var total = 0
        for c in replica.template.spec?.containers ?? [] {
            let limits = c.resources?.limits ?? [:]
            let requests = c.resources?.requests ?? [:]
            for name in [ResourceName.vgcu] + ResourceName.wholeDevices {
                if let q = limits[name] ?? requests[name], let n = q.wholeCount { total += n }
            }
        }
        return max(1, total)
    }

    /// The variables for one member of the job, in a stable order.
    public static func variables(for member: JobTopology.Member, topology t: JobTopology, job: TrainingJob) -> [EnvVar] {
        var env: [EnvVar] = [
            EnvVar(name: "GANTRY_JOB_NAME", value: t.jobName),
            EnvVar(name: "GANTRY_REPLICA_NAME", value: member.replica),
            EnvVar(name: "GANTRY_REPLICA_INDEX", value: String(member.index)),
            EnvVar(name: "GANTRY_RANK", value: String(member.globalRank)),
            EnvVar(name: "GANTRY_WORLD_SIZE", value: String(t.worldSize)),
            // Resolved by the kubelet when the container starts, i.e. after the extender's bind wrote them.
            EnvVar(name: "GANTRY_DEVICES", valueFrom: EnvVarSource(fieldRef: .init(
                fieldPath: "metadata.annotations['\(AnnotationKey.devices)']"))),
            EnvVar(name: "GANTRY_NODE_NAME", valueFrom: EnvVarSource(fieldRef: .init(fieldPath: "spec.nodeName"))),
        ]
        let replica = job.spec.replicas.first { $0.name == member.replica }
        let perPod = replica.map(devicesPerPod) ?? 1
        let port = String(t.port)
        switch t.framework {
        case .pytorch:
            let hasMaster = !t.members(of: "master").isEmpty
            let rank = member.replica == "master" ? 0 : member.index + (hasMaster ? 1 : 0)
            env += [
                EnvVar(name: "PYTHONUNBUFFERED", value: "1"),
                EnvVar(name: "MASTER_ADDR", value: t.masterHost),
                EnvVar(name: "MASTER_PORT", value: port),
                EnvVar(name: "WORLD_SIZE", value: String(t.worldSize)),
                EnvVar(name: "RANK", value: String(rank)),
                EnvVar(name: "PET_MASTER_ADDR", value: t.masterHost),
                EnvVar(name: "PET_MASTER_PORT", value: port),
                EnvVar(name: "PET_NNODES", value: String(t.worldSize)),
                EnvVar(name: "PET_NODE_RANK", value: String(rank)),
                EnvVar(name: "PET_NPROC_PER_NODE", value: String(perPod)),
            ]
        case .tensorflow:
            env.append(EnvVar(name: "TF_CONFIG", value: tfConfig(member: member, topology: t)))
        case .mpi:
            env += [
                EnvVar(name: "OMPI_MCA_orte_default_hostfile", value: "\(mpiHostfileDirectory)/\(mpiHostfileKey)"),
                EnvVar(name: "I_MPI_HYDRA_HOST_FILE", value: "\(mpiHostfileDirectory)/\(mpiHostfileKey)"),
                EnvVar(name: "GANTRY_MPI_ROLE", value: member.replica),
            ]
        case .paddle:
            let workers = t.members(of: "worker")
            let servers = t.members(of: "ps")
            let endpoints = workers.map { "\(t.host($0.podName)):\(port)" }
            env += [
                EnvVar(name: "PADDLE_JOB_ID", value: t.jobName),
                EnvVar(name: "PADDLE_PORT", value: port),
                EnvVar(name: "PADDLE_NNODES", value: String(workers.count)),
                EnvVar(name: "PADDLE_MASTER", value: endpoints.first ?? ""),
                EnvVar(name: "PADDLE_TRAINERS_NUM", value: String(workers.count)),
                EnvVar(name: "PADDLE_TRAINER_ENDPOINTS", value: endpoints.joined(separator: ",")),
                EnvVar(name: "PADDLE_CURRENT_ENDPOINT", value: "\(t.host(member.podName)):\(port)"),
                EnvVar(name: "TRAINING_ROLE", value: member.replica == "ps" ? "PSERVER" : "TRAINER"),
            ]
            if member.replica == "worker" { env.append(EnvVar(name: "PADDLE_TRAINER_ID", value: String(member.index))) }
            if !servers.isEmpty {
                env.append(EnvVar(name: "PADDLE_PSERVERS_IP_PORT_LIST",
                                  value: servers.map { "\(t.host($0.podName)):\(port)" }.joined(separator: ",")))
            }
        default:
            break
        }
        return env
    }

    /// TF_CONFIG as training-operator writes it: every replica type but the evaluator in `cluster`, this pod's
    /// type and index in `task`. Keys sorted so the value is stable across reconciles.
    static func tfConfig(member: JobTopology.Member, topology t: JobTopology) -> String {
        var cluster: [(String, JSONValue)] = []
        let names = Array(Set(t.members.map(\.replica))).sorted()
        for name in names where name != "evaluator" {
            cluster.append((name, .array(t.members(of: name).map { .string("\(t.host($0.podName)):\(t.port)") })))
        }
        let config: JSONValue = [
            "cluster": .object(JSONObject(cluster)),
            "environment": "cloud",
            "task": ["index": .int(Int64(member.index)), "type": .string(member.replica)],
        ]
        return String(decoding: JSONWriter.write(config), as: UTF8.self)
    }

    /// The MPI hostfile: one line per worker with its slots (devices per worker pod).
    public static func mpiHostfile(topology t: JobTopology, job: TrainingJob) -> String {
        let slots = job.spec.replicas.first { $0.name == "worker" }.map(devicesPerPod) ?? 1
        return t.members(of: "worker").map { "\(t.host($0.podName)) slots=\(slots)\n" }.joined()
    }
}

extension Quantity {
    /// The value as a whole number, nil when it has a fraction or does not fit an Int.
    var wholeCount: Int? {
        let milli = milliValue
        guard milli >= 0, milli % 1000 == 0, milli / 1000 <= Int64(Int.max) else { return nil }
        return Int(milli / 1000)
    }
}
