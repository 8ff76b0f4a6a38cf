// API semantics through the handler: metadata set by the server, optimistic concurrency, generation and
// the status subresource, selectors, paging, patches, server-side apply, Table output, errors.

import Foundation
import HTTPServer
import KubeCore
import Testing

@testable import DevCluster

struct APIServerCRUDTests {
    let cm = "/api/v1/namespaces/default/configmaps"

    @Test func createSetsServerMetadataAndRejectsDuplicates() async {
        let c = TestCluster()
        let r = await c.post(cm, TestCluster.configMap("a"))
        #expect(r.status == 201)
        // A random (version 4, RFC 4122 variant) UUID in lowercase, as the API server writes them; unique per object.
        let uid = r["metadata", "uid"]?.stringValue ?? ""
        #expect(uid.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil)
        let other = await c.post(cm, TestCluster.configMap("b"))
        #expect(other["metadata", "uid"]?.stringValue != uid)
        #expect(r["metadata", "namespace"] == "default")
        #expect(Time(rfc3339: r["metadata", "creationTimestamp"]?.stringValue ?? "") != nil)
        #expect(UInt64(r.rv) != nil)
        let again = await c.post(cm, TestCluster.configMap("a"))
        #expect(again.status == 409)
        #expect(again.reason == "AlreadyExists")
        #expect(again.message == "configmaps \"a\" already exists")
        let got = await c.get("\(cm)/a")
        #expect(got.status == 200 && got.rv == r.rv)
    }

    @Test func resourceVersionsIncreaseGloballyAndStaleUpdatesConflict() async {
        let c = TestCluster()
        let a = await c.post(cm, TestCluster.configMap("a"))
        let b = await c.post(cm, TestCluster.configMap("b"))
        #expect(UInt64(b.rv)! > UInt64(a.rv)!)
        var updated = a.body
        updated["data"] = ["k": "changed"]
        let ok = await c.put("\(cm)/a", updated)
        #expect(ok.status == 200)
        #expect(UInt64(ok.rv)! > UInt64(b.rv)!)
        let stale = await c.put("\(cm)/a", updated)  // still carries a's first resourceVersion
        #expect(stale.status == 409)
        #expect(stale.reason == "Conflict")
        #expect(stale.message == "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again")
    }

    @Test func noOpUpdateKeepsResourceVersion() async {
        let c = TestCluster()
        let a = await c.post(cm, TestCluster.configMap("a"))
        let same = await c.put("\(cm)/a", a.body)
        #expect(same.status == 200 && same.rv == a.rv)
    }

