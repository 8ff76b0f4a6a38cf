// Every name that crosses a component boundary (DESIGN §5): extended resource names, labels, annotations,
// condition types and reasons, finalizers. Components import these constants instead of spelling strings,
// so a rename is one edit and a typo is a compile error.

/// Extended resource names a pod requests, and the core ones quotas count.
public enum ResourceName {
    /// Number of virtual GCUs, each on a distinct physical device (like HAMi's `nvidia.com/gpu: N`).
    public static let vgcu = "gantry.dev/vgcu"
    /// Percent of one device's compute per virtual GCU, 1..100 (100 = the whole device). In a Quota the
    /// amount charged is `vgcu × vgcu-cores`, so 800 is eight whole devices' worth of compute.
    public static let vgcuCores = "gantry.dev/vgcu-cores"
    /// Device memory per virtual GCU in MiB. In a Quota the amount charged is `vgcu × vgcu-memory`.
    public static let vgcuMemory = "gantry.dev/vgcu-memory"
    /// Whole Enflame GCU cards, exclusive use (the vendor device plugin's name).
    public static let enflameGCU = "enflame.com/gcu"
    /// Whole NVIDIA GPUs, exclusive use (the vendor device plugin's name).
    public static let nvidiaGPU = "nvidia.com/gpu"
    public static let cpu = "cpu"
    public static let memory = "memory"
    public static let ephemeralStorage = "ephemeral-storage"
    public static let pods = "pods"

    /// Names the scheduler extender is the source of truth for (declared as its `managedResources`).
    public static let extenderManaged = [vgcu, vgcuCores, vgcuMemory, enflameGCU, nvidiaGPU]
    /// The slice names, which only mean something together with `vgcu`.
    public static let sliceShape = [vgcuCores, vgcuMemory]
    /// Whole-device names, by vendor.
    public static let wholeDevices = [enflameGCU, nvidiaGPU]

    /// Core names Kubernetes accepts without a domain prefix; everything else must be `domain/name`.
    public static func isStandard(_ name: String) -> Bool {
        [cpu, memory, ephemeralStorage, pods].contains(name) || name.hasPrefix("hugepages-")
    }
}

/// Label keys Gantry sets or reads.
public enum LabelKey {
    /// On every pod of a gang: the name of the TrainingJob. Label values cannot hold '/', so the gang's
    /// identity is the pod's namespace plus this value; `GangID` joins them as `<namespace>/<job>`.
    public static let gang = "gantry.dev/gang"
    /// On pods: the Quota they are charged to.
    public static let quota = "gantry.dev/quota"
    /// On namespaces a Workspace owns: the Workspace's name.
    public static let workspace = "gantry.dev/workspace"
    /// On nodes: the ResourcePool the node belongs to (set by the pool controller).
    public static let pool = "gantry.dev/pool"
    /// On nodes: the rack, for rack temperatures and topology.
    public static let rack = "topology.gantry.dev/rack"
    /// On training pods and Services: the TrainingJob, the replica name and the replica index.
    public static let jobName = "gantry.dev/job-name"
    public static let replicaName = "gantry.dev/replica-name"
    public static let replicaIndex = "gantry.dev/replica-index"
    /// On serving pods and Services: the InferenceService, its revision (template hash) and the role.
    public static let inferenceService = "gantry.dev/inference-service"
    public static let revision = "gantry.dev/revision"
    /// `stable` or `canary` on serving pods.
    public static let servingRole = "gantry.dev/serving-role"
    /// `"true"` on pods that priority-based preemption may evict (from `spec.preemptible`).
    public static let preemptible = "gantry.dev/preemptible"
    /// Which Gantry component created an object (`app.kubernetes.io/managed-by` is the standard key).
    public static let managedBy = "app.kubernetes.io/managed-by"
    public static let managedByValue = "gantry"

    /// Keys users may not set on pod templates: the controllers own them, and a wrong value would let a pod
    /// join another job's gang or dodge its quota.
    public static let reservedOnTemplates = [gang, quota, jobName, replicaName, replicaIndex, inferenceService,
                                             revision, servingRole, preemptible]
}

