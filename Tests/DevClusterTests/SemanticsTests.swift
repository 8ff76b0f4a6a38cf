// Custom resources (schema validation, defaulting, pruning, status and scale subresources, generation),
// watches (events, selectors, bookmarks, 410, sendInitialEvents), deletion (finalizers, garbage
// collection, namespaces) and pods/binding.

import Foundation
import HTTPServer
import KubeCore
import Testing

@testable import DevCluster

struct CustomResourceTests {
    let widgets = "/apis/example.dev/v1/namespaces/default/widgets"

    @Test func invalidObjectsGet422WithEveryCause() async throws {
        let c = TestCluster()
        try await c.createCRD()
        var w = TestCluster.widget("w", color: "blue")
        w["spec"]?["replicas"] = 11
        w["spec"]?["name"] = "TooLong"
        w["spec"]?["tags"] = ["a", "b", "c"]
        let r = await c.post(widgets, w)
        #expect(r.status == 422)
        #expect(r.reason == "Invalid")
        let fields = Set(r["details", "causes"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? [])
        #expect(fields == ["spec.color", "spec.replicas", "spec.name", "spec.tags"])
        #expect(r.message.hasPrefix("Widget.example.dev \"w\" is invalid: ["))
        #expect(r.message.contains("spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10"))
        #expect(r.message.contains("spec.color: Unsupported value: \"blue\": supported values: \"red\", \"green\""))
        var missing = TestCluster.widget("m")
        missing["spec"] = ["replicas": "two"]
        let m = await c.post(widgets, missing)
        #expect(m.status == 422)
        #expect(m.message.contains("spec.color: Required value"))
        #expect(m.message.contains("spec.replicas in body must be of type integer: \"string\""))
    }

    @Test func defaultsArePrunedAndUnknownFieldsHandledPerFieldValidation() async throws {
        let c = TestCluster()
        try await c.createCRD()
        var w = TestCluster.widget("w")
        w["spec"]?["bogus"] = 1
        w["spec"]?["free"] = ["anything": ["goes": true]]
        w["status"] = ["replicas": 3]
        let strict = await c.post("\(widgets)?fieldValidation=Strict", w)
        #expect(strict.status == 400)
        #expect(strict.message.contains("unknown field \"spec.bogus\""))
        let warn = await c.post("\(widgets)?fieldValidation=Warn", w)
        #expect(warn.status == 201)
        #expect(warn.headers.values("Warning").contains { $0.contains("unknown field \\\"spec.bogus\\\"") })
        #expect(warn["spec", "bogus"] == nil)
        #expect(warn["spec", "replicas"] == 1)
        #expect(warn["spec", "free"] == ["anything": ["goes": true]])
        #expect(warn["status"] == nil)  // status is ignored on create with a status subresource
        #expect(warn["metadata", "generation"] == 1)
    }

    @Test func generationFollowsSpecAndStatusSubresourceIsSeparate() async throws {
        let c = TestCluster()
        try await c.createCRD()
        let created = await c.post(widgets, TestCluster.widget("w"))
        var withStatus = created.body
        withStatus["status"] = ["replicas": 2]
        let mainIgnoresStatus = await c.put("\(widgets)/w", withStatus)
        #expect(mainIgnoresStatus.status == 200)
        #expect(mainIgnoresStatus["status"] == nil)
        #expect(mainIgnoresStatus.rv == created.rv)  // nothing changed
        var statusWrite = mainIgnoresStatus.body
        statusWrite["status"] = ["replicas": 2]
        statusWrite["spec"]?["color"] = "green"  // ignored by /status
        let s = await c.put("\(widgets)/w/status", statusWrite)
        #expect(s.status == 200)
        #expect(s["status", "replicas"] == 2)
        #expect(s["spec", "color"] == "red")
        #expect(s["metadata", "generation"] == 1)
        let labelled = await c.patch("\(widgets)/w", ["metadata": ["labels": ["x": "y"]]])
        #expect(labelled["metadata", "generation"] == 1)
        let spec = await c.patch("\(widgets)/w", ["spec": ["color": "green"]])
        #expect(spec["metadata", "generation"] == 2)
        #expect(spec["status", "replicas"] == 2)
    }

    @Test func updatesOfCustomResourcesNeedResourceVersion() async throws {
        let c = TestCluster()
        try await c.createCRD()
        await c.post(widgets, TestCluster.widget("w"))
        let r = await c.put("\(widgets)/w", TestCluster.widget("w", color: "green"))
        #expect(r.status == 422)
        #expect(r.message.contains("must be specified for an update"))
    }

    @Test func scaleSubresource() async throws {
        let c = TestCluster()
        try await c.createCRD()
        await c.post(widgets, TestCluster.widget("w"))
        let scale = await c.get("\(widgets)/w/scale")
        #expect(scale["kind"] == "Scale")
        #expect(scale["spec", "replicas"] == 1)
        let patched = await c.patch("\(widgets)/w/scale", ["spec": ["replicas": 4]])
        #expect(patched["spec", "replicas"] == 4)
        #expect(await c.get("\(widgets)/w")["spec", "replicas"] == 4)
        #expect(await c.get("\(widgets)/w")["metadata", "generation"] == 2)
        let invalid = await c.patch("\(widgets)/w/scale", ["spec": ["replicas": 40]])
        #expect(invalid.status == 422)
    }

    @Test func deletingTheCRDRemovesItsObjectsAndEndpoints() async throws {
        let c = TestCluster()
        try await c.createCRD()
        await c.post(widgets, TestCluster.widget("w"))
        let d = await c.delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.dev")
        #expect(d.status == 200)
        #expect(await c.get(widgets).status == 404)
        #expect(await c.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.dev").status == 404)
        try await c.createCRD()
        #expect(await c.get(widgets).names == [])
    }

    @Test func crdGetsEstablishedStatusAndInvalidCRDsAreRejected() async throws {
        let c = TestCluster()
        try await c.createCRD()
        let crd = await c.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.dev")
        let established = crd["status", "conditions"]?.arrayValue?.first { $0["type"] == "Established" }
        #expect(established?["status"] == "True")
        #expect(crd["status", "acceptedNames", "kind"] == "Widget")
        var bad = TestCluster.widgetCRD
        bad["metadata"]?["name"] = "wrong.example.dev"
        let r = await c.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", bad)
        #expect(r.status == 422)
    }

    @Test func structuralSchemaUnit() {
        let schema: JSONValue = ["type": "object", "properties": [
            "spec": ["type": "object", "properties": [
                "n": ["type": "number", "exclusiveMinimum": true, "minimum": 0],
                "m": ["type": "object", "additionalProperties": ["type": "integer"]],
                "s": ["type": "array", "x-kubernetes-list-type": "set", "items": ["type": "string"]],
                "ios": ["x-kubernetes-int-or-string": true],
                "nested": ["type": "object", "default": [:], "properties": ["d": ["type": "string", "default": "x"]]],
            ]],
        ]]
        let r = StructuralSchema.process(["spec": ["n": 0, "m": ["a": 1, "b": "x"], "s": ["a", "a"], "ios": "50%"]], schema: schema)
        #expect(Set(r.errors.map(\.field)) == ["spec.n", "spec.m[b]", "spec.s[1]"])
        #expect(r.object["spec"]?["nested"] == ["d": "x"])
        let ok = StructuralSchema.process(["spec": ["n": 1.5, "ios": 3]], schema: schema)
        #expect(ok.errors.isEmpty)
    }
}

struct WatchTests {
    let cm = "/api/v1/namespaces/default/configmaps"