    @Test func generateNameAndNameValidation() async {
        let c = TestCluster()
        let g = await c.post(cm, ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["generateName": "job-"]])
        #expect(g.status == 201)
        #expect(g["metadata", "name"]?.stringValue?.hasPrefix("job-") == true)
        #expect(g["metadata", "name"]?.stringValue?.count == 9)
        let bad = await c.post(cm, TestCluster.configMap("Not_Valid"))
        #expect(bad.status == 422)
        #expect(bad["details", "causes"]?[0]?["field"] == "metadata.name")
        let none = await c.post(cm, ["apiVersion": "v1", "kind": "ConfigMap", "metadata": [:]])
        #expect(none.status == 422)
        #expect(none.message.contains("name or generateName is required"))
    }

    @Test func namespaceMustExistAndMatch() async {
        let c = TestCluster()
        let missing = await c.post("/api/v1/namespaces/nope/configmaps", TestCluster.configMap("a"))
        #expect(missing.status == 404)
        #expect(missing.message == "namespaces \"nope\" not found")
        var other = TestCluster.configMap("a")
        other["metadata"]?["namespace"] = "kube-system"
        let mismatch = await c.post(cm, other)
        #expect(mismatch.status == 400)
    }

    @Test func malformedRequestsGetStatusErrors() async {
        let c = TestCluster()
        let badJSON = await c.request(.post, cm, rawBody: Array("{\"kind\": ".utf8))
        #expect(badJSON.status == 400)
        #expect(badJSON["kind"] == "Status")
        let notObject = await c.request(.post, cm, rawBody: Array("[1,2]".utf8))
        #expect(notObject.status == 400)
        let wrongKind = await c.post(cm, ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "x"]])
        #expect(wrongKind.status == 400)
        let huge = await c.request(.post, cm, rawBody: [UInt8](repeating: 0x20, count: 4 * 1024 * 1024))
        #expect(huge.status == 413)
        let unknownPath = await c.get("/api/v1/namespaces/default/nothings")
        #expect(unknownPath.status == 404 && unknownPath.reason == "NotFound")
        let garbage = await c.get("/apis/%%%/v1/x")
        #expect(garbage.status == 404)
        let method = await c.request(.post, "/api/v1/namespaces/default/configmaps/a", TestCluster.configMap("a"))
        #expect(method.status == 405)
        let badLimit = await c.get("\(cm)?limit=-3")
        #expect(badLimit.status == 400)
        let deep = String(repeating: "[", count: 100_000)
        let tooDeep = await c.request(.post, cm, rawBody: Array(deep.utf8))
        #expect(tooDeep.status == 400)
        let badPatch = await c.request(.patch, "\(cm)/x", TestCluster.configMap("x"), contentType: "text/plain")
        #expect(badPatch.status == 415)
    }

    @Test func deleteReturnsStatusAndThenNotFound() async {
        let c = TestCluster()
        await c.post(cm, TestCluster.configMap("a"))
        let d = await c.delete("\(cm)/a")
        #expect(d.status == 200)
        #expect(d["status"] == "Success")
        #expect(await c.get("\(cm)/a").status == 404)
        #expect(await c.delete("\(cm)/a").status == 404)
    }

    @Test func deleteCollectionHonoursSelectors() async {
        let c = TestCluster()
        await c.post(cm, TestCluster.configMap("a", labels: ["app": "x"]))
        await c.post(cm, TestCluster.configMap("b", labels: ["app": "y"]))
        let r = await c.delete("\(cm)?labelSelector=app%3Dx")
        #expect(r.status == 200)
        #expect(await c.get(cm).names == ["b"])
    }

    @Test func putCreatesOnlyWhereTheRealStrategyAllowsIt() async throws {
        let c = TestCluster()
        #expect(await c.put("\(cm)/fresh", TestCluster.configMap("fresh")).status == 404)
        let lease: JSONValue = ["apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": ["name": "leader"],
                                "spec": ["holderIdentity": "a"]]
        let created = await c.put("/apis/coordination.k8s.io/v1/namespaces/default/leases/leader", lease)
        #expect(created.status == 201)
        try await c.createCRD()
        let cr = await c.put("/apis/example.dev/v1/namespaces/default/widgets/w", TestCluster.widget("w"))
        #expect(cr.status == 422 || cr.status == 404)
    }
}

struct APIServerSelectorAndPagingTests {
    let cm = "/api/v1/namespaces/default/configmaps"

    @Test func labelSelectors() async {
        let c = TestCluster()
        await c.post(cm, TestCluster.configMap("a", labels: ["app": "web", "tier": "1"]))
        await c.post(cm, TestCluster.configMap("b", labels: ["app": "db", "tier": "2"]))
        await c.post(cm, TestCluster.configMap("c"))
        func names(_ selector: String) async -> [String] {
            await c.get("\(cm)?labelSelector=\(selector.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").names
        }
        #expect(await names("app=web") == ["a"])
        #expect(await names("app!=web") == ["b", "c"])
        #expect(await names("app in (web,db)") == ["a", "b"])
        #expect(await names("app notin (web)") == ["b", "c"])
        #expect(await names("app") == ["a", "b"])
        #expect(await names("!app") == ["c"])
        #expect(await names("tier>1") == ["b"])
        #expect(await names("app=web,tier=2") == [])
        let bad = await c.get("\(cm)?labelSelector=app%20in%20(web")
        #expect(bad.status == 400)
    }

