// Route matching: literals, parameters, rest wildcards, precedence, 405 with Allow, HEAD via GET, fallback.

import Testing
@testable import HTTPServer

struct HTTPRouterTests {
    static func named(_ name: String) -> HTTPHandler {
        { request in
            let params = request.pathParameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return .text(([name] + params).joined(separator: " "))
        }
    }

    static var router: HTTPRouter {
        var r = HTTPRouter()
        r.get("/", named("root"))
        r.get("/healthz", named("healthz"))
        r.get("/api/v1/namespaces/{ns}/pods/{name}", named("pod"))
        r.get("/api/v1/namespaces/{ns}/pods/special", named("special"))
        r.put("/api/v1/namespaces/{ns}/pods/{name}", named("put-pod"))
        r.get("/api/v1/namespaces/{ns}/*", named("ns-rest"))
        r.get("/static/*", named("static"))
        r.post("/filter", named("filter"))
        return r
    }

    /// Paths and query values are percent-decoded, `+` in a query is a space, and an invalid escape is left as sent.
    @Test func pathsAndQueriesAreDecoded() {
        let r = HTTPRequest(method: .get, target: "/a%20b/c%zz?labelSelector=app%3Dweb%2Ctier+in+(x)&plain=v&bad=%G1&empty")
        #expect(r.path == "/a%20b/c%zz")  // one invalid escape: the whole path stays as sent, as Foundation decodes
        #expect(HTTPRequest(method: .get, target: "/a%20b/c?x=1").path == "/a b/c")
        #expect(r.queryItems.map(\.name) == ["labelSelector", "plain", "bad", "empty"])
        #expect(r.query("labelSelector") == "app=web,tier in (x)")
        #expect(r.query("plain") == "v")
        #expect(r.query("bad") == "%G1")
        #expect(r.query("empty") == "")
        #expect(HTTPRouter.pathSegments(of: "/p/a%2Fb/%zz") == ["p", "a/b", "%zz"])
    }

    @Test(arguments: [
        ("GET", "/", "root"),
        ("GET", "/healthz", "healthz"),
        ("GET", "/healthz?verbose=1", "healthz"),
        ("GET", "/api/v1/namespaces/a/pods/b", "pod name=b ns=a"),
        ("GET", "/api/v1/namespaces/a/pods/special", "special ns=a"),
        ("PUT", "/api/v1/namespaces/a/pods/b", "put-pod name=b ns=a"),
        ("GET", "/api/v1/namespaces/a/services/s", "ns-rest *=services/s ns=a"),
        ("GET", "/api/v1/namespaces/a/pods/b/log", "ns-rest *=pods/b/log ns=a"),
        ("GET", "/static", "static *="),
        ("GET", "/static/css/site.css", "static *=css/site.css"),
        ("GET", "/api/v1/namespaces/my%20ns/pods/a%2Fb", "pod name=a/b ns=my ns"),
        ("HEAD", "/healthz", "healthz"),
        ("POST", "/filter", "filter"),
    ])
    func routesToTheMostSpecificHandler(method: String, target: String, expected: String) async {
        let response = await Self.router.respond(to: HTTPRequest(method: HTTPMethod(method), target: target))
        #expect(response.status == 200)
        guard case .bytes(let body) = response.body else {
            Issue.record("expected bytes")
            return
        }
        #expect(String(decoding: body, as: UTF8.self) == expected)
    }

    @Test func unmatchedPathIs404AndParametersNeedASegment() async {
        for target in ["/nope", "/healthz/", "/api/v1/namespaces//pods/x", "/api/v1/namespaces/a/pods/", "*"] {
            let response = await Self.router.respond(to: HTTPRequest(method: .get, target: target))
            if target == "/api/v1/namespaces/a/pods/" {
                // Matched by the namespace wildcard instead.
                #expect(response.status == 200)
            } else {
                #expect(response.status == 404, "\(target)")
            }
        }
    }

    @Test func wrongMethodIs405WithAllow() async {
        #expect(Self.router.match(method: .delete, target: "/api/v1/namespaces/a/pods/b")
                == .methodNotAllowed([HTTPMethod("GET"), HTTPMethod("HEAD"), HTTPMethod("PUT")]))
        let response = await Self.router.respond(to: HTTPRequest(method: .get, target: "/filter"))
        #expect(response.status == 405)
        #expect(response.headers["Allow"] == "POST")
    }

    @Test func lessSpecificRouteWithTheRightMethodWinsOverAMoreSpecificWrongOne() {
        var r = HTTPRouter()
        r.post("/a/b", Self.named("post-literal"))
        r.get("/a/{x}", Self.named("get-param"))
        #expect(r.match(method: .get, target: "/a/b") == .found(pattern: "/a/{x}", parameters: ["x": "b"]))
        #expect(r.match(method: .post, target: "/a/b") == .found(pattern: "/a/b", parameters: [:]))
    }

    @Test func explicitHeadRouteBeatsGet() async {
        var r = HTTPRouter()
        r.get("/x", Self.named("get"))
        r.add(.head, "/x", Self.named("head"))
        #expect(r.match(method: .head, target: "/x") == .found(pattern: "/x", parameters: [:]))
        let response = await r.respond(to: HTTPRequest(method: .head, target: "/x"))
        guard case .bytes(let body) = response.body else { return }
        #expect(String(decoding: body, as: UTF8.self) == "head")
    }

    @Test func fallbackAnswersUnmatchedPaths() async {
        var r = Self.router
        r.fallback = { request in .text("fallback \(request.path)", status: 418) }
        let response = await r.respond(to: HTTPRequest(method: .get, target: "/unknown/thing"))
        #expect(response.status == 418)
        // A path that exists under another method is still 405, not the fallback.
        #expect(await r.respond(to: HTTPRequest(method: .get, target: "/filter")).status == 405)
    }
}