/// Annotation keys Gantry sets or reads.
public enum AnnotationKey {
    /// On gang pods: the gang's minimum member count (decimal).
    public static let gangMin = "gantry.dev/gang-min"
    /// On bound pods: the devices the extender allocated, `<deviceID>:<cores>:<memoryMiB>` comma-separated
    /// (see `DeviceAllocation`). The durable truth the extender's ledger is rebuilt from.
    public static let devices = "gantry.dev/devices"
    /// On bound pods: the node the extender bound the pod to.
    public static let node = "gantry.dev/node"
    /// On bound pods: when the extender bound the pod, RFC 3339.
    public static let bindTime = "gantry.dev/bind-time"
    /// On pods: the ResourcePools the pod may run in, comma-separated (from `spec.placement.pools`).
    public static let pools = "gantry.dev/pools"
    /// On pods: acceptable device models, comma-separated (from `spec.placement.deviceModels`).
    public static let deviceModels = "gantry.dev/device-models"
    /// On nodes: rack inlet temperature in °C (decimal), when the pool has no rack reading of its own.
    public static let rackTemperature = "gantry.dev/rack-temperature"
    /// On pods, read by the dev cluster's kubelet simulator: how long the pod runs ("90s", "5m").
    public static let simDuration = "sim.gantry.dev/duration"
    /// On pods, read by the kubelet simulator: the exit code when the run time is over (0..255, default 0).
    public static let simExitCode = "sim.gantry.dev/exit-code"

    /// Keys users may not set on pod templates (written by the controllers or the extender).
    public static let reservedOnTemplates = [gangMin, devices, node, bindTime, pools, deviceModels]
}

/// Condition types, in `status.conditions[].type`.
public enum ConditionType {
    /// Every kind: the spec breaks a rule; the message lists each broken rule with its field path.
    public static let invalid = "Invalid"
    /// Workspace, Quota, InferenceService, ResourcePool, DeviceSlice: the object's summary condition.
    public static let ready = "Ready"

    // Workspace
    public static let namespacesReady = "NamespacesReady"
    public static let membersBound = "MembersBound"
    public static let isolated = "Isolated"

    // Quota
    /// The quota accepts and dispatches work (state Open and inside its time windows).
    public static let active = "Active"
    /// The quota runs work beyond its `deserved` amounts on capacity lent by others.
    public static let borrowing = "Borrowing"

    // TrainingJob (one per phase; exactly one of them is True at a time, except Invalid)
    public static let queued = "Queued"
    public static let admitted = "Admitted"
    public static let running = "Running"
    public static let restarting = "Restarting"
    public static let succeeded = "Succeeded"
    public static let failed = "Failed"
    public static let suspended = "Suspended"
    public static let preempted = "Preempted"

    // InferenceService
    public static let predictorReady = "PredictorReady"
    public static let canaryReady = "CanaryReady"

    // ResourcePool, DeviceSlice
    public static let overheated = "Overheated"
    public static let degraded = "Degraded"
    /// DeviceSlice: the node agent's heartbeat is older than the pool's `staleAfterSeconds`.
    public static let stale = "Stale"

    public static let workspace = [ready, namespacesReady, membersBound, isolated, invalid]
    public static let quota = [active, borrowing, invalid]
    public static let trainingJob = [queued, admitted, running, restarting, succeeded, failed, suspended, preempted, invalid]
    public static let inferenceService = [ready, predictorReady, canaryReady, queued, preempted, invalid]
    public static let resourcePool = [ready, overheated, degraded, invalid]
    public static let deviceSlice = [ready, stale, overheated, invalid]
}

/// Machine-readable condition reasons (CamelCase, as metav1.Condition requires).
public enum Reason {
    // Any kind
    public static let valid = "Valid"
    public static let invalidSpec = "InvalidSpec"
    public static let reconciling = "Reconciling"
    public static let reconciled = "Reconciled"

    // Workspace
    public static let namespaceConflict = "NamespaceOwnedElsewhere"
    public static let quotaNotFound = "QuotaNotFound"
    public static let poolNotFound = "PoolNotFound"