    @Test func watchFromResourceVersionSeesChangesInOrder() async {
        let c = TestCluster()
        let list = await c.get(cm)
        let w = await c.watch("\(cm)?watch=true&resourceVersion=\(list.rv)")
        #expect(w.status == 200)
        let a = await c.post(cm, TestCluster.configMap("a"))
        await c.patch("\(cm)/a", ["data": ["k": "2"]])
        await c.delete("\(cm)/a")
        let e1 = await w.next()
        let e2 = await w.next()
        let e3 = await w.next()
        #expect(e1?["type"] == "ADDED")
        #expect(e1?["object"]?["metadata"]?["resourceVersion"]?.stringValue == a.rv)
        #expect(e2?["type"] == "MODIFIED")
        #expect(e2?["object"]?["data"]?["k"] == "2")
        #expect(e3?["type"] == "DELETED")
        w.cancel()
    }

    @Test func watchWithoutVersionStartsWithCurrentState() async {
        let c = TestCluster()
        await c.post(cm, TestCluster.configMap("a"))
        await c.post(cm, TestCluster.configMap("b"))
        let w = await c.watch("\(cm)?watch=1")
        let names = [await w.next(), await w.next()].compactMap { $0?["object"]?["metadata"]?["name"]?.stringValue }
        #expect(names == ["a", "b"])
        w.cancel()
    }

