// TrainingObjects: the objects a TrainingJob owns, built from its spec: one pod per replica index, the
// headless Service that gives them stable DNS names, and (MPI) the hostfile ConfigMap. Pure; every object
// carries a controller owner reference, so deleting the job garbage-collects them.

import GantryAPI
import KubeCore

public struct TrainingObjects: Sendable {
    public var job: TrainingJob
    public var topology: JobTopology
    /// `spec.schedulerName` of every pod: the profile served by Gantry's scheduler extender.
    public var schedulerName: String

    public init(job: TrainingJob, schedulerName: String) {
        self.job = job
        self.topology = JobTopology(job: job)
        self.schedulerName = schedulerName
    }

    var owner: OwnerReference { job.controllerReference() }

    /// Labels on every object of the job; the pods add their replica and gang labels.
    var commonLabels: [String: String] {
        [LabelKey.jobName: topology.jobName, LabelKey.managedBy: LabelKey.managedByValue]
    }

    public func pod(_ member: JobTopology.Member) -> Pod {
        let replica = job.spec.replicas.first { $0.name == member.replica }
        let template = replica?.template ?? PodTemplateSpec()
        var labels = template.metadata?.labels ?? [:]
        for (k, v) in commonLabels { labels[k] = v }
        labels[LabelKey.replicaName] = member.replica
        labels[LabelKey.replicaIndex] = String(member.index)
        labels[LabelKey.gang] = GangID(namespace: topology.namespace, name: topology.jobName).labelValue
        if let quota = job.spec.quota, !quota.isEmpty { labels[LabelKey.quota] = quota }
        if job.spec.preemptible == true { labels[LabelKey.preemptible] = "true" }

        var annotations = template.metadata?.annotations ?? [:]
        let minMember = job.spec.gang?.minMember ?? Int32(clamping: job.spec.totalReplicas)
        annotations[AnnotationKey.gangMin] = String(minMember)
        if let pools = job.spec.placement?.pools, !pools.isEmpty { annotations[AnnotationKey.pools] = pools.joined(separator: ",") }
        if let models = job.spec.placement?.deviceModels, !models.isEmpty {
            annotations[AnnotationKey.deviceModels] = models.joined(separator: ",")
        }

        var spec = template.spec ?? PodSpec()
        // The whole gang restarts together (a distributed run cannot continue with a missing rank), so the
        // kubelet must never restart a container in place: every failure comes back to this controller.
        spec.restartPolicy = "Never"
        spec.schedulerName = schedulerName
        spec.priority = job.spec.priority ?? 0
        spec.hostname = member.podName
        spec.subdomain = topology.serviceName
        let env = FrameworkEnvironment.variables(for: member, topology: topology, job: job)
        var volumes = spec.volumes ?? []
        volumes.removeAll { $0.name == FrameworkEnvironment.podInfoVolume }
        volumes.append(Self.podInfoVolume)
        if topology.framework == .mpi {
            volumes.removeAll { $0.name == FrameworkEnvironment.mpiHostfileVolume }
            volumes.append(Volume(name: FrameworkEnvironment.mpiHostfileVolume, configMap: [
                "name": .string(FrameworkEnvironment.mpiConfigMapName(job: topology.jobName)),
            ]))
        }
        spec.volumes = volumes
        spec.containers = spec.containers.map { c in
            var c = c
            let names = Set(env.map(\.name))
            // Gantry's values win over the template's: a stale RANK copied between jobs must not survive.
            c.env = (c.env ?? []).filter { !names.contains($0.name) } + env
            var mounts = (c.volumeMounts ?? []).filter {
                $0.name != FrameworkEnvironment.podInfoVolume && $0.name != FrameworkEnvironment.mpiHostfileVolume
            }
            mounts.append(VolumeMount(name: FrameworkEnvironment.podInfoVolume, mountPath: FrameworkEnvironment.podInfoPath,
                                      readOnly: true))
            if topology.framework == .mpi {
                mounts.append(VolumeMount(name: FrameworkEnvironment.mpiHostfileVolume,
                                          mountPath: FrameworkEnvironment.mpiHostfileDirectory, readOnly: true))
            }
            c.volumeMounts = mounts
            return c
        }
        let meta = ObjectMeta(name: member.podName, namespace: topology.namespace, labels: labels, annotations: annotations,
                              ownerReferences: [owner])
        return Pod(metadata: meta, spec: spec)
    }

    /// The downward-API volume: `devices` (the extender's `gantry.dev/devices`, updated once bound), `node`,
    /// and every label and annotation. The kubelet refreshes these files, unlike environment variables.
    static let podInfoVolume = Volume(name: FrameworkEnvironment.podInfoVolume, projected: [
        "sources": [[
            "downwardAPI": ["items": [
                ["path": "devices", "fieldRef": ["fieldPath": .string("metadata.annotations['\(AnnotationKey.devices)']")]],
                ["path": "labels", "fieldRef": ["fieldPath": "metadata.labels"]],
                ["path": "annotations", "fieldRef": ["fieldPath": "metadata.annotations"]],
            ]],
        ]],
    ])

    public var pods: [Pod] { topology.members.map(pod) }

    /// One headless Service for the job: `<pod>.<job>` resolves to each pod, ready or not (ranks must find
    /// each other before any is ready).
    public var service: Service {
        var spec = ServiceSpec(selector: [LabelKey.jobName: topology.jobName], clusterIP: "None", publishNotReadyAddresses: true)
        spec.ports = [ServicePort(name: "\(topology.framework.rawValue)-port", port: topology.port,
                                  targetPort: .int(topology.port))]
        return Service(metadata: ObjectMeta(name: topology.serviceName, namespace: topology.namespace, labels: commonLabels,
                                            ownerReferences: [owner]),
                       spec: spec)
    }

    /// The MPI hostfile ConfigMap; nil for other frameworks.
    public var mpiHostfile: ConfigMap? {
        guard topology.framework == .mpi else { return nil }
        return ConfigMap(metadata: ObjectMeta(name: FrameworkEnvironment.mpiConfigMapName(job: topology.jobName),
                                              namespace: topology.namespace, labels: commonLabels, ownerReferences: [owner]),
                         data: [FrameworkEnvironment.mpiHostfileKey: FrameworkEnvironment.mpiHostfile(topology: topology, job: job)])
    }
}
