// The fleet (files and generator), the kubelet simulator (start, run time, exit codes, restart policies,
// graceful deletion, dead nodes) and node failure injection.

import Foundation
import HTTPServer
import KubeCore
import Testing

@testable import DevCluster

struct FleetTests {
    @Test func deviceSlicesArePublishedThroughTheGeneratedCRD() async throws {
        let api = APIServer()
        let cluster = try SimulatedCluster(api: api, options: .init(fleet: ShimHarness.nodes(2), schedulerConfiguration: nil))
        try await cluster.start()
        defer { cluster.stop() }
        let slices = try await InProcessClient(api: api).get("/apis/gantry.dev/v1alpha1/deviceslices")
        #expect(slices["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue } == ["n0", "n1"])
        #expect(slices["items"]?[0]?["spec"]?["devices"]?.arrayValue?.count == 4)
        #expect(slices["items"]?[0]?["spec"]?["node"] == "n0")
    }

    @Test func generatorBuildsRacksDevicesAndResources() {
        let nodes = Fleet.generate(count: 20, devicesPerNode: 8, deviceModel: "nvidia-a100")
        #expect(nodes.count == 20)
        #expect(nodes[17].rack == "rack-1")
        let node = nodes[0].nodeObject(index: 1)
        #expect(node["status"]?["allocatable"]?["nvidia.com/gpu"] == "8")
        #expect(node["metadata"]?["labels"]?["topology.gantry.dev/rack"] == "rack-0")
        let slice = nodes[0].deviceSlice()
        #expect(slice?.metadata.name == "node-0000")
        #expect(slice?.spec.devices?.count == 8)
        #expect(slice?.spec.devices?[3].health == .healthy)
        #expect(slice?.spec.devices?[3].memoryMiB == 81920)
        #expect(slice?.validate().isEmpty == true)
        #expect(Fleet.generate(count: 1, devicesPerNode: 0, deviceModel: "x")[0].deviceSlice() == nil)
    }

    @Test func fleetFileInYAML() throws {
        let yaml = """
            nodes:
              - name: infer-0
                pool: inference
                rack: r9
                cpu: 32
                memory: 256Gi
                taints: [{key: gantry.dev/pool, value: inference, effect: NoSchedule}]
                devices: {count: 2, model: enflame-s60, temperatureC: 55}
              - namePrefix: train
                count: 4
                racks: 2
                pool: training
                labels: {tier: gold}
                extendedResources: {example.com/fpga: 1}
            """
        let nodes = try Fleet.parse(try YAML.decode(yaml))
        #expect(nodes.map(\.name) == ["infer-0", "train-0000", "train-0001", "train-0002", "train-0003"])
        #expect(nodes[0].cpu == "32")
        #expect(nodes[0].taints.count == 1)
        #expect(nodes[0].devices?.resource == "enflame.com/gcu")
        #expect(nodes[0].deviceInventory[1].temperatureC == 55)
        #expect(nodes.filter { $0.rack == "rack-1" }.count == 2)
        #expect(nodes[1].nodeObject(index: 2)["status"]?["capacity"]?["example.com/fpga"] == "1")
        #expect(nodes[1].labels["tier"] == "gold")
    }

    @Test func fleetFileInCSV() throws {
        let csv = """
            # name or namePrefix+count, per row
            name,namePrefix,count,pool,rack,racks,cpu,devices,model,temperatureC,labels,taints
            gpu-a,,,inference,r1,,32,4,nvidia-h100,50,tier=gold;zone=a,gantry.dev/pool=inference:NoSchedule
            ,gcu,3,training,,3,,8,enflame-s60,,,
            """
        let nodes = try Fleet.parse(try Fleet.csv(csv))
        #expect(nodes.map(\.name) == ["gpu-a", "gcu-0000", "gcu-0001", "gcu-0002"])
        #expect(nodes[0].devices?.resource == "nvidia.com/gpu")
        #expect(nodes[0].labels == ["tier": "gold", "zone": "a"])
        #expect(nodes[0].taints.first?["effect"] == "NoSchedule")
        #expect(nodes[0].cpu == "32")
        #expect(Set(nodes.dropFirst().map(\.rack)).count == 3)
        #expect(throws: Fleet.Invalid.self) { try Fleet.csv("name,colour\na,red") }
        #expect(throws: Fleet.Invalid.self) { try Fleet.csv("name,devices\na,many") }
        #expect(throws: Fleet.Invalid.self) { try Fleet.csv("name,taints\na,k=v:Sometimes") }
    }