    @Test func selectorTransitionsBecomeAddedAndDeleted() async {
        let c = TestCluster()
        let w = await c.watch("\(cm)?watch=1&labelSelector=app%3Dx&resourceVersion=\(await c.get(cm).rv)")
        await c.post(cm, TestCluster.configMap("a"))
        await c.patch("\(cm)/a", ["metadata": ["labels": ["app": "x"]]])
        await c.patch("\(cm)/a", ["metadata": ["labels": ["app": "y"]]])
        #expect(await w.next()?["type"] == "ADDED")
        #expect(await w.next()?["type"] == "DELETED")
        w.cancel()
    }

    @Test func expiredResourceVersionGets410ErrorEvent() async {
        let c = TestCluster(historyCapacity: 3)
        let start = await c.get(cm).rv
        for i in 0..<6 { await c.post(cm, TestCluster.configMap("x\(i)")) }
        let w = await c.watch("\(cm)?watch=1&resourceVersion=\(start)")
        let e = await w.next()
        #expect(e?["type"] == "ERROR")
        #expect(e?["object"]?["code"] == 410)
        #expect(e?["object"]?["reason"] == "Expired")
        #expect(e?["object"]?["message"]?.stringValue?.hasPrefix("too old resource version: \(start)") == true)
        #expect(await w.ended())
    }

    @Test func bookmarksWhenAskedAndInitialEventsEnd() async {
        var options = APIServerOptions()
        options.bookmarkInterval = 0.05
        let c = TestCluster(options: options)
        await c.post(cm, TestCluster.configMap("a"))
        let bad = await c.watch("\(cm)?watch=1&sendInitialEvents=true")
        #expect(bad.status == 422)
        let w = await c.watch("\(cm)?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=")
        #expect(await w.next()?["type"] == "ADDED")
        let end = await w.next()
        #expect(end?["type"] == "BOOKMARK")
        #expect(end?["object"]?["metadata"]?["annotations"]?["k8s.io/initial-events-end"] == "true")
        #expect(end?["object"]?["kind"] == "ConfigMap")
        let periodic = await w.next(where: { $0["type"] == "BOOKMARK" })
        #expect(periodic?["object"]?["metadata"]?["annotations"] == nil)
        w.cancel()
        let plain = await c.watch("\(cm)?watch=1&resourceVersion=\(await c.get(cm).rv)")
        await c.post(cm, TestCluster.configMap("b"))
        #expect(await plain.next()?["type"] == "ADDED")  // no bookmarks unless asked
        plain.cancel()
    }

    @Test func watchTimeoutEndsStream() async {
        let c = TestCluster()
        let w = await c.watch("\(cm)?watch=1&timeoutSeconds=0.1")
        #expect(await w.ended())
    }

    @Test func tableWatchForKubectlGetW() async throws {
        let c = TestCluster()
        try await c.createCRD()
        let w = await c.watch("/apis/example.dev/v1/namespaces/default/widgets?watch=1",
                              accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
        await c.post("/apis/example.dev/v1/namespaces/default/widgets", TestCluster.widget("w"))
        let e = await w.next()
        #expect(e?["object"]?["kind"] == "Table")
        #expect(e?["object"]?["rows"]?[0]?["cells"]?[0] == "w")
        w.cancel()
    }
}

struct DeletionTests {
    let cm = "/api/v1/namespaces/default/configmaps"

    @Test func finalizersHoldDeletionUntilRemoved() async {
        let c = TestCluster()
        var o = TestCluster.configMap("a")
        o["metadata"]?["finalizers"] = ["example.dev/cleanup"]
        await c.post(cm, o)
        let d = await c.delete("\(cm)/a")
        #expect(d.status == 200)
        #expect(d["metadata", "deletionTimestamp"] != nil)
        let still = await c.get("\(cm)/a")
        #expect(still.status == 200)
        let added = await c.patch("\(cm)/a", ["metadata": ["finalizers": ["example.dev/cleanup", "example.dev/more"]]])
        #expect(added.status == 422)
        #expect(added.message.contains("no new finalizers can be added if the object is being deleted"))
        let cleared = await c.patch("\(cm)/a", ["metadata": ["finalizers": nil]])
        #expect(cleared.status == 200)
        #expect(await c.get("\(cm)/a").status == 404)
    }

