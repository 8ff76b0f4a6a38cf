import KubeClient
import KubeCore
import Testing

struct ErrorMappingTests {
    func map(_ status: JSONValue, http: Int, headers: HeaderFields = HeaderFields()) async throws -> KubeError {
        let transport = ScriptedTransport()
        transport.on(.get, "/api/v1/namespaces/default/pods/p",
                     reply: .response(TransportResponse(status: http, headers: headers, body: JSONWriter.write(status))))
        var client = KubeClient(transport: transport)
        client.retryAfterAttempts = 0
        do {
            _ = try await client.get(ResourceDescriptor(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true),
                                     name: "p")
        } catch let error as KubeError {
            return error
        }
        Issue.record("no error thrown")
        return .invalidRequest("unreachable")
    }

    @Test(arguments: [
        (400, "BadRequest", "badRequest"),
        (401, "Unauthorized", "unauthorized"),
        (403, "Forbidden", "forbidden"),
        (404, "NotFound", "notFound"),
        (405, "MethodNotAllowed", "methodNotAllowed"),
        (409, "AlreadyExists", "alreadyExists"),
        (409, "Conflict", "conflict"),
        (410, "Expired", "expired"),
        (410, "Gone", "expired"),
        (422, "Invalid", "invalid"),
        (429, "TooManyRequests", "tooManyRequests"),
        (500, "InternalError", "internalError"),
        (503, "ServiceUnavailable", "serviceUnavailable"),
        (504, "Timeout", "serverTimeout"),
        (500, "ServerTimeout", "serverTimeout"),
        (418, "Teapot", "unexpectedStatus"),
    ])
    func statusReasonMapsToCase(code: Int, reason: String, expected: String) async throws {
        let error = try await map(statusJSON(code: Int64(code), reason: reason, message: "m"), http: code)
        #expect(caseName(error) == expected)
        #expect(error.code == code)
        #expect(error.status?.reason == reason)
        #expect(error.apiError?.request == "GET /api/v1/namespaces/default/pods/p")
    }

    @Test(arguments: [(400, "badRequest"), (401, "unauthorized"), (403, "forbidden"), (404, "notFound"),
                      (409, "conflict"), (410, "expired"), (422, "invalid"), (429, "tooManyRequests"),
                      (500, "internalError"), (503, "serviceUnavailable"), (504, "serverTimeout"), (502, "unexpectedStatus")])
    func codeDecidesWhenReasonIsMissing(code: Int, expected: String) async throws {
        let status: JSONValue = ["kind": "Status", "apiVersion": "v1", "status": "Failure", "code": .int(Int64(code))]
        #expect(caseName(try await map(status, http: code)) == expected)
    }

    @Test func nonStatusBodyBecomesASyntheticStatus() async throws {
        let transport = ScriptedTransport()
        transport.on(.get, "/api/v1/namespaces/default/pods/p",
                     reply: .response(TransportResponse(status: 502, body: Array("<html>bad gateway</html>".utf8))))
        let client = KubeClient(transport: transport)
        let error = await #expect(throws: KubeError.self) {
            _ = try await client.get(ResourceDescriptor(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true),
                                     name: "p")
        }
        #expect(error?.code == 502)
        #expect(error?.status?.message == "<html>bad gateway</html>")
    }

    @Test func retryAfterComesFromTheHeaderElseFromDetails() async throws {
        var withHeader = statusJSON(code: 429, reason: "TooManyRequests")
        withHeader["details"] = ["retryAfterSeconds": 9]
        let fromHeader = try await map(withHeader, http: 429, headers: ["Retry-After": "3"])
        #expect(fromHeader.retryAfter == .seconds(3))
        let fromDetails = try await map(withHeader, http: 429)
        #expect(fromDetails.retryAfter == .seconds(9))
        let none = try await map(statusJSON(code: 429, reason: "TooManyRequests"), http: 429,
                                 headers: ["Retry-After": "Fri, 31 Dec 1999 23:59:59 GMT"])
        #expect(none.retryAfter == nil)
    }

    @Test func invalidCarriesItsCauses() async throws {
        var status = statusJSON(code: 422, reason: "Invalid", message: "Widget \"w\" is invalid")
        status["details"] = ["name": "w", "kind": "widgets", "causes": [
            ["reason": "FieldValueRequired", "message": "Required value", "field": "spec.size"],
            ["reason": "FieldValueInvalid", "message": "must be positive", "field": "spec.count"],
        ]]
        let error = try await map(status, http: 422)
        guard case .invalid(let info) = error else {
            Issue.record("expected invalid, got \(error)")
            return
        }
        #expect(info.causes.map(\.field) == ["spec.size", "spec.count"])
        #expect(info.causes.first?.reason == "FieldValueRequired")
        #expect(error.description.contains("spec.count: must be positive"))
    }

    @Test func watchErrorStatusMapsWithoutHTTPCode() {
        let expired = KubeError.from(status: Status(message: "too old resource version: 1 (5)", reason: "Expired", code: 410),
                                     request: "GET /x")
        #expect(expired.isExpired)
        let gone = KubeError.from(status: Status(code: 410), request: "GET /x")
        #expect(gone.isExpired)
        let internalError = KubeError.from(status: Status(message: "etcd", code: 500), request: "GET /x")
        #expect(caseName(internalError) == "internalError")
    }
}