    @Test func fieldSelectors() async {
        let c = TestCluster()
        await c.post("/api/v1/namespaces/default/pods", TestCluster.pod("p1", node: "n1"))
        await c.post("/api/v1/namespaces/default/pods", TestCluster.pod("p2"))
        await c.post("/api/v1/namespaces/kube-system/pods", TestCluster.pod("p3", node: "n1"))
        #expect(await c.get("/api/v1/pods?fieldSelector=spec.nodeName%3Dn1").names == ["p1", "p3"])
        #expect(await c.get("/api/v1/pods?fieldSelector=spec.nodeName%3D").names == ["p2"])
        #expect(await c.get("/api/v1/pods?fieldSelector=metadata.namespace%3Ddefault,metadata.name!%3Dp1").names == ["p2"])
        #expect(await c.get("/api/v1/pods?fieldSelector=status.phase%3DPending").names.count == 3)
        let unsupported = await c.get("/api/v1/pods?fieldSelector=spec.foo%3Dx")
        #expect(unsupported.status == 400)
        #expect(unsupported.message == "field label not supported: spec.foo")
    }

    @Test func pagingWithLimitAndContinue() async {
        let c = TestCluster()
        for i in 0..<7 { await c.post(cm, TestCluster.configMap("cm-\(i)")) }
        let first = await c.get("\(cm)?limit=3")
        #expect(first.names == ["cm-0", "cm-1", "cm-2"])
        #expect(first["metadata", "remainingItemCount"] == 4)
        let token = first["metadata", "continue"]?.stringValue ?? ""
        #expect(!token.isEmpty)
        // Writes between pages do not change the list's resourceVersion.
        await c.post(cm, TestCluster.configMap("zz"))
        let second = await c.get("\(cm)?limit=3&continue=\(token)")
        #expect(second.names == ["cm-3", "cm-4", "cm-5"])
        #expect(second.rv == first.rv)
        let third = await c.get("\(cm)?limit=3&continue=\(second["metadata", "continue"]?.stringValue ?? "")")
        #expect(third.names == ["cm-6", "zz"])
        #expect(third["metadata", "continue"] == nil)
        #expect(await c.get("\(cm)?limit=3&continue=garbage").status == 400)
    }

    @Test func listResourceVersionSemantics() async {
        let c = TestCluster()
        let a = await c.post(cm, TestCluster.configMap("a"))
        await c.post(cm, TestCluster.configMap("b"))
        #expect(await c.get("\(cm)?resourceVersionMatch=Exact").status == 422)
        let exactOld = await c.get("\(cm)?resourceVersion=\(a.rv)&resourceVersionMatch=Exact")
        #expect(exactOld.status == 410 && exactOld.reason == "Expired")
        let notOlder = await c.get("\(cm)?resourceVersion=\(a.rv)&resourceVersionMatch=NotOlderThan")
        #expect(notOlder.status == 200 && notOlder.names == ["a", "b"])
        let continueWithRV = await c.get("\(cm)?resourceVersion=5&continue=abc")
        #expect(continueWithRV.status == 400)
    }

    @Test func clusterWideListAndNamespacedScopeRules() async {
        let c = TestCluster()
        await c.post(cm, TestCluster.configMap("a"))
        await c.post("/api/v1/namespaces/kube-system/configmaps", TestCluster.configMap("b"))
        #expect(await c.get("/api/v1/configmaps").names == ["a", "b"])
        #expect(await c.get("/api/v1/configmaps/a").status == 404)
        #expect(await c.get("/api/v1/namespaces/default/nodes").status == 404)
    }
}

struct APIServerPatchTests {
    let cm = "/api/v1/namespaces/default/configmaps"

    @Test func mergePatchDeletesWithNull() async {
        let c = TestCluster()
        await c.post(cm, TestCluster.configMap("a", data: ["x": "1", "y": "2"]))
        let r = await c.patch("\(cm)/a", ["data": ["x": nil, "z": "3"]])
        #expect(r.status == 200)
        #expect(r["data"] == ["y": "2", "z": "3"])
    }