    @Test(arguments: ["nodes: 3", "{}", "nodes: [{pool: x}]", "nodes: [{name: a}, {name: a}]", "nodes: [{name: a, devices: {count: 2}}]",
                      "nodes: [{namePrefix: x, count: 0}]"])
    func invalidFleetsAreRejected(yaml: String) {
        #expect(throws: Fleet.Invalid.self) { try Fleet.parse(try YAML.decode(yaml)) }
    }
}

struct KubeletSimulatorTests {
    func cluster(nodes: Int = 1) async throws -> (SimulatedCluster, InProcessClient) {
        let api = APIServer()
        let cluster = try SimulatedCluster(api: api, options: .init(fleet: ShimHarness.nodes(nodes), podStartDelay: 0.05,
                                                                     schedulerConfiguration: nil))
        try await cluster.start()
        return (cluster, InProcessClient(api: api))
    }

    func boundPod(_ name: String, node: String = "n0", restartPolicy: String = "Never", annotations: JSONValue = [:],
                  grace: Int64 = 30) -> JSONValue {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "annotations": annotations],
         "spec": ["nodeName": .string(node), "restartPolicy": .string(restartPolicy), "terminationGracePeriodSeconds": .int(grace),
                  "containers": [["name": "main", "image": "busybox"]]]]
    }

    func pod(_ c: InProcessClient, _ name: String) async -> JSONValue {
        (try? await c.get("/api/v1/namespaces/default/pods/\(name)")) ?? .null
    }

    @Test func boundPodsRunAndReportReady() async throws {
        let (cluster, c) = try await cluster()
        defer { cluster.stop() }
        try await c.create("/api/v1/namespaces/default/pods", boundPod("p"))
        #expect(await eventually { await pod(c, "p")["status"]?["phase"] == "Running" })
        let p = await pod(c, "p")
        #expect(p["status"]?["conditions"]?.arrayValue?.first { $0["type"] == "Ready" }?["status"] == "True")
        #expect(p["status"]?["containerStatuses"]?[0]?["state"]?["running"]?["startedAt"] != nil)
        #expect(p["status"]?["podIP"]?.stringValue?.hasPrefix("10.244.") == true)
    }

    @Test func durationAndExitCodeDecidePhase() async throws {
        let (cluster, c) = try await cluster()
        defer { cluster.stop() }
        try await c.create("/api/v1/namespaces/default/pods", boundPod("ok", annotations: ["sim.gantry.dev/duration": "100ms"]))
        try await c.create("/api/v1/namespaces/default/pods",
                           boundPod("bad", annotations: ["sim.gantry.dev/duration": "100ms", "sim.gantry.dev/exit-code": "3"]))
        #expect(await eventually { await pod(c, "ok")["status"]?["phase"] == "Succeeded" })
        #expect(await eventually { await pod(c, "bad")["status"]?["phase"] == "Failed" })
        let bad = await pod(c, "bad")
        #expect(bad["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]?["exitCode"] == 3)
        #expect(bad["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]?["reason"] == "Error")
        #expect(bad["status"]?["conditions"]?.arrayValue?.first { $0["type"] == "Ready" }?["status"] == "False")
    }

    @Test func malformedSimulationAnnotationsRunUntilDeletedWithAWarning() async throws {
        let (cluster, c) = try await cluster()
        defer { cluster.stop() }
        try await c.create("/api/v1/namespaces/default/pods", boundPod("odd", annotations: ["sim.gantry.dev/duration": "ten minutes"]))
        #expect(await eventually { await pod(c, "odd")["status"]?["phase"] == "Running" })
        let events = try await c.get("/api/v1/namespaces/default/events?fieldSelector=reason%3DInvalidSimulation")
        #expect(events["items"]?[0]?["involvedObject"]?["name"] == "odd")
        #expect(events["items"]?[0]?["type"] == "Warning")
    }

    @Test func podLogsTellTheSimulatedRun() async throws {
        let (cluster, c) = try await cluster()
        defer { cluster.stop() }
        try await c.create("/api/v1/namespaces/default/pods", boundPod("job", annotations: ["sim.gantry.dev/duration": "50ms", "sim.gantry.dev/exit-code": "2"]))
        #expect(await eventually { await pod(c, "job")["status"]?["phase"] == "Failed" })
        let log = await c.api.handle(HTTPRequest(method: .get, target: "/api/v1/namespaces/default/pods/job/log"))
        guard case .bytes(let bytes) = log.body else { Issue.record("no body"); return }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(log.status == 200)
        #expect(text.contains("sim: container main started (image busybox)"))
        #expect(text.contains("exited with code 2"))
        try await c.create("/api/v1/namespaces/default/pods", ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "waiting"],
                                                               "spec": ["containers": [["name": "main", "image": "x"]]]])
        let notStarted = await c.api.handle(HTTPRequest(method: .get, target: "/api/v1/namespaces/default/pods/waiting/log"))
        #expect(notStarted.status == 400)
    }

    @Test func onFailureRestartsFailingContainers() async throws {
        let (cluster, c) = try await cluster()
        defer { cluster.stop() }
        try await c.create("/api/v1/namespaces/default/pods",
                           boundPod("crashy", restartPolicy: "OnFailure", annotations: ["sim.gantry.dev/duration": "50ms", "sim.gantry.dev/exit-code": "1"]))
        #expect(await eventually { (await pod(c, "crashy")["status"]?["containerStatuses"]?[0]?["restartCount"]?.intValue ?? 0) >= 2 })
        let p = await pod(c, "crashy")
        #expect(p["status"]?["containerStatuses"]?[0]?["lastState"]?["terminated"]?["exitCode"] == 1)
        #expect(p["status"]?["phase"] == "Running")
    }

    @Test func deletedPodsAreKilledAfterTheirGracePeriod() async throws {
        let (cluster, c) = try await cluster()
        defer { cluster.stop() }
        try await c.create("/api/v1/namespaces/default/pods", boundPod("p", grace: 1))
        #expect(await eventually { await pod(c, "p")["status"]?["phase"] == "Running" })
        try await c.delete("/api/v1/namespaces/default/pods/p")
        #expect(await pod(c, "p")["metadata"]?["deletionTimestamp"] != nil)  // still there, terminating
        #expect(await eventually { await pod(c, "p") == .null })
    }

    @Test func podsOnANotReadyNodeDoNotStartUntilItRecovers() async throws {
        let (cluster, c) = try await cluster()
        defer { cluster.stop() }
        try await cluster.inject(.notReady, node: "n0")
        try await c.create("/api/v1/namespaces/default/pods", boundPod("p"))
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(await pod(c, "p")["status"]?["phase"] == "Pending")
        try await cluster.inject(.ready, node: "n0")
        #expect(await eventually { await pod(c, "p")["status"]?["phase"] == "Running" })
    }
}