    // Quota
    public static let open = "Open"
    public static let closed = "Closed"
    public static let draining = "Draining"
    public static let inactive = "Inactive"
    public static let outsideTimeWindow = "OutsideTimeWindow"
    public static let parentNotFound = "ParentNotFound"
    public static let parentCycle = "ParentCycle"
    public static let childrenExceedParent = "ChildrenExceedParent"
    public static let borrowing = "BorrowingIdleCapacity"
    public static let withinDeserved = "WithinDeserved"

    // TrainingJob / InferenceService admission ("why pending" lives in the message)
    public static let waitingForQuota = "WaitingForQuota"
    public static let waitingForCapacity = "WaitingForCapacity"
    public static let quotaClosed = "QuotaClosed"
    public static let quotaReserved = "QuotaReserved"
    public static let gangScheduled = "GangScheduled"
    public static let podsStarting = "PodsStarting"
    public static let allReplicasRunning = "AllReplicasRunning"
    public static let replicaRestarting = "ReplicaRestarting"
    public static let gangTimeout = "GangTimeout"
    public static let jobSucceeded = "JobSucceeded"
    public static let backoffLimitExceeded = "BackoffLimitExceeded"
    public static let deadlineExceeded = "DeadlineExceeded"
    public static let permanentExitCode = "PermanentExitCode"
    public static let replicaFailed = "ReplicaFailed"
    public static let suspendedByUser = "SuspendedByUser"
    /// Preempted by higher-priority work (message names it).
    public static let preemptedByPriority = "PreemptedByHigherPriority"
    /// Evicted so a quota below its fair share could reclaim lent capacity.
    public static let reclaimedByQuota = "ReclaimedByQuota"

    // InferenceService
    public static let minimumReplicasAvailable = "MinimumReplicasAvailable"
    public static let minimumReplicasUnavailable = "MinimumReplicasUnavailable"
    public static let canaryNotConfigured = "CanaryNotConfigured"
    public static let canaryProgressing = "CanaryProgressing"

    // ResourcePool / DeviceSlice
    public static let nodesReady = "NodesReady"
    public static let noNodes = "NoMatchingNodes"
    public static let heartbeatFresh = "HeartbeatFresh"
    public static let heartbeatStale = "HeartbeatStale"
    public static let allDevicesHealthy = "AllDevicesHealthy"
    public static let unhealthyDevices = "UnhealthyDevices"
    public static let belowThermalLimits = "BelowThermalLimits"
    public static let chipOverSoftLimit = "ChipOverSoftLimit"
    public static let chipOverHardLimit = "ChipOverHardLimit"
    public static let chassisOverSoftLimit = "ChassisOverSoftLimit"
    public static let chassisOverHardLimit = "ChassisOverHardLimit"
    public static let rackOverSoftLimit = "RackOverSoftLimit"
    public static let rackOverHardLimit = "RackOverHardLimit"
}

/// Finalizers, each owned by the one controller that removes it.
public enum Finalizer {
    /// Workspace controller: remove RoleBindings and the isolation policy before the Workspace goes.
    public static let workspaceCleanup = "gantry.dev/workspace-cleanup"
    /// Quota controller: a Quota with admitted work or child quotas is not deleted from under them.
    public static let quotaProtection = "gantry.dev/quota-protection"
    /// Quota controller, on TrainingJobs and InferenceServices: release the admission (usage, reservations)
    /// and write the final usage record before the job disappears.
    public static let admission = "gantry.dev/admission"
    /// Pool controller: untaint and unlabel member nodes before the ResourcePool goes.
    public static let poolCleanup = "gantry.dev/pool-cleanup"
}

/// The identity of a gang: the pods' namespace and their `gantry.dev/gang` label value, written
/// `<namespace>/<job>` wherever one string is needed (logs, the engine's maps, Events).
public struct GangID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// The gang a pod belongs to, if it carries the label.
    public init?(podNamespace: String?, labels: [String: String]?) {
        guard let name = labels?[LabelKey.gang], !name.isEmpty else { return nil }
        self.init(namespace: podNamespace ?? "", name: name)
    }

    /// Parses `<namespace>/<job>`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.init(namespace: String(parts[0]), name: String(parts[1]))
    }

    public var description: String { "\(namespace)/\(name)" }
    public var labelValue: String { name }

    public static func < (a: GangID, b: GangID) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }
}