    @Test func jsonPatchOperationsAndFailures() async {
        let c = TestCluster()
        await c.post(cm, TestCluster.configMap("a", data: ["x": "1"]))
        let ok = await c.patch("\(cm)/a", [["op": "add", "path": "/data/y", "value": "2"],
                                           ["op": "test", "path": "/data/x", "value": "1"],
                                           ["op": "remove", "path": "/data/x"],
                                           ["op": "add", "path": "/metadata/labels", "value": ["a.b/c": "v"]], ["op": "add", "path": "/metadata/labels/x~1y", "value": "z"]],
                               "application/json-patch+json")
        #expect(ok.status == 200, "\(ok.body)")
        #expect(ok["data"] == ["y": "2"])
        #expect(ok["metadata", "labels"] == ["a.b/c": "v", "x/y": "z"])
        let failed = await c.patch("\(cm)/a", [["op": "test", "path": "/data/y", "value": "nope"]], "application/json-patch+json")
        #expect(failed.status == 422)
        let missing = await c.patch("\(cm)/a", [["op": "replace", "path": "/data/none", "value": "1"]], "application/json-patch+json")
        #expect(missing.status == 422)
        let notList = await c.patch("\(cm)/a", ["op": "add"], "application/json-patch+json")
        #expect(notList.status == 400)
    }

    @Test func strategicMergeMergesContainersByName() async {
        let c = TestCluster()
        var pod = TestCluster.pod("p")
        pod["spec"]?["containers"] = [["name": "a", "image": "one"], ["name": "b", "image": "two"]]
        pod["metadata"]?["finalizers"] = ["x/one"]
        await c.post("/api/v1/namespaces/default/pods", pod)
        let r = await c.patch("/api/v1/namespaces/default/pods/p",
                              ["spec": ["containers": [["name": "b", "image": "three"]]], "metadata": ["finalizers": ["x/two"]]],
                              "application/strategic-merge-patch+json")
        #expect(r.status == 200, "\(r.body)")
        #expect(r["spec", "containers"]?.arrayValue?.map { $0["image"] } == ["one", "three"])
        #expect(r["metadata", "finalizers"] == ["x/one", "x/two"])
        let del = await c.patch("/api/v1/namespaces/default/pods/p",
                                ["spec": ["containers": [["name": "a", "$patch": "delete"]]]],
                                "application/strategic-merge-patch+json")
        #expect(del["spec", "containers"]?.arrayValue?.map { $0["name"] } == ["b"])
    }

    @Test func strategicMergeIsRejectedForCustomResources() async throws {
        let c = TestCluster()
        try await c.createCRD()
        await c.post("/apis/example.dev/v1/namespaces/default/widgets", TestCluster.widget("w"))
        let r = await c.patch("/apis/example.dev/v1/namespaces/default/widgets/w", ["spec": ["replicas": 2]],
                              "application/strategic-merge-patch+json")
        #expect(r.status == 415)
    }

    @Test func patchWithStaleResourceVersionConflicts() async {
        let c = TestCluster()
        let a = await c.post(cm, TestCluster.configMap("a"))
        await c.patch("\(cm)/a", ["data": ["k": "2"]])
        let stale = await c.patch("\(cm)/a", ["metadata": ["resourceVersion": .string(a.rv)], "data": ["k": "3"]])
        #expect(stale.status == 409)
    }

