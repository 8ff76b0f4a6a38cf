// APIServer: the dev cluster's kube-apiserver, an `HTTPHandler` over the object store. It routes
// discovery, OpenAPI and resource requests, applies Kubernetes semantics (see the `APIServer+*` files),
// and answers every failure with a meta/v1 Status, so no request, however malformed, can crash it.

import Foundation
import HTTPServer
import KubeCore
import Synchronization

public struct APIServerOptions: Sendable {
    /// How often a watch that asked for bookmarks gets one (the real server: about a minute).
    public var bookmarkInterval: Double = 60
    /// Request bodies above this size get 413 (the real server's limit is 3 MiB).
    public var maxBodyBytes: Int = 3 * 1024 * 1024
    /// Log one line per request to standard error.
    public var logRequests: Bool = false
    /// Watch length when the client sets no timeoutSeconds (the real server: 30 to 60 minutes).
    public var defaultWatchSeconds: Double = 1800
    /// The version `/version` reports.
    public var kubernetesVersion: (major: Int, minor: Int) = (1, 35)

    public init() {}
}

public final class APIServer: Sendable {
    public let store: ObjectStore
    public let registry: ResourceRegistry
    public let faults: FaultInjector
    public let options: APIServerOptions
    let gcState = Mutex(GCState())
    let logSink: Mutex<(@Sendable (String) -> Void)?> = Mutex(nil)
    let restartHook: Mutex<(@Sendable (Double) -> Void)?> = Mutex(nil)
    /// Control endpoints of the simulators (`/devcluster/...`), by path prefix.
    let controlRoutes = Mutex<[(prefix: String, handler: HTTPHandler)]>([])
    /// Counter for generateName and uids; random enough for a loopback dev cluster.
    let serial = Atomic<UInt64>(0)

    public init(store: ObjectStore = ObjectStore(), options: APIServerOptions = APIServerOptions(),
                faults: FaultInjector = FaultInjector()) {
        self.store = store
        self.registry = ResourceRegistry()
        self.options = options
        self.faults = faults
        store.setRemovalHandler { [weak self] in self?.scheduleGarbageCollection() }
        bootstrap()
        startFaultClock()
    }

    /// The HTTP handler to serve (or to call directly in tests).
    public var handler: HTTPHandler { { [self] request in await self.handle(request) } }

    /// Serves a control endpoint of a simulator under `/devcluster/`.
    public func addControlRoute(prefix: String, _ handler: @escaping HTTPHandler) {
        controlRoutes.withLock { $0.append((prefix, handler)) }
    }

    public func setLogger(_ sink: (@Sendable (String) -> Void)?) { logSink.withLock { $0 = sink } }

    /// The namespaces every cluster has.
    private func bootstrap() {
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = try? createInternal(path: "/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
        }
    }

    // MARK: Entry point

