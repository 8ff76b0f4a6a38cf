// SimulatedCluster: everything beside the API server: the fleet's nodes, the kubelet simulator, the
// scheduler shim, and node failure injection (NotReady, a device turning Unhealthy, a temperature spike),
// callable from Swift or at run time through POST /devcluster/nodes/<name>?action=...

import Foundation
import GantryAPI
import HTTPServer
import KubeCore

public final class SimulatedCluster: Sendable {
    public struct Options: Sendable {
        public var fleetFile: String?
        public var fleet: [SimulatedNode]?
        public var nodes: Int
        public var devicesPerNode: Int
        public var deviceModel: String
        public var podStartDelay: Double
        public var schedulerConfigFile: String?
        public var schedulerConfiguration: SchedulerConfiguration?

        public init(fleetFile: String? = nil, fleet: [SimulatedNode]? = nil, nodes: Int = 0, devicesPerNode: Int = 8,
                    deviceModel: String = "enflame-s60", podStartDelay: Double = 1, schedulerConfigFile: String? = nil,
                    schedulerConfiguration: SchedulerConfiguration? = nil) {
            self.fleetFile = fleetFile
            self.fleet = fleet
            self.nodes = nodes
            self.devicesPerNode = devicesPerNode
            self.deviceModel = deviceModel
            self.podStartDelay = podStartDelay
            self.schedulerConfigFile = schedulerConfigFile
            self.schedulerConfiguration = schedulerConfiguration
        }
    }

    public let api: APIServer
    public let specs: [SimulatedNode]
    public let kubelet: KubeletSimulator
    public let scheduler: SchedulerShim?
    let client: InProcessClient

    public init(api: APIServer, options: Options, transport: any ExtenderTransport = CurlExtenderTransport()) throws {
        self.api = api
        let client = InProcessClient(api: api)
        self.client = client
        if let fleet = options.fleet {
            specs = fleet
        } else if let file = options.fleetFile {
            specs = try Fleet.load(path: file)
        } else {
            specs = Fleet.generate(count: options.nodes, devicesPerNode: options.devicesPerNode, deviceModel: options.deviceModel)
        }
        kubelet = KubeletSimulator(client: client, startDelay: options.podStartDelay)
        var config = options.schedulerConfiguration
        if config == nil, let file = options.schedulerConfigFile { config = try SchedulerConfiguration.load(path: file) }
        scheduler = config.map { SchedulerShim(client: client, configuration: $0, transport: transport) }
    }

    public var nodeCount: Int { specs.count }
    public var schedulerName: String? { scheduler.map { $0.configuration.schedulerNames.joined(separator: ",") } }

    static let deviceSlices = "/apis/gantry.dev/v1alpha1/deviceslices"

    /// Registers the nodes (and their DeviceSlices), then starts the kubelet and the scheduler.
    public func start() async throws {
        if specs.contains(where: { $0.devices != nil }) {
            // The DeviceSlice CRD as `make manifests` generates it, unless someone installed it already.
            let crd = try JSONValueEncoder().encode(CRDGenerator.crd(for: DeviceSlice.definition))
            do {
                try await client.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
            } catch let e as InProcessClient.Failure where e.reason == "AlreadyExists" {}
        }
        for (i, spec) in specs.enumerated() {
            kubelet.manage(node: spec.name)
            do {
                try await client.create("/api/v1/nodes", spec.nodeObject(index: i + 1))
            } catch let e as InProcessClient.Failure where e.reason == "AlreadyExists" {
                continue
            }
            if let slice = spec.deviceSlice() {
                do {
                    try await client.create(Self.deviceSlices, try JSONValueEncoder().encode(slice))
                } catch let e as InProcessClient.Failure where e.reason == "AlreadyExists" {}
            }
            // The kubelet's heartbeat Lease, which `kubectl describe node` shows.
            let now = JSONValue.string(MicroTime.now.rfc3339)
            _ = try? await client.create("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", [
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": ["name": .string(spec.name)],
                "spec": ["holderIdentity": .string(spec.name), "leaseDurationSeconds": 40, "renewTime": now, "acquireTime": now],
            ])
        }
        try kubelet.start()
        try await scheduler?.start()
        api.addControlRoute(prefix: "/devcluster/nodes/") { [self] request in await control(request) }
    }

    public func stop() {
        kubelet.stop()
        if let scheduler { Task { await scheduler.stop() } }
    }

    // MARK: Node failures

    public enum NodeFault: Sendable, Equatable {
        case notReady
        case ready
        case deviceHealth(index: Int, healthy: Bool)
        case temperature(index: Int?, celsius: Double)
    }

    static let notReadyTaints: [JSONValue] = [
        ["key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"],
        ["key": "node.kubernetes.io/unreachable", "effect": "NoExecute"],
    ]