    func owned(_ name: String, owner: Reply, block: Bool = false) -> JSONValue {
        var o = TestCluster.configMap(name)
        o["metadata"]?["ownerReferences"] = [["apiVersion": "v1", "kind": "ConfigMap", "name": owner["metadata", "name"] ?? "",
                                              "uid": owner["metadata", "uid"] ?? "", "blockOwnerDeletion": .bool(block)]]
        return o
    }

    @Test func backgroundDeletionCollectsDependents() async {
        let c = TestCluster()
        let owner = await c.post(cm, TestCluster.configMap("owner"))
        let child = await c.post(cm, owned("child", owner: owner))
        await c.post(cm, owned("grandchild", owner: child))
        await c.delete("\(cm)/owner")
        #expect(await eventually { await c.get(cm).names.filter { $0 != "kube-root-ca.crt" } == [] })
    }

    @Test func orphanPropagationKeepsDependentsWithoutOwnerReference() async {
        let c = TestCluster()
        let owner = await c.post(cm, TestCluster.configMap("owner"))
        await c.post(cm, owned("child", owner: owner))
        await c.delete("\(cm)/owner", ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Orphan"])
        #expect(await eventually { await c.get("\(cm)/owner").status == 404 })
        let child = await c.get("\(cm)/child")
        #expect(child.status == 200)
        #expect(child["metadata", "ownerReferences"] == nil)
    }

    @Test func foregroundDeletionWaitsForBlockingDependents() async {
        let c = TestCluster()
        let owner = await c.post(cm, TestCluster.configMap("owner"))
        var child = owned("child", owner: owner, block: true)
        child["metadata"]?["finalizers"] = ["example.dev/hold"]
        await c.post(cm, child)
        let d = await c.delete("\(cm)?propagationPolicy=Foreground".replacingOccurrences(of: "?", with: "/owner?"))
        #expect(d["metadata", "finalizers"] == ["foregroundDeletion"])
        #expect(await eventually { await c.get("\(cm)/child")["metadata", "deletionTimestamp"] != nil })
        #expect(await c.get("\(cm)/owner").status == 200)  // held by the blocking child
        await c.patch("\(cm)/child", ["metadata": ["finalizers": nil]])
        #expect(await eventually { await c.get("\(cm)/owner").status == 404 })
    }

    @Test func namespaceDeletionRemovesItsContents() async {
        let c = TestCluster()
        await c.post("/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team"]])
        await c.post("/api/v1/namespaces/team/configmaps", TestCluster.configMap("a"))
        var held = TestCluster.configMap("held")
        held["metadata"]?["finalizers"] = ["example.dev/hold"]
        await c.post("/api/v1/namespaces/team/configmaps", held)
        let d = await c.delete("/api/v1/namespaces/team")
        #expect(d["status", "phase"] == "Terminating")
        let refused = await c.post("/api/v1/namespaces/team/configmaps", TestCluster.configMap("new"))
        #expect(refused.status == 403)
        #expect(await eventually { await c.get("/api/v1/namespaces/team/configmaps").names == ["held"] })
        #expect(await c.get("/api/v1/namespaces/team").status == 200)
        await c.patch("/api/v1/namespaces/team/configmaps/held", ["metadata": ["finalizers": nil]])
        #expect(await eventually { await c.get("/api/v1/namespaces/team").status == 404 })
    }

    @Test func systemNamespacesCannotBeDeleted() async {
        let c = TestCluster()
        let r = await c.delete("/api/v1/namespaces/default")
        #expect(r.status == 403)
        #expect(r.message == "namespaces \"default\" is forbidden: this namespace may not be deleted")
    }

