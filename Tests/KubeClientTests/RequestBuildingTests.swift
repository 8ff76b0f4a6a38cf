// What goes on the wire for each verb: method, path, query, content type, body. Scripted transport only.

import KubeClient
import KubeCore
import Testing

struct RequestBuildingTests {
    let pods = ResourceDescriptor(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true)

    @Test func pathsForCoreGroupNamedGroupsScopesAndSubresources() {
        #expect(ResourcePath(pods, namespace: "ns", name: "p").path == "/api/v1/namespaces/ns/pods/p")
        #expect(ResourcePath(pods, namespace: nil).path == "/api/v1/pods")
        #expect(ResourcePath(Widget.descriptor, namespace: "a", name: "w", subresource: "status").path
                == "/apis/test.gantry.dev/v1/namespaces/a/widgets/w/status")
        // A cluster-scoped kind never gets a namespace segment.
        #expect(ResourcePath(Gadget.descriptor, namespace: "ignored", name: "g").path == "/apis/test.gantry.dev/v1/gadgets/g")
        // Unsafe characters in names are escaped rather than changing the path.
        #expect(ResourcePath(pods, namespace: "ns", name: "a/b?c").path == "/api/v1/namespaces/ns/pods/a%2Fb%3Fc")
    }

    @Test func listQueryCarriesSelectorsPagingAndVersions() async throws {
        let transport = ScriptedTransport()
        transport.on(.get, "/apis/test.gantry.dev/v1/namespaces/team/widgets",
                     reply: .json(["kind": "WidgetList", "metadata": ["resourceVersion": "10"], "items": []]))
        let client = KubeClient(transport: transport)
        let options = ListOptions(labelSelector: "app=web,tier in (a,b),!legacy", fieldSelector: "metadata.name!=x",
                                  limit: 50, continueToken: "tok+/=", resourceVersion: "7", resourceVersionMatch: .notOlderThan)
        let list = try await client.list(Widget.self, namespace: "team", options: options)
        #expect(list.metadata.resourceVersion == "10")
        let request = try #require(transport.requests.first)
        #expect(request.queryValue("labelSelector") == "app=web,tier in (a,b),!legacy")
        #expect(request.queryValue("fieldSelector") == "metadata.name!=x")
        #expect(request.queryValue("limit") == "50")
        #expect(request.queryValue("continue") == "tok+/=")
        #expect(request.queryValue("resourceVersion") == "7")
        #expect(request.queryValue("resourceVersionMatch") == "NotOlderThan")
        #expect(request.target.contains("labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29%2C%21legacy"))
        #expect(request.target.contains("continue=tok%2B%2F%3D"))
    }

    @Test func listAllFollowsContinueTokensAndDropsTheResourceVersion() async throws {
        let transport = ScriptedTransport()
        let path = "/apis/test.gantry.dev/v1/widgets"
        transport.on(.get, path, reply:
            .json(["metadata": ["resourceVersion": "100", "continue": "p2", "remainingItemCount": 2],
                   "items": [widgetJSON("a"), widgetJSON("b")]]),
            .json(["metadata": ["resourceVersion": "100", "continue": "p3"], "items": [widgetJSON("c")]]),
            .json(["metadata": ["resourceVersion": "100"], "items": [widgetJSON("d")]]))
        let client = KubeClient(transport: transport)
        let list = try await client.listAll(Widget.self, options: ListOptions(limit: 2, resourceVersion: "0"))
        #expect(list.items.map(\.name) == ["a", "b", "c", "d"])
        #expect(list.metadata.resourceVersion == "100")
        #expect(list.metadata.continueToken == nil)
        let requests = transport.requests
        #expect(requests.count == 3)
        #expect(requests.map { $0.queryValue("continue") } == [nil, "p2", "p3"])
        #expect(requests.map { $0.queryValue("resourceVersion") } == ["0", nil, nil])
        #expect(requests.allSatisfy { $0.queryValue("limit") == "2" })
    }

    @Test func listAllStopsOnARepeatedContinueToken() async throws {
        let transport = ScriptedTransport()
        transport.on(.get, "/apis/test.gantry.dev/v1/widgets", repeatLast: true,
                     reply: .json(["metadata": ["continue": "same"], "items": []]))
        let client = KubeClient(transport: transport)
        await #expect(throws: KubeError.self) { _ = try await client.listAll(Widget.self) }
        #expect(transport.requests.count == 2)
    }

    @Test func createUsesTheObjectsNamespaceAndAddsTypeMeta() async throws {
        let transport = ScriptedTransport()
        transport.on(.post, "/apis/test.gantry.dev/v1/namespaces/blue/widgets", reply: .handler { request in
            TransportResponse(status: 201, body: request.body ?? [])
        })
        let client = KubeClient(transport: transport, defaultNamespace: "fallback")
        var widget = Widget(name: "w", namespace: "blue", size: 3)
        widget.apiVersion = nil
        widget.kind = nil
        let created = try await client.create(widget, options: WriteOptions(fieldManager: "gantry", dryRun: true))
        #expect(created.spec?.size == 3)
        let request = try #require(transport.requests.first)
        #expect(request.headers["Content-Type"] == "application/json")
        #expect(request.queryValue("fieldManager") == "gantry")
        #expect(request.queryValue("dryRun") == "All")
        let body = try JSONParser.parse(request.body ?? [])
        #expect(body["apiVersion"] == "test.gantry.dev/v1")
        #expect(body["kind"] == "Widget")
    }

    @Test func objectCallsFallBackToTheDefaultNamespace() async throws {
        let transport = ScriptedTransport()
        transport.on(.get, "/apis/test.gantry.dev/v1/namespaces/fallback/widgets/w", reply: .json(widgetJSON("w")))
        let client = KubeClient(transport: transport, defaultNamespace: "fallback")
        _ = try await client.get(Widget.self, name: "w")
        #expect(transport.requests.count == 1)
    }

    @Test func patchKindsSetTheirContentTypes() async throws {
        let transport = ScriptedTransport()
        transport.on(.patch, "/api/v1/namespaces/default/pods/p", repeatLast: true,
                     reply: .json(["metadata": ["name": "p"]]))
        let client = KubeClient(transport: transport)
        _ = try await client.patch(pods, name: "p", patch: .merge(["metadata": ["labels": ["a": "b"]]]))
        _ = try await client.patch(pods, name: "p", patch: .json([["op": "remove", "path": "/metadata/labels/a"]]))
        _ = try await client.patch(pods, name: "p", patch: .strategicMerge(["spec": ["containers": []]]))
        _ = try await client.apply(pods, ["metadata": ["name": "p"]], fieldManager: "ctl", force: true)
        let requests = transport.requests
        #expect(requests.map { $0.headers["Content-Type"] } == [
            "application/merge-patch+json", "application/json-patch+json",
            "application/strategic-merge-patch+json", "application/apply-patch+yaml",
        ])
        #expect(try JSONParser.parse(requests[1].body ?? []) == [["op": "remove", "path": "/metadata/labels/a"]])
        #expect(requests[3].queryValue("fieldManager") == "ctl")
        #expect(requests[3].queryValue("force") == "true")
        let applied = try JSONParser.parse(requests[3].body ?? [])
        #expect(applied["kind"] == "Pod")
        #expect(applied["apiVersion"] == "v1")
    }

    @Test func applyWithoutFieldManagerIsRejectedBeforeSending() async throws {
        let transport = ScriptedTransport()
        let client = KubeClient(transport: transport)
        await #expect(throws: KubeError.self) {
            _ = try await client.patch(pods, name: "p", patch: .apply(["metadata": ["name": "p"]]))
        }
        await #expect(throws: KubeError.self) { _ = try await client.get(Widget.self, name: "") }
        #expect(transport.requests.isEmpty)
    }

    @Test func deleteSendsOptionsAndPreconditionsInTheBody() async throws {
        let transport = ScriptedTransport()
        transport.on(.delete, "/apis/test.gantry.dev/v1/namespaces/default/widgets/w",
                     reply: .json(["kind": "Status", "apiVersion": "v1", "status": "Success", "code": 200]))
        transport.on(.delete, "/apis/test.gantry.dev/v1/namespaces/default/widgets/x", reply: .json(widgetJSON("x")))
        let client = KubeClient(transport: transport)
        let options = DeleteOptions(propagationPolicy: .foreground, gracePeriodSeconds: 0, preconditionUID: "u-1",
                                    preconditionResourceVersion: "42")
        let result = try await client.delete(Widget.self, name: "w", options: options)
        guard case .status(let status) = result else {
            Issue.record("expected a Status, got \(result)")
            return
        }
        #expect(status.status == "Success")
        let body = try JSONParser.parse(transport.requests[0].body ?? [])
        #expect(body == ["apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Foreground",
                         "gracePeriodSeconds": 0, "preconditions": ["uid": "u-1", "resourceVersion": "42"]])
        let pending = try await client.delete(Widget.self, name: "x")
        #expect(pending.object?.name == "x")
    }

    @Test func deleteCollectionCarriesTheSelector() async throws {
        let transport = ScriptedTransport()
        transport.on(.delete, "/apis/test.gantry.dev/v1/namespaces/t/widgets", reply: .json(["kind": "WidgetList", "items": []]))
        try await KubeClient(transport: transport).deleteCollection(
            Widget.self, namespace: "t", listOptions: ListOptions(labelSelector: "gen=old"),
            options: DeleteOptions(propagationPolicy: .background))
        #expect(transport.requests.first?.queryValue("labelSelector") == "gen=old")
    }

    @Test func statusAndScaleSubresources() async throws {
        let transport = ScriptedTransport()
        let base = "/apis/test.gantry.dev/v1/namespaces/default/widgets/w"
        transport.on(.put, base + "/status", reply: .handler { TransportResponse(status: 200, body: $0.body ?? []) })
        transport.on(.patch, base + "/status", reply: .json(widgetJSON("w")))
        transport.on(.get, base + "/scale", reply: .json(["kind": "Scale", "apiVersion": "autoscaling/v1",
                                                          "metadata": ["name": "w", "namespace": "default", "resourceVersion": "5"],
                                                          "spec": ["replicas": 2], "status": ["replicas": 2, "selector": "app=w"]]))
        transport.on(.put, base + "/scale", reply: .handler { TransportResponse(status: 200, body: $0.body ?? []) })
        let client = KubeClient(transport: transport)
        var widget = Widget(name: "w")
        widget.status = Widget.WidgetStatus(ready: true)
        let updated = try await client.updateStatus(widget)
        #expect(updated.status?.ready == true)
        _ = try await client.patchStatus(Widget.self, name: "w", patch: .merge(["status": ["ready": false]]))
        var scale = try await client.getScale(Widget.descriptor, name: "w")
        #expect(scale.status?.selector == "app=w")
        scale.spec.replicas = 5
        let scaled = try await client.updateScale(Widget.descriptor, scale)
        #expect(scaled.spec.replicas == 5)
        #expect(transport.requests.map(\.method) == [.put, .patch, .get, .put])
        #expect(try JSONParser.parse(transport.requests[3].body ?? [])[path: ["metadata", "resourceVersion"]] == "5")
    }

    @Test func bindingAndEvictionBodies() async throws {
        let transport = ScriptedTransport()
        transport.on(.post, "/api/v1/namespaces/ns/pods/p/binding",
                     reply: .json(["kind": "Status", "status": "Success", "code": 201], status: 201))
        transport.on(.post, "/api/v1/namespaces/ns/pods/p/eviction",
                     reply: .status(Status(message: "Cannot evict pod as it would violate the pod's disruption budget.",
                                           reason: "TooManyRequests", details: StatusDetails(retryAfterSeconds: 10), code: 429)))
        let client = KubeClient(transport: transport)
        try await client.bind(pod: "p", namespace: "ns", podUID: "uid-1", node: "node-3",
                              annotations: ["gantry.dev/devices": "gcu-0:50:1024"])
        let binding = try JSONParser.parse(transport.requests[0].body ?? [])
        #expect(binding == ["apiVersion": "v1", "kind": "Binding",
                            "metadata": ["name": "p", "namespace": "ns", "uid": "uid-1",
                                         "annotations": ["gantry.dev/devices": "gcu-0:50:1024"]],
                            "target": ["apiVersion": "v1", "kind": "Node", "name": "node-3"]])
        let error = await #expect(throws: KubeError.self) {
            try await client.evict(pod: "p", namespace: "ns", options: DeleteOptions(gracePeriodSeconds: 5))
        }
        #expect(error.map(caseName) == "tooManyRequests")
        #expect(error?.retryAfter == .seconds(10))
        let eviction = try JSONParser.parse(transport.requests[1].body ?? [])
        #expect(eviction["kind"] == "Eviction")
        #expect(eviction["apiVersion"] == "policy/v1")
        #expect(eviction["deleteOptions"] == ["gracePeriodSeconds": 5])
    }

    @Test func watchQueryParameters() async throws {
        let transport = ScriptedTransport()
        let watch = ScriptedWatch()
        watch.finish()
        transport.on(.get, "/apis/test.gantry.dev/v1/widgets", reply: .stream(watch))
        let client = KubeClient(transport: transport)
        let stream = try await client.watch(Widget.self, options: WatchOptions(labelSelector: "a=b", timeoutSeconds: 290,
                                                                               sendInitialEvents: true))
        for try await _ in stream {}
        let request = try #require(transport.requests.first)
        #expect(request.queryValue("watch") == "true")
        #expect(request.queryValue("allowWatchBookmarks") == "true")
        #expect(request.queryValue("sendInitialEvents") == "true")
        #expect(request.queryValue("resourceVersionMatch") == "NotOlderThan")
        #expect(request.queryValue("resourceVersion") == "")
        #expect(request.queryValue("timeoutSeconds") == "290")
        #expect(request.queryValue("labelSelector") == "a=b")

        await #expect(throws: KubeError.self) {
            _ = try await client.watch(Widget.self, options: WatchOptions(resourceVersion: "5", resourceVersionMatch: .exact,
                                                                          sendInitialEvents: true))
        }
    }

    @Test func transportFailuresAreWrapped() async throws {
        let transport = ScriptedTransport()
        let client = KubeClient(transport: transport)
        let error = await #expect(throws: KubeError.self) { _ = try await client.get(Widget.self, name: "w") }
        guard case .transport(let t)? = error else {
            Issue.record("expected a transport error, got \(String(describing: error))")
            return
        }
        #expect(t.kind == .unscripted)
    }

    @Test func undecodableResponsesNameTheFieldPath() async throws {
        let transport = ScriptedTransport()
        transport.on(.get, "/apis/test.gantry.dev/v1/namespaces/default/widgets/w",
                     reply: .json(["metadata": ["name": "w"], "spec": ["size": "big"]]))
        let error = await #expect(throws: KubeError.self) {
            _ = try await KubeClient(transport: transport).get(Widget.self, name: "w")
        }
        guard case .decoding(let failure)? = error else {
            Issue.record("expected a decoding error, got \(String(describing: error))")
            return
        }
        #expect(failure.message.hasPrefix("spec.size"))
    }
}