    /// Applies a failure (or recovery) to a node the way its kubelet and the node lifecycle controller would show it.
    public func inject(_ fault: NodeFault, node name: String) async throws {
        let path = "/api/v1/nodes/\(name)"
        let node = try await client.get(path)
        switch fault {
        case .notReady, .ready:
            let ready = fault == .ready
            kubelet.setReady(node: name, ready)
            var conditions = node["status"]?["conditions"]?.arrayValue ?? []
            for i in conditions.indices where conditions[i]["type"] == "Ready" {
                conditions[i]["status"] = ready ? "True" : "Unknown"
                conditions[i]["reason"] = ready ? "KubeletReady" : "NodeStatusUnknown"
                conditions[i]["message"] = ready ? "kubelet is posting ready status" : "Kubelet stopped posting node status."
                conditions[i]["lastTransitionTime"] = .string(Time.now.rfc3339)
            }
            try await client.mergePatch("\(path)/status", ["status": ["conditions": .array(conditions)]])
            var taints = (node["spec"]?["taints"]?.arrayValue ?? []).filter { $0["key"] != "node.kubernetes.io/unreachable" }
            if !ready { taints += Self.notReadyTaints.map { var t = $0; t["timeAdded"] = .string(Time.now.rfc3339); return t } }
            try await client.mergePatch(path, ["spec": ["taints": taints.isEmpty ? nil : .array(taints)]])
        case .deviceHealth(let index, let healthy):
            var devices = try await deviceList(name)
            guard devices.indices.contains(index) else { throw NodeFaultError(description: "node \(name) has no device \(index)") }
            devices[index]["health"] = healthy ? "Healthy" : "Unhealthy"
            try await client.mergePatch("\(Self.deviceSlices)/\(name)",
                                        ["spec": ["devices": .array(devices), "heartbeatTime": .string(Time.now.rfc3339)]])
            // The device plugin withdraws unhealthy devices from allocatable.
            if let spec = specs.first(where: { $0.name == name }), let d = spec.devices {
                let healthyCount = devices.filter { $0["health"] == "Healthy" }.count
                try await client.mergePatch("\(path)/status", ["status": ["allocatable": [d.resource: .string(String(healthyCount))]]])
            }
        case .temperature(let index, let celsius):
            var devices = try await deviceList(name)
            if let index, !devices.indices.contains(index) { throw NodeFaultError(description: "node \(name) has no device \(index)") }
            for i in devices.indices where index == nil || index == i { devices[i]["temperatureC"] = .double(celsius) }
            var specPatch: JSONValue = ["devices": .array(devices), "heartbeatTime": .string(Time.now.rfc3339)]
            if index == nil { specPatch["chassisTemperatureC"] = .double(celsius) }
            try await client.mergePatch("\(Self.deviceSlices)/\(name)", ["spec": specPatch])
        }
    }

    public struct NodeFaultError: Error, CustomStringConvertible {
        public var description: String
    }

    private func deviceList(_ node: String) async throws -> [JSONValue] {
        guard let slice = try? await client.get("\(Self.deviceSlices)/\(node)"),
              let devices = slice["spec"]?["devices"]?.arrayValue else {
            throw NodeFaultError(description: "node \(node) has no simulated devices")
        }
        return devices
    }

    /// POST /devcluster/nodes/<name>?action=notready|ready|device-unhealthy|device-healthy|temperature&device=N&celsius=C
    func control(_ request: HTTPRequest) async -> HTTPResponse {
        let name = String(request.path.dropFirst("/devcluster/nodes/".count))
        guard request.method == .post, !name.isEmpty, !name.contains("/") else {
            return APIServer.statusResponse(APIError.badRequest("use POST /devcluster/nodes/<name>?action=..."))
        }
        let device = request.query("device").flatMap { Int($0) }
        let fault: NodeFault
        switch request.query("action") ?? "" {
        case "notready": fault = .notReady
        case "ready": fault = .ready
        case "device-unhealthy", "device-healthy":
            guard let device else { return APIServer.statusResponse(APIError.badRequest("device=<index> is required")) }
            fault = .deviceHealth(index: device, healthy: request.query("action") == "device-healthy")
        case "temperature":
            guard let c = request.query("celsius").flatMap(Double.init), c.isFinite else {
                return APIServer.statusResponse(APIError.badRequest("celsius=<degrees> is required"))
            }
            fault = .temperature(index: device, celsius: c)
        default:
            return APIServer.statusResponse(APIError.badRequest("action must be notready, ready, device-unhealthy, device-healthy or temperature"))
        }
        do {
            try await inject(fault, node: name)
            return APIServer.json(["status": "Success"])
        } catch let e as InProcessClient.Failure {
            return APIServer.statusResponse(APIError(code: e.code, reason: e.reason, message: e.message))
        } catch {
            return APIServer.statusResponse(APIError.badRequest("\(error)"))
        }
    }
}