    @Test func accessReviewsAllowEverything() async {
        let c = TestCluster()
        let r = await c.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                             ["apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                              "spec": ["resourceAttributes": ["verb": "get", "resource": "pods"]]])
        #expect(r.status == 201)
        #expect(r["status", "allowed"] == true)
        #expect(await c.get("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews").status == 405)
    }

    @Test func deletePreconditions() async {
        let c = TestCluster()
        await c.post(cm, TestCluster.configMap("a"))
        let r = await c.delete("\(cm)/a", ["preconditions": ["uid": "other"]])
        #expect(r.status == 409)
        #expect(await c.get("\(cm)/a").status == 200)
    }

    @Test func boundPodsTerminateGracefully() async {
        let c = TestCluster()
        await c.post("/api/v1/namespaces/default/pods", TestCluster.pod("p", node: "n1"))
        let d = await c.delete("/api/v1/namespaces/default/pods/p")
        #expect(d["metadata", "deletionGracePeriodSeconds"] == 30)
        #expect(await c.get("/api/v1/namespaces/default/pods/p").status == 200)
        await c.delete("/api/v1/namespaces/default/pods/p?gracePeriodSeconds=0")
        #expect(await c.get("/api/v1/namespaces/default/pods/p").status == 404)
        await c.post("/api/v1/namespaces/default/pods", TestCluster.pod("unbound"))
        await c.delete("/api/v1/namespaces/default/pods/unbound")
        #expect(await c.get("/api/v1/namespaces/default/pods/unbound").status == 404)
    }
}

struct PodSubresourceTests {
    let pods = "/api/v1/namespaces/default/pods"

    @Test func bindingAssignsNodeOnce() async {
        let c = TestCluster()
        let p = await c.post(pods, TestCluster.pod("p"))
        let binding: JSONValue = ["apiVersion": "v1", "kind": "Binding",
                                  "metadata": ["name": "p", "uid": p["metadata", "uid"] ?? nil, "annotations": ["gantry.dev/node": "n1"]],
                                  "target": ["apiVersion": "v1", "kind": "Node", "name": "n1"]]
        let r = await c.post("\(pods)/p/binding", binding)
        #expect(r.status == 201)
        #expect(r["status"] == "Success")
        let bound = await c.get("\(pods)/p")
        #expect(bound["spec", "nodeName"] == "n1")
        #expect(bound["metadata", "annotations", "gantry.dev/node"] == "n1")
        #expect(bound["status", "conditions"]?.arrayValue?.first { $0["type"] == "PodScheduled" }?["status"] == "True")
        let again = await c.post("\(pods)/p/binding", binding)
        #expect(again.status == 409)
        #expect(again.message.contains("is already assigned to node \"n1\""))
        let missing = await c.post("\(pods)/none/binding", binding)
        #expect(missing.status == 404)
    }

    @Test func podStatusIsResetOnCreateAndWrittenThroughStatus() async {
        let c = TestCluster()
        var p = TestCluster.pod("p")
        p["status"] = ["phase": "Running"]
        let created = await c.post(pods, p)
        #expect(created["status", "phase"] == "Pending")
        #expect(created["status", "qosClass"] == "BestEffort")
        #expect(created["spec", "schedulerName"] == "default-scheduler")
        let s = await c.patch("\(pods)/p/status", ["status": ["phase": "Running"]])
        #expect(s["status", "phase"] == "Running")
    }

    @Test func evictionDeletesThePod() async {
        let c = TestCluster()
        await c.post(pods, TestCluster.pod("p"))
        let r = await c.post("\(pods)/p/eviction", ["apiVersion": "policy/v1", "kind": "Eviction", "metadata": ["name": "p"]])
        #expect(r.status == 201)
        #expect(await c.get("\(pods)/p").status == 404)
    }