    @Test func serverSideApplyCreatesMergesAndRecordsManager() async {
        let c = TestCluster()
        let applied: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "s", "labels": ["a": "1"]], "data": ["x": "1"]]
        let noManager = await c.patch("\(cm)/s", applied, "application/apply-patch+yaml")
        #expect(noManager.status == 422)
        let created = await c.patch("\(cm)/s?fieldManager=tester", applied, "application/apply-patch+yaml")
        #expect(created.status == 201, "\(created.body)")
        let merged = await c.patch("\(cm)/s?fieldManager=other",
                                   ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "s"], "data": ["y": "2"]],
                                   "application/apply-patch+yaml")
        #expect(merged.status == 200)
        #expect(merged["data"] == ["x": "1", "y": "2"])
        let managers = merged["metadata", "managedFields"]?.arrayValue?.compactMap { $0["manager"]?.stringValue }
        #expect(managers == ["tester", "other"])
        #expect(merged["metadata", "managedFields"]?[0]?["fieldsV1"]?["f:data"]?["f:x"] != nil)
    }

    @Test func serverSideApplyRemovesFieldsTheManagerNoLongerApplies() async throws {
        let c = TestCluster()
        try await c.createCRD()
        let path = "/apis/example.dev/v1/namespaces/default/widgets/w"
        func apply(_ manager: String, _ spec: JSONValue, labels: JSONValue = [:]) async -> Reply {
            await c.patch("\(path)?fieldManager=\(manager)",
                          ["apiVersion": "example.dev/v1", "kind": "Widget", "metadata": ["name": "w", "labels": labels], "spec": spec],
                          "application/apply-patch+yaml")
        }
        let first = await apply("helm", ["color": "red", "name": "abc", "tags": ["x"]], labels: ["a": "1", "b": "2"])
        #expect(first.status == 201)
        let second = await apply("helm", ["color": "red"], labels: ["a": "1"])
        #expect(second["spec", "name"] == nil)
        #expect(second["spec", "tags"] == nil)
        #expect(second["spec", "replicas"] == 1)  // defaulted, never applied: kept
        #expect(second["metadata", "labels"] == ["a": "1"])
        // A field another applier owns stays when the first one lets go of it.
        _ = await apply("ops", ["color": "red", "name": "ops"])
        let third = await apply("helm", ["color": "green"])
        #expect(third["spec", "name"] == "ops")
        #expect(third["spec", "color"] == "green")
    }

    @Test func patchOfMissingObjectIsNotFound() async {
        let c = TestCluster()
        #expect(await c.patch("\(cm)/none", ["data": ["a": "b"]]).status == 404)
    }
}