func caseName(_ error: KubeError) -> String {
    switch error {
    case .badRequest: return "badRequest"
    case .unauthorized: return "unauthorized"
    case .forbidden: return "forbidden"
    case .notFound: return "notFound"
    case .methodNotAllowed: return "methodNotAllowed"
    case .alreadyExists: return "alreadyExists"
    case .conflict: return "conflict"
    case .expired: return "expired"
    case .invalid: return "invalid"
    case .tooManyRequests: return "tooManyRequests"
    case .internalError: return "internalError"
    case .serviceUnavailable: return "serviceUnavailable"
    case .serverTimeout: return "serverTimeout"
    case .unexpectedStatus: return "unexpectedStatus"
    case .transport: return "transport"
    case .decoding: return "decoding"
    case .invalidRequest: return "invalidRequest"
    }
}

struct RetryAfterTests {
    let path = "/apis/test.gantry.dev/v1/namespaces/default/widgets/w"

    func throttled(_ code: Int, retryAfter: String?) -> ScriptedTransport.Reply {
        var headers = HeaderFields()
        if let retryAfter { headers.set("Retry-After", retryAfter) }
        return .status(Status(message: "slow down", reason: code == 429 ? "TooManyRequests" : nil, code: code), headers: headers)
    }

    @Test func throttledRequestsAreSentAgainAfterRetryAfter() async throws {
        let transport = ScriptedTransport()
        transport.on(.get, path, reply: throttled(429, retryAfter: "0"), throttled(503, retryAfter: "0"), .json(widgetJSON("w")))
        let widget = try await KubeClient(transport: transport).get(Widget.self, name: "w")
        #expect(widget.name == "w")
        #expect(transport.requests.count == 3)
    }

    @Test func retriesStopAtTheLimit() async throws {
        let transport = ScriptedTransport()
        transport.on(.get, path, repeatLast: true, reply: throttled(429, retryAfter: "0"))
        var client = KubeClient(transport: transport)
        client.retryAfterAttempts = 2
        let error = await #expect(throws: KubeError.self) { _ = try await client.get(Widget.self, name: "w") }
        #expect(error.map(caseName) == "tooManyRequests")
        #expect(transport.requests.count == 3)
    }

    @Test func noRetryWithoutRetryAfterOrBeyondTheCapOrForEvictions() async throws {
        let transport = ScriptedTransport()
        transport.on(.get, path, reply: throttled(429, retryAfter: nil))
        transport.on(.get, path, reply: throttled(503, retryAfter: "3600"))
        transport.on(.put, path, reply: throttled(409, retryAfter: "0"))
        transport.on(.post, "/api/v1/namespaces/ns/pods/p/eviction", reply: throttled(429, retryAfter: "0"))
        let client = KubeClient(transport: transport)
        for expected in ["tooManyRequests", "serviceUnavailable"] {
            let error = await #expect(throws: KubeError.self) { _ = try await client.get(Widget.self, name: "w") }
            #expect(error.map(caseName) == expected)
        }
        let conflict = await #expect(throws: KubeError.self) { _ = try await client.update(Widget(name: "w")) }
        #expect(conflict?.isConflict == true)
        let eviction = await #expect(throws: KubeError.self) { try await client.evict(pod: "p", namespace: "ns") }
        #expect(eviction?.retryAfter == .seconds(0))
        #expect(transport.requests.count == 4)
    }
}
