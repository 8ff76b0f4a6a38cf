// An in-process stand-in for Gantry's scheduler extender (the real one is built separately): `filter` keeps
// nodes with enough distinct devices for the pod's vGCU slices, `bind` picks them, writes the allocation
// record (`gantry.dev/devices`, `gantry.dev/node`, `gantry.dev/bind-time`) and posts the binding. No gang
// planning: keeping gangs whole is the admission's job here, which is what the tests check.

import DevCluster
import Foundation
import GantryAPI
import KubeClient
import KubeCore
import Synchronization

final class DeviceExtenderDouble: ExtenderTransport {
    let client: KubeClient
    /// Allocations made by this double that the pod list may not show yet, by pod uid.
    private let assumed = Mutex<[String: [DeviceAllocation]]>([:])
    private let binds = Mutex(0)

    init(client: KubeClient) { self.client = client }

    var bindCount: Int { binds.withLock { $0 } }

    func post(url: String, body: [UInt8], timeout: Double) async throws -> (status: Int, body: [UInt8]) {
        let args = try JSONParser.parse(body)
        let reply: JSONValue
        if url.hasSuffix("/filter") {
            reply = try await filter(args)
        } else if url.hasSuffix("/bind") {
            reply = try await bind(args)
        } else {
            return (404, [])
        }
        return (200, JSONWriter.write(reply))
    }

    struct Need { var count: Int; var cores: Int; var memory: Int64 }

    static func need(_ pod: JSONValue) -> Need {
        var need = Need(count: 0, cores: 100, memory: 0)
        for c in pod["spec"]?["containers"]?.arrayValue ?? [] {
            let limits = c["resources"]?["limits"]
            func value(_ key: String) -> Int? {
                limits?[key].flatMap { $0.intValue.map(Int.init) ?? $0.stringValue.flatMap { Int($0) } }
            }
            need.count += value(ResourceName.vgcu) ?? 0
            if let cores = value(ResourceName.vgcuCores) { need.cores = cores }
            if let memory = value(ResourceName.vgcuMemory) { need.memory = Int64(memory) }
        }
        return need
    }

    /// Devices for `need` on `node`, first fit over what the node's pods and this double's own earlier picks leave;
    /// with `reserveFor`, the pick is recorded for that pod in the same critical section, so binds that run at
    /// once (the scheduler binds asynchronously) never take the same slice twice.
    func pick(_ need: Need, node: String, reserveFor uid: String? = nil) async throws -> [DeviceAllocation]? {
        let slice = try await client.get(DeviceSlice.self, name: node)
        let pods = try await client.list(Pod.self).items.filter { $0.spec?.nodeName == node && !$0.isTerminal }
        var recorded: [String: [DeviceAllocation]] = [:]
        for pod in pods {
            if let text = pod.metadata.annotations?[AnnotationKey.devices], let list = try? DeviceAllocation.parseList(text) {
                recorded[pod.metadata.uid ?? ""] = list
            }
        }
        let live = Set(pods.compactMap(\.metadata.uid))
        return assumed.withLock { assumed -> [DeviceAllocation]? in
            // Picks for pods gone from the node are forgotten; a pick stays until its pod shows its own record.
            assumed = assumed.filter { live.contains($0.key) || $0.key == uid }
            let used = assumed.merging(recorded) { _, fromPod in fromPod }
            var devices = (slice.spec.devices ?? []).map { (id: $0.id, cores: Int($0.cores ?? 100), memory: $0.memoryMiB ?? 0, slices: 0) }
            for share in used.values.joined() {
                guard let i = devices.firstIndex(where: { $0.id == share.deviceID }) else { continue }
                devices[i].cores -= share.cores
                devices[i].memory -= share.memoryMiB
                devices[i].slices += 1
            }
            let fitting = devices.filter { $0.cores >= need.cores && $0.memory >= need.memory && $0.slices < 4 }
            guard fitting.count >= need.count else { return nil }
            let picked = fitting.prefix(need.count).map { DeviceAllocation(deviceID: $0.id, cores: need.cores, memoryMiB: need.memory) }
            if let uid { assumed[uid] = picked }
            return picked
        }
    }

    func filter(_ args: JSONValue) async throws -> JSONValue {
        let pod = args["Pod"] ?? .null
        let need = Self.need(pod)
        var keep: [JSONValue] = []
        var failed = JSONObject()
        for name in args["NodeNames"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            let fits = need.count == 0 ? true : (try await pick(need, node: name)) != nil
            if fits {
                keep.append(.string(name))
            } else {
                failed[name] = "not enough free vGCU slices"
            }
        }
        return ["NodeNames": .array(keep), "FailedNodes": .object(failed), "Error": ""]
    }

    func bind(_ args: JSONValue) async throws -> JSONValue {
        let name = args["PodName"]?.stringValue ?? ""
        let namespace = args["PodNamespace"]?.stringValue ?? ""
        let uid = args["PodUID"]?.stringValue ?? ""
        let node = args["Node"]?.stringValue ?? ""
        let pod = try await client.get(Pod.self, name: name, namespace: namespace)
        let need = Self.need(try JSONValueEncoder().encode(pod))
        var annotations: [String: String] = [:]
        if need.count > 0 {
            guard let picked = try await pick(need, node: node, reserveFor: uid) else { return ["Error": .string("no free devices on \(node)")] }
            annotations = [AnnotationKey.devices: DeviceAllocation.format(picked), AnnotationKey.node: node,
                           AnnotationKey.bindTime: Time.now.rfc3339]
        }
        // The allocation record travels with the binding, as the real extender writes it before binding.
        do {
            try await client.bind(pod: name, namespace: namespace, podUID: uid, node: node, annotations: annotations)
        } catch {
            assumed.withLock { $0[uid] = nil }
            throw error
        }
        binds.withLock { $0 += 1 }
        return ["Error": ""]
    }
}