    /// Serves one request. Requests that `bypassFaults` (the simulators') skip fault injection.
    public func handle(_ request: HTTPRequest, bypassFaults: Bool = false) async -> HTTPResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        var response: HTTPResponse
        do {
            if !bypassFaults { try await faults.beforeRequest(request) }
            response = try await route(request)
        } catch let e as APIError {
            response = Self.statusResponse(e)
        } catch {
            response = Self.statusResponse(.internalError("\(error)"))
        }
        if options.logRequests || logSink.withLock({ $0 != nil }) {
            let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            let line = "\(request.method) \(request.target) \(response.status) \(String(format: "%.2f", ms))ms"
                + " ua=\"\(request.headers["User-Agent"] ?? "")\""
            if let sink = logSink.withLock({ $0 }) { sink(line) }
            if options.logRequests { FileHandle.standardError.write(Data(("devcluster: " + line + "\n").utf8)) }
        }
        return response
    }

    func route(_ request: HTTPRequest) async throws -> HTTPResponse {
        var path = request.path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        if request.body.count > options.maxBodyBytes { throw APIError.requestEntityTooLarge(options.maxBodyBytes) }
        switch path {
        case "/version": return try getOnly(request) { versionInfo() }
        case "/healthz", "/livez", "/readyz": return .text("ok")
        case "/api": return try getOnly(request) { try discoveryAPI(request) }
        case "/apis": return try getOnly(request) { try discoveryAPIs(request) }
        case "/devcluster/faults": return try await faultControl(request)
        default: break
        }
        if path.hasPrefix("/openapi/") { return try getOnly(request) { try openAPI(path) } }
        if path.hasPrefix("/devcluster/"), let route = controlRoutes.withLock({ $0.first { path.hasPrefix($0.prefix) } }) {
            return await route.handler(request)
        }
        let parts = path.split(separator: "/").map(String.init)
        if parts.count == 2 && parts[0] == "api" { return try getOnly(request) { try resourceList(group: "", version: parts[1]) } }
        if parts.count == 2 && parts[0] == "apis" { return try getOnly(request) { try apiGroup(parts[1]) } }
        if parts.count == 3 && parts[0] == "apis" {
            return try getOnly(request) { try resourceList(group: parts[1], version: parts[2]) }
        }
        guard let info = RequestInfo(path: path) else { throw APIError.notFoundPath() }
        return try await serveResource(request, info)
    }

    private func getOnly(_ request: HTTPRequest, _ body: () throws -> HTTPResponse) throws -> HTTPResponse {
        guard request.method == .get || request.method == .head else {
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
        return try body()
    }

    // MARK: Resource requests

    func serveResource(_ request: HTTPRequest, _ ri: RequestInfo) async throws -> HTTPResponse {
        guard let info = registry.find(group: ri.group, version: ri.version, plural: ri.resource) else {
            throw APIError.notFoundPath()
        }
        if info.namespaced {
            if ri.namespace == nil && ri.name != nil { throw APIError.notFoundPath() }
        } else if ri.namespace != nil {
            throw APIError.notFoundPath()
        }
        let q = try QueryOptions(request)
        let ctx = RequestContext(info: info, version: ri.version, namespace: ri.namespace, name: ri.name,
                                 subresource: ri.subresource, query: q, request: request)
        if let sub = ri.subresource {
            guard ri.name != nil else { throw APIError.notFoundPath() }
            switch sub {
            case "status" where info.hasStatus: break
            case "scale" where info.scale != nil: return try serveScale(ctx)
            case "binding" where info.plural == "pods" && info.group.isEmpty:
                guard request.method == .post else { throw APIError.methodNotAllowed("binding only supports create") }
                return try bind(ctx)
            case "eviction" where info.plural == "pods" && info.group.isEmpty:
                guard request.method == .post else { throw APIError.methodNotAllowed("eviction only supports create") }
                return try evict(ctx)
            case "log" where info.plural == "pods" && info.group.isEmpty:
                guard request.method == .get else { throw APIError.methodNotAllowed("log only supports get") }
                return try podLog(ctx)
            case "finalize" where info.plural == "namespaces" && info.group.isEmpty:
                guard request.method == .put else { throw APIError.methodNotAllowed("finalize only supports update") }
                return try update(ctx)
            default: throw APIError.notFoundPath()
            }
        }
        // Verbs the resource does not serve (a review cannot be listed, a namespace not deleted in bulk).
        let verb: String
        switch request.method {
        case .get, .head: verb = ri.name == nil ? (q.watch ? "watch" : "list") : "get"
        case .post: verb = "create"
        case .put: verb = "update"
        case .patch: verb = "patch"
        case .delete: verb = ri.name == nil ? "deletecollection" : "delete"
        default: verb = ""
        }
        if ri.subresource == nil && !info.verbs.contains(verb) {
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
        switch request.method {
        case .get, .head:
            if ri.name == nil {
                return q.watch ? try watch(ctx) : try list(ctx)
            }
            guard ctx.subresource == nil || ctx.subresource == "status" else { throw APIError.notFoundPath() }
            return try get(ctx)
        case .post:
            guard ri.name == nil else {
                throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
            }
            if info.group == "authorization.k8s.io" { return try review(ctx) }
            return try create(ctx)
        case .put:
            guard ri.name != nil else {
                throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
            }
            return try update(ctx)
        case .patch:
            guard ri.name != nil else {
                throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
            }
            return try patch(ctx)
        case .delete:
            if ri.name == nil {
                guard info.verbs.contains("deletecollection") else {
                    throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
                }
                return try deleteCollection(ctx)
            }
            guard ctx.subresource == nil else { throw APIError.methodNotAllowed("the server does not allow this method on the requested resource") }
            return try delete(ctx)
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }

    // MARK: Responses

    static func statusResponse(_ e: APIError) -> HTTPResponse {
        var status = e.status
        if status.details?.causes?.isEmpty == true { status.details?.causes = nil }
        var value = (try? JSONValueEncoder().encode(status)) ?? .null
        // The real server sends `metadata: {}` and no empty details.
        value["metadata"] = .object(JSONObject())
        var response = HTTPResponse.json(JSONWriter.write(value), status: e.code)
        for (k, v) in e.headers { response.headers.add(k, v) }
        return response
    }

    static func json(_ value: JSONValue, status: Int = 200, contentType: String = "application/json") -> HTTPResponse {
        HTTPResponse(status: status, contentType: contentType, body: JSONWriter.write(value))
    }

    static func success(_ ctx: RequestContext, code: Int, name: String, uid: String? = nil) -> HTTPResponse {
        let value: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject()), "status": "Success",
            "details": .object(JSONObject([("name", .string(name)), ("group", .string(ctx.info.group)),
                                           ("kind", .string(ctx.info.plural))] + (uid.map { [("uid", JSONValue.string($0))] } ?? []))),
        ]
        return json(value, status: code)
    }

    func versionInfo() -> HTTPResponse {
        let (major, minor) = options.kubernetesVersion
        return Self.json([
            "major": .string(String(major)), "minor": .string(String(minor)),
            "emulationMajor": .string(String(major)), "emulationMinor": .string(String(minor)),
            "minCompatibilityMajor": .string(String(major)), "minCompatibilityMinor": .string(String(minor - 1)),
            "gitVersion": .string("v\(major).\(minor).0-gantry"), "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.25.0",
            "compiler": "gc", "platform": "linux/amd64",
        ])
    }

    // MARK: Helpers

    /// A random (version 4) UUID, lowercase as the API server writes them. From the system generator directly and
    /// formatted on bytes: Foundation's UUID() opens and reads /dev/urandom on every call here, a visible cost per
    /// create.
    func newUID() -> String {
        var g = SystemRandomNumberGenerator()
        var high = g.next() as UInt64, low = g.next() as UInt64
        high = (high & ~(0xF << 12)) | (0x4 << 12)  // version 4: the 13th hex digit
        low = (low & ~(0x3 << 62)) | (0x2 << 62)    // RFC 4122 variant: the top bits of the 17th
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for i in 0..<32 {
            if i == 8 || i == 12 || i == 16 || i == 20 { out.append(UInt8(ascii: "-")) }
            let word = i < 16 ? high : low
            out.append(digits[Int((word >> UInt64(60 - 4 * (i % 16))) & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// generateName's suffix: five characters from the same alphabet as apimachinery's `rand.String`.
    func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }
}

/// A resource request, taken apart.
struct RequestContext: Sendable {
    var info: ResourceInfo
    var version: String
    var namespace: String?
    var name: String?
    var subresource: String?
    var query: QueryOptions
    var request: HTTPRequest

    var storageKey: StorageKey { info.storageKey }
    var apiVersion: String { info.apiVersion(version) }
    func objectKey(_ name: String) -> String { ObjectStore.objectKey(namespace: info.namespaced ? namespace : nil, name: name) }
}

/// The list, watch and write options of a request's query string.
struct QueryOptions: Sendable {
    var watch = false
    var resourceVersion: String?
    var resourceVersionMatch: String?
    var labelSelector: String?
    var fieldSelector: String?
    var limit = 0
    var continueToken: String?
    var timeoutSeconds: Double?
    var allowWatchBookmarks = false
    var sendInitialEvents: Bool?
    var dryRun = false
    var fieldManager: String?
    var fieldValidation: String?
    var force = false
    var includeObject: String?
    var gracePeriodSeconds: Int64?
    var propagationPolicy: String?
    var orphanDependents: Bool?

    init() {}

    init(_ request: HTTPRequest) throws {
        func bool(_ name: String, _ v: String) throws -> Bool {
            switch v {
            case "true", "1", "": return true
            case "false", "0": return false
            default: throw APIError.badRequest("invalid value for \(name): \(v)")
            }
        }
        for (name, value) in request.queryItems {
            switch name {
            case "watch": watch = try bool(name, value)
            case "resourceVersion": resourceVersion = value
            case "resourceVersionMatch": resourceVersionMatch = value.isEmpty ? nil : value
            case "labelSelector": labelSelector = value.isEmpty ? nil : value
            case "fieldSelector": fieldSelector = value.isEmpty ? nil : value
            case "limit":
                guard let n = Int(value), n >= 0 else { throw APIError.badRequest("limit: Invalid value: \"\(value)\": must be a non-negative integer") }
                limit = n
            case "continue": continueToken = value.isEmpty ? nil : value
            case "timeoutSeconds", "timeout":
                if name == "timeout" {
                    continue  // request timeout ("32s"); the dev cluster answers at once
                }
                guard let n = Double(value), n >= 0, n.isFinite else { throw APIError.badRequest("invalid timeoutSeconds: \(value)") }
                timeoutSeconds = n
            case "allowWatchBookmarks": allowWatchBookmarks = try bool(name, value)
            case "sendInitialEvents": sendInitialEvents = try bool(name, value)
            case "dryRun":
                guard value == "All" || value.isEmpty else {
                    throw APIError(code: 422, reason: "Invalid", message: "dryRun: Unsupported value: \"\(value)\": supported values: \"All\"")
                }
                dryRun = value == "All"
            case "fieldManager": fieldManager = value
            case "fieldValidation":
                guard ["", "Ignore", "Warn", "Strict"].contains(value) else {
                    throw APIError.badRequest("fieldValidation must be one of Ignore, Warn, Strict: \(value)")
                }
                fieldValidation = value.isEmpty ? nil : value
            case "force": force = try bool(name, value)
            case "includeObject": includeObject = value
            case "gracePeriodSeconds":
                guard let n = Int64(value) else { throw APIError.badRequest("invalid gracePeriodSeconds: \(value)") }
                gracePeriodSeconds = n
            case "propagationPolicy": propagationPolicy = value
            case "orphanDependents": orphanDependents = try bool(name, value)
            default: continue
            }
        }
    }
}