    @Test func protobufSecretsAreDecoded() async {
        // A Secret as client-go's protobuf serializer writes it: k8s\0 + runtime.Unknown{typeMeta, raw}.
        func field(_ n: Int, _ bytes: [UInt8]) -> [UInt8] { [UInt8(n << 3 | 2), UInt8(bytes.count)] + bytes }
        let meta = field(1, Array("s1".utf8)) + field(3, Array("default".utf8))
        let entry = field(1, Array("k".utf8)) + field(2, Array("v".utf8))
        let secret = field(1, meta) + field(2, entry) + field(3, Array("Opaque".utf8))
        let typeMeta = field(1, Array("v1".utf8)) + field(2, Array("Secret".utf8))
        let body = [0x6b, 0x38, 0x73, 0x00] + field(1, typeMeta) + field(2, secret)
        let c = TestCluster()
        let r = await c.request(.post, "/api/v1/namespaces/default/secrets", contentType: "application/vnd.kubernetes.protobuf", rawBody: body)
        #expect(r.status == 201, "\(r.body)")
        #expect(r["data", "k"] == "dg==")
        let junk = await c.request(.post, "/api/v1/namespaces/default/secrets", contentType: "application/vnd.kubernetes.protobuf",
                                   rawBody: [0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff])
        #expect(junk.status == 415)
    }
}

struct EventsTests {
    @Test func coreAndEventsV1AreOneResource() async {
        let c = TestCluster()
        let v1Event: JSONValue = [
            "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "e1"],
            "eventTime": "2026-11-23T10:00:00.000000Z", "reportingController": "gantry.dev/quota-controller",
            "reportingInstance": "quota-0", "action": "Admit", "reason": "Admitted", "type": "Normal",
            "regarding": ["kind": "TrainingJob", "name": "job-a", "namespace": "default"], "note": "admitted into pool gcu",
        ]
        let created = await c.post("/apis/events.k8s.io/v1/namespaces/default/events", v1Event)
        #expect(created.status == 201)
        #expect(created["regarding", "name"] == "job-a")
        #expect(created["apiVersion"] == "events.k8s.io/v1")
        // kubectl describe reads core events by involvedObject.
        let core = await c.get("/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Djob-a")
        #expect(core.items.count == 1)
        #expect(core.items.first?["message"] == "admitted into pool gcu")
        #expect(core.items.first?["reportingComponent"] == "gantry.dev/quota-controller")
        #expect(core.items.first?["apiVersion"] == "v1")
        let w = await c.watch("/apis/events.k8s.io/v1/namespaces/default/events?watch=1&resourceVersion=\(core.rv)")
        await c.post("/api/v1/namespaces/default/events", ["apiVersion": "v1", "kind": "Event", "metadata": ["name": "e2"],
                                                         "involvedObject": ["kind": "Pod", "name": "p"], "message": "hello", "reason": "Started"])
        let e = await w.next()
        #expect(e?["object"]?["note"] == "hello")
        #expect(e?["object"]?["regarding"]?["name"] == "p")
        w.cancel()
        let byRegarding = await c.get("/apis/events.k8s.io/v1/events?fieldSelector=regarding.kind%3DPod")
        #expect(byRegarding.names == ["e2"])
        let patched = await c.patch("/apis/events.k8s.io/v1/namespaces/default/events/e1", ["note": "changed"])
        #expect(patched["note"] == "changed")
        #expect(await c.get("/api/v1/namespaces/default/events/e1")["message"] == "changed")
    }
}

struct MultiVersionTests {
    @Test func everyServedVersionSeesTheSameObjects() async throws {
        let c = TestCluster()
        var crd = TestCluster.widgetCRD
        var v1 = crd["spec"]?["versions"]?[0] ?? .null
        var beta = v1
        beta["name"] = "v1beta1"
        beta["storage"] = false
        v1["storage"] = true
        crd["spec"]?["versions"] = [beta, v1]
        try await c.createCRD(crd)
        let groups = await c.get("/apis")
        let group = groups["groups"]?.arrayValue?.first { $0["name"] == "example.dev" }
        #expect(group?["preferredVersion"]?["version"] == "v1")
        #expect(group?["versions"]?.arrayValue?.compactMap { $0["version"]?.stringValue } == ["v1", "v1beta1"])
        var w = TestCluster.widget("w")
        w["apiVersion"] = "example.dev/v1beta1"
        let created = await c.post("/apis/example.dev/v1beta1/namespaces/default/widgets", w)
        #expect(created.status == 201)
        #expect(created["apiVersion"] == "example.dev/v1beta1")
        #expect(await c.get("/apis/example.dev/v1/namespaces/default/widgets/w")["apiVersion"] == "example.dev/v1")
        #expect(await c.get("/apis/example.dev/v1beta1/namespaces/default/widgets").items.first?["apiVersion"] == "example.dev/v1beta1")
        let watch = await c.watch("/apis/example.dev/v1/namespaces/default/widgets?watch=1")
        #expect(await watch.next()?["object"]?["apiVersion"] == "example.dev/v1")
        watch.cancel()
        // A body for another served version of the resource is accepted; another group is not.
        var other = TestCluster.widget("x")
        other["apiVersion"] = "example.dev/v1beta1"
        #expect(await c.post("/apis/example.dev/v1/namespaces/default/widgets", other).status == 201)
        other["apiVersion"] = "elsewhere.dev/v1"
        #expect(await c.post("/apis/example.dev/v1/namespaces/default/widgets", other).status == 400)
    }
}