/// The well-known names with one line each, for docs/api.md.
public enum WellKnownReference {
    public static let tables: [(String, [(String, String)])] = [
        ("Resource names", [
            (ResourceName.vgcu, "Virtual GCUs, each on a distinct physical device."),
            (ResourceName.vgcuCores, "Percent of one device's compute per virtual GCU, 1..100. Quotas count vgcu × cores (100 = one device)."),
            (ResourceName.vgcuMemory, "Device memory per virtual GCU in MiB. Quotas count vgcu × memory."),
            (ResourceName.enflameGCU, "Whole Enflame GCUs, exclusive."),
            (ResourceName.nvidiaGPU, "Whole NVIDIA GPUs, exclusive."),
        ]),
        ("Labels", [
            (LabelKey.gang, "Pods of a gang: the TrainingJob's name (the gang is namespace + this value, written <namespace>/<job>)."),
            (LabelKey.quota, "Pods: the Quota they are charged to."),
            (LabelKey.workspace, "Namespaces: the Workspace that owns them."),
            (LabelKey.pool, "Nodes: the ResourcePool they belong to."),
            (LabelKey.rack, "Nodes: the rack, for rack temperatures."),
            (LabelKey.jobName, "Training pods and Services: the TrainingJob."),
            (LabelKey.replicaName, "Training pods: the replica type."),
            (LabelKey.replicaIndex, "Training pods: the index within the replica type."),
            (LabelKey.inferenceService, "Serving pods and Services: the InferenceService."),
            (LabelKey.revision, "Serving pods: hash of the pod template they run."),
            (LabelKey.servingRole, "Serving pods: stable or canary."),
            (LabelKey.preemptible, "Pods: \"true\" when priority preemption may evict them."),
        ]),
        ("Annotations", [
            (AnnotationKey.gangMin, "Gang pods: the gang's minimum member count."),
            (AnnotationKey.devices, "Bound pods: allocated device shares, <deviceID>:<cores>:<memoryMiB> comma-separated."),
            (AnnotationKey.node, "Bound pods: the node the extender bound them to."),
            (AnnotationKey.bindTime, "Bound pods: when they were bound (RFC 3339)."),
            (AnnotationKey.pools, "Pods: allowed ResourcePools, comma-separated."),
            (AnnotationKey.deviceModels, "Pods: acceptable device models, comma-separated."),
            (AnnotationKey.rackTemperature, "Nodes: rack temperature in °C when the pool has no rack reading."),
            (AnnotationKey.simDuration, "Pods, dev cluster only: run time before the simulated container exits (Go duration, e.g. 90s)."),
            (AnnotationKey.simExitCode, "Pods, dev cluster only: the simulated exit code, 0..255."),
        ]),
        ("Condition reasons", [
            (Reason.valid, "Invalid=False: the spec passes validation."),
            (Reason.invalidSpec, "Invalid=True: the message lists every broken rule with its field path."),
            (Reason.reconciling, "Ready=Unknown/False while the controller is still creating what the object asks for."),
            (Reason.reconciled, "Ready=True: everything the object asks for is in place."),
            (Reason.namespaceConflict, "Workspace NamespacesReady=False: a namespace belongs to another workspace."),
            (Reason.quotaNotFound, "The named Quota does not exist."),
            (Reason.poolNotFound, "A named ResourcePool does not exist."),
            (Reason.open, "Quota Active=True: open, inside its time windows."),
            (Reason.closed, "Quota Active=False: state Closed."),
            (Reason.draining, "Quota Active=False: state Draining (dispatches queued work, accepts none)."),
            (Reason.inactive, "Quota Active=False: state Inactive."),
            (Reason.outsideTimeWindow, "Quota Active=False: outside every time window."),
            (Reason.parentNotFound, "Quota Active=False: the parent does not exist."),
            (Reason.parentCycle, "Quota Active=False: the parent chain is a cycle."),
            (Reason.childrenExceedParent, "Quota Active=False: the children's guaranteed amounts exceed the quota's."),
            (Reason.borrowing, "Quota Borrowing=True: admitted work uses more than deserved."),
            (Reason.withinDeserved, "Quota Borrowing=False."),
            (Reason.waitingForQuota, "Queued=True: the quota (and what it may borrow) has no headroom; the message names the blocking resource."),
            (Reason.waitingForCapacity, "Queued=True: the quota has headroom but the gang cannot be placed on devices of an allowed pool now."),
            (Reason.quotaClosed, "Queued=True: the quota accepts or dispatches no work (state or time window)."),
            (Reason.quotaReserved, "Admitted=True: quota reserved and the gang planned on a pool."),
            (Reason.gangScheduled, "Admitted=True: every gang member is bound."),
            (Reason.podsStarting, "Running=False: admitted, pods starting."),
            (Reason.allReplicasRunning, "Running=True."),
            (Reason.replicaRestarting, "Restarting=True: a failed pod is being replaced."),
            (Reason.gangTimeout, "Queued=True again: the gang was not running within gang.timeoutSeconds and gave its admission back."),
            (Reason.jobSucceeded, "Succeeded=True."),
            (Reason.backoffLimitExceeded, "Failed=True: more restarts than runPolicy.backoffLimit."),
            (Reason.deadlineExceeded, "Failed=True: ran longer than runPolicy.activeDeadlineSeconds."),
            (Reason.permanentExitCode, "Failed=True: a pod with restartPolicy ExitCode exited 1-127."),
            (Reason.replicaFailed, "Failed=True: a pod with restartPolicy Never failed."),
            (Reason.suspendedByUser, "Suspended=True: runPolicy.suspend is set."),
            (Reason.preemptedByPriority, "Preempted=True: evicted for higher-priority work, named in the message."),
            (Reason.reclaimedByQuota, "Preempted=True: ran on borrowed capacity its lender took back."),
            (Reason.minimumReplicasAvailable, "InferenceService Ready/PredictorReady=True: at least minReplicas serve."),
            (Reason.minimumReplicasUnavailable, "InferenceService Ready/PredictorReady=False."),
            (Reason.canaryNotConfigured, "CanaryReady=False: no canary in the spec."),
            (Reason.canaryProgressing, "CanaryReady=False: canary replicas starting."),
            (Reason.nodesReady, "ResourcePool Ready=True."),
            (Reason.noNodes, "ResourcePool Ready=False: no node matches nodeSelector."),
            (Reason.heartbeatFresh, "DeviceSlice Stale=False."),
            (Reason.heartbeatStale, "DeviceSlice Stale=True: heartbeatTime older than the pool's staleAfterSeconds."),
            (Reason.allDevicesHealthy, "Degraded=False / DeviceSlice Ready=True."),
            (Reason.unhealthyDevices, "Degraded=True: some devices are Unhealthy."),
            (Reason.belowThermalLimits, "Overheated=False."),
            (Reason.chipOverSoftLimit, "Overheated=True: a chip is above thermal.chip.softC (scored down)."),
            (Reason.chipOverHardLimit, "Overheated=True: a chip is above thermal.chip.hardC (no new work)."),
            (Reason.chassisOverSoftLimit, "Overheated=True: chassis above its soft limit."),
            (Reason.chassisOverHardLimit, "Overheated=True: chassis above its hard limit."),
            (Reason.rackOverSoftLimit, "Overheated=True: rack above its soft limit."),
            (Reason.rackOverHardLimit, "Overheated=True: rack above its hard limit."),
        ]),
        ("Finalizers", [
            (Finalizer.workspaceCleanup, "Workspaces: removes role bindings and isolation policies first."),
            (Finalizer.quotaProtection, "Quotas: kept while work is admitted or children exist."),
            (Finalizer.admission, "TrainingJobs, InferenceServices: releases the admission and records final usage."),
            (Finalizer.poolCleanup, "ResourcePools: untaints and unlabels member nodes."),
        ]),
    ]
}