struct NodeFaultTests {
    @Test func notReadyTaintsAndConditions() async throws {
        let api = APIServer()
        let cluster = try SimulatedCluster(api: api, options: .init(fleet: ShimHarness.nodes(1), schedulerConfiguration: nil))
        try await cluster.start()
        defer { cluster.stop() }
        let c = InProcessClient(api: api)
        try await cluster.inject(.notReady, node: "n0")
        var node = try await c.get("/api/v1/nodes/n0")
        #expect(node["status"]?["conditions"]?.arrayValue?.first { $0["type"] == "Ready" }?["status"] == "Unknown")
        #expect(node["spec"]?["taints"]?.arrayValue?.compactMap { $0["effect"]?.stringValue } == ["NoSchedule", "NoExecute"])
        try await cluster.inject(.ready, node: "n0")
        node = try await c.get("/api/v1/nodes/n0")
        #expect(node["spec"]?["taints"] == nil)
        #expect(node["status"]?["conditions"]?.arrayValue?.first { $0["type"] == "Ready" }?["status"] == "True")
    }

    @Test func deviceHealthAndTemperatureThroughTheControlEndpoint() async throws {
        let api = APIServer()
        let cluster = try SimulatedCluster(api: api, options: .init(fleet: ShimHarness.nodes(1), schedulerConfiguration: nil))
        try await cluster.start()
        defer { cluster.stop() }
        let bad = await api.handle(HTTPRequest(method: .post, target: "/devcluster/nodes/n0?action=device-unhealthy"))
        #expect(bad.status == 400)
        let missing = await api.handle(HTTPRequest(method: .post, target: "/devcluster/nodes/nope?action=notready"))
        #expect(missing.status == 404)
        let r = await api.handle(HTTPRequest(method: .post, target: "/devcluster/nodes/n0?action=device-unhealthy&device=2"))
        #expect(r.status == 200)
        let t = await api.handle(HTTPRequest(method: .post, target: "/devcluster/nodes/n0?action=temperature&device=1&celsius=97"))
        #expect(t.status == 200)
        let node = try await InProcessClient(api: api).get("/api/v1/nodes/n0")
        let slice = try await InProcessClient(api: api).get("/apis/gantry.dev/v1alpha1/deviceslices/n0")
        let devices = slice["spec"]?["devices"]
        #expect(devices?[2]?["health"] == "Unhealthy")
        #expect(devices?[1]?["temperatureC"] == 97)
        #expect(devices?[0]?["temperatureC"] == 40)
        let outOfRange = await api.handle(HTTPRequest(method: .post, target: "/devcluster/nodes/n0?action=temperature&device=9&celsius=50"))
        #expect(outOfRange.status == 400)
        #expect(node["status"]?["allocatable"]?["enflame.com/gcu"] == "3")
        #expect(node["status"]?["capacity"]?["enflame.com/gcu"] == "4")
    }
}

