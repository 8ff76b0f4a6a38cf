// Hostile input: seeded random requests (methods, paths, query strings, bodies and content types built from
// pieces of valid ones and random bytes) never crash the server and every error is a meta/v1 Status.

import Foundation
import HTTPServer
import KubeCore
import Testing

@testable import DevCluster

struct RobustnessTests {
    @Test func randomRequestsGetStatusErrors() async throws {
        let c = TestCluster()
        try await c.createCRD()
        var random = SeededRandom(state: 2026)
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        let methods: [HTTPMethod] = [.get, .post, .put, .patch, .delete, .head, HTTPMethod("BREW")]
        let paths = ["/api/v1/namespaces/default/configmaps", "/api/v1/namespaces/default/configmaps/a", "/api/v1/pods",
                     "/api/v1/namespaces/default/pods/p/binding", "/api/v1/namespaces/default/pods/p/eviction",
                     "/api/v1/namespaces/default/pods/p/status", "/apis/example.dev/v1/namespaces/default/widgets/w/scale",
                     "/apis/example.dev/v1/namespaces/default/widgets", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                     "/api/v1/namespaces/x/status", "/api/v1/nodes/n/status", "/apis", "/api/v1//", "/openapi/v3/apis/x/y",
                     "/devcluster/faults", "/api/v1/namespaces/default/configmaps/a/b/c/d", "/%ff%fe", "/apis/example.dev"]
        let queries = ["", "?watch=1&timeoutSeconds=0.01", "?limit=2&continue=%%%", "?labelSelector=a%20in%20((", "?fieldSelector=x",
                       "?resourceVersion=-1", "?resourceVersion=abc&watch=1", "?timeoutSeconds=1e400&watch=1", "?gracePeriodSeconds=99999999999999",
                       "?propagationPolicy=Sideways", "?dryRun=All", "?fieldValidation=Strict", "?sendInitialEvents=true&watch=1",
                       "?action=restart&downtime=1e300"]
        let types = ["application/json", "application/merge-patch+json", "application/json-patch+json",
                     "application/strategic-merge-patch+json", "application/apply-patch+yaml", "application/vnd.kubernetes.protobuf", "text/html"]
        let bodies: [[UInt8]] = [
            [], Array("{".utf8), Array("null".utf8), Array("[]".utf8), Array("{\"metadata\":{\"name\":5}}".utf8),
            Array("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"labels\":{\"k\":[1]}}}".utf8),
            Array("[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b\"}]".utf8), Array("{\"spec\":{\"replicas\":1e999}}".utf8),
            Array("{\"metadata\":{\"finalizers\":[1,2]},\"$patch\":\"delete\"}".utf8), Array("k8s\u{0}\u{12}\u{ff}".utf8),
            Array("a: [b\n  - c".utf8), Array("{\"target\":{\"name\":\"\"}}".utf8),
        ]
        for _ in 0..<600 {
            var body = pick(bodies)
            if random.next() % 4 == 0 { body += (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
            let request = HTTPRequest(method: pick(methods), target: pick(paths) + pick(queries),
                                      headers: ["Content-Type": pick(types), "Accept": pick(["application/json", "application/json;as=Table;v=v1;g=meta.k8s.io"])],
                                      body: body)
            let response = await c.server.handle(request)
            if case .stream(let stream) = response.body {
                let sink = WatchStream(status: response.status)
                let task = Task { try? await stream(sink) }
                try? await Task.sleep(nanoseconds: 1_000_000)
                task.cancel()
                c.server.dropWatches()
                continue
            }
            #expect(response.status >= 200 && response.status < 600)
            if response.status >= 400, case .bytes(let bytes) = response.body {
                let status = try? JSONParser.parse(bytes)
                #expect(status?["kind"] == "Status", "\(request.method) \(request.target): \(String(decoding: bytes, as: UTF8.self))")
                #expect(status?["code"]?.intValue == Int64(response.status))
            }
            if c.server.faults.config != FaultConfig() { c.server.faults.configure(FaultConfig()) }
        }
        // Still serving normally.
        #expect(await c.get("/api/v1/namespaces").status == 200)
    }
}