struct APIServerTableTests {
    @Test func customResourceTableUsesPrinterColumns() async throws {
        let c = TestCluster()
        try await c.createCRD()
        await c.post("/apis/example.dev/v1/namespaces/default/widgets", TestCluster.widget("w"))
        await c.patch("/apis/example.dev/v1/namespaces/default/widgets/w/status",
                      ["status": ["conditions": [["type": "Ready", "status": "True"]]]])
        let t = await c.get("/apis/example.dev/v1/namespaces/default/widgets",
                            accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
        #expect(t.status == 200)
        #expect(t["kind"] == "Table")
        #expect(t["columnDefinitions"]?.arrayValue?.map { $0["name"] } == ["Name", "Replicas", "Ready"])
        #expect(t["rows"]?[0]?["cells"] == ["w", 1, "True"])
        #expect(t["rows"]?[0]?["object"]?["kind"] == "PartialObjectMetadata")
        #expect(t.headers["Content-Type"]?.contains("as=Table") == true)
    }

    @Test func builtinTablesAndDefaultAgeColumn() async {
        let c = TestCluster()
        let t = await c.get("/api/v1/namespaces", accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
        #expect(t["columnDefinitions"]?.arrayValue?.map { $0["name"] } == ["Name", "Status", "Age"])
        #expect(t["rows"]?[0]?["cells"]?[1] == "Active")
        await c.post("/api/v1/namespaces/default/pods", TestCluster.pod("p"))
        let pods = await c.get("/api/v1/namespaces/default/pods/p", accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
        #expect(pods["rows"]?[0]?["cells"]?[1] == "0/1")
        #expect(pods["rows"]?[0]?["cells"]?[2] == "Pending")
    }

    @Test func humanDurationsMatchKubectl() {
        #expect(APIServer.humanDuration(5) == "5s")
        #expect(APIServer.humanDuration(119) == "119s")
        #expect(APIServer.humanDuration(150) == "2m30s")
        #expect(APIServer.humanDuration(3600 * 5 + 60 * 7) == "5h7m")
        #expect(APIServer.humanDuration(86400 * 3 + 3600) == "3d1h")
    }

    @Test func jsonPathSubset() {
        let o: JSONValue = ["status": ["conditions": [["type": "A", "status": "False"], ["type": "Ready", "status": "True"]]],
                            "metadata": ["labels": ["a.b/c": "x"]], "spec": ["items": [1, 2, 3]]]
        #expect(JSONPath.evaluate(".status.conditions[?(@.type==\"Ready\")].status", o) == ["True"])
        #expect(JSONPath.evaluate(".metadata.labels['a.b/c']", o) == ["x"])
        #expect(JSONPath.evaluate(".spec.items[1]", o) == [2])
        #expect(JSONPath.evaluate(".spec.items[*]", o).count == 3)
        #expect(JSONPath.evaluate(".spec.nothing", o).isEmpty)
    }
}

struct APIServerDiscoveryTests {
    @Test func legacyDiscoveryListsBuiltinsAndCRDs() async throws {
        let c = TestCluster()
        let api = await c.get("/api")
        #expect(api["versions"] == ["v1"])
        let v1 = await c.get("/api/v1")
        let pods = v1["resources"]?.arrayValue?.first { $0["name"] == "pods" }
        #expect(pods?["shortNames"] == ["po"])
        #expect(v1["resources"]?.arrayValue?.contains { $0["name"] == "pods/binding" } == true)
        try await c.createCRD()
        let groups = await c.get("/apis")
        let ex = groups["groups"]?.arrayValue?.first { $0["name"] == "example.dev" }
        #expect(ex?["preferredVersion"]?["groupVersion"] == "example.dev/v1")
        let list = await c.get("/apis/example.dev/v1")
        #expect(list["resources"]?.arrayValue?.compactMap { $0["name"]?.stringValue }.sorted() == ["widgets", "widgets/scale", "widgets/status"])
        #expect(await c.get("/apis/nothing.dev/v1").status == 404)
        #expect(await c.get("/version")["minor"] == "35")
    }

    @Test func aggregatedDiscoveryWhenAsked() async {
        let c = TestCluster()
        let r = await c.get("/apis", accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")
        #expect(r["kind"] == "APIGroupDiscoveryList")
        #expect(r.headers["Content-Type"] == APIServer.aggregatedContentType)
        let coord = r["items"]?.arrayValue?.first { $0["metadata"]?["name"] == "coordination.k8s.io" }
        #expect(coord?["versions"]?[0]?["resources"]?[0]?["resource"] == "leases")
        let core = await c.get("/api", accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
        let podsEntry = core["items"]?[0]?["versions"]?[0]?["resources"]?.arrayValue?.first { $0["resource"] == "pods" }
        #expect(podsEntry?["subresources"]?.arrayValue?.contains { $0["subresource"] == "eviction" } == true)
    }

    @Test func openAPIv3DescribesCustomResourceSchemas() async throws {
        let c = TestCluster()
        try await c.createCRD()
        let root = await c.get("/openapi/v3")
        let url = root["paths"]?["apis/example.dev/v1"]?["serverRelativeURL"]?.stringValue ?? ""
        #expect(url.hasPrefix("/openapi/v3/apis/example.dev/v1?hash="))
        let doc = await c.get(url)
        let schema = doc["components"]?["schemas"]?["dev.example.v1.Widget"]
        #expect(schema?["properties"]?["spec"]?["properties"]?["color"]?["enum"] == ["red", "green"])
        #expect(schema?["x-kubernetes-group-version-kind"]?[0]?["kind"] == "Widget")
        #expect(await c.get("/openapi/v2").status == 404)
    }
}