struct DevClusterServerTests {
    @Test func kubeconfigPointsAtTheListener() throws {
        let server = try DevClusterServer(api: APIServer(), port: 0)
        #expect(server.port > 0)
        #expect(server.kubeconfig().contains("server: http://127.0.0.1:\(server.port)"))
        server.stop()
    }

    @Test func servesOverTheSocketAndSurvivesARestart() async throws {
        let server = try DevClusterServer(api: APIServer(), port: 0)
        let running = Task { try await server.run() }
        defer {
            server.stop()
            running.cancel()
        }
        let transport = CurlExtenderTransport()
        // POST is what the extender transport speaks; creating a ConfigMap over the socket works with it.
        let url = "\(server.url)/api/v1/namespaces/default/configmaps"
        let (status, _) = try await transport.post(url: url, body: JSONWriter.write(TestCluster.configMap("a")), timeout: 5)
        #expect(status == 201)
        server.api.restart(downtime: 0.3)
        #expect(await eventually {
            (try? await transport.post(url: url, body: JSONWriter.write(TestCluster.configMap("b")), timeout: 1))?.status == 201
        })
        #expect(server.api.store.count(StorageKey(group: "", resource: "configmaps")) == 2)
    }
}

struct SimulatorEventTests {
    @Test func repeatedEventsCountUpOnOneObject() async throws {
        let api = APIServer()
        let c = InProcessClient(api: api)
        let pod = try await c.create("/api/v1/namespaces/default/pods", TestCluster.pod("p"))
        for _ in 0..<3 {
            await c.event(about: pod, kind: "Pod", type: "Warning", reason: "FailedScheduling", message: "0/1 nodes are available",
                          component: "default-scheduler", action: "Scheduling")
        }
        await c.event(about: pod, kind: "Pod", type: "Normal", reason: "Scheduled", message: "assigned", component: "default-scheduler")
        let events = try await c.get("/api/v1/namespaces/default/events")
        let failed = events["items"]?.arrayValue?.filter { $0["reason"] == "FailedScheduling" } ?? []
        #expect(failed.count == 1)
        #expect(failed.first?["count"] == 3)
        #expect(failed.first?["involvedObject"]?["uid"] == pod["metadata"]?["uid"])
        #expect(events["items"]?.arrayValue?.count == 2)
    }
}
