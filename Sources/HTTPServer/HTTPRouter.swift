// Routes requests by method and path pattern to handlers, and is itself an `HTTPHandler`.
// Patterns: literal segments ("/healthz"), `{name}` segments matching one non-empty segment, and a final `*`
// matching the rest (zero or more segments). The most specific match wins, segment by segment from the left:
// literal over `{param}` over `*`. A path matched only under other methods gets 405 with `Allow`; a path
// matched by nothing goes to the fallback handler, or 404.

import Foundation

public struct HTTPRouter: Sendable {
    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case rest

        var rank: Int {
            switch self {
            case .literal: 2
            case .parameter: 1
            case .rest: 0
            }
        }
    }

    private struct Route: Sendable {
        var method: HTTPMethod
        var pattern: String
        var segments: [Segment]
        var handler: HTTPHandler
    }

    private var routes: [Route] = []
    /// Answers requests whose path no route matches; nil means 404.
    public var fallback: HTTPHandler?

    public init(fallback: HTTPHandler? = nil) { self.fallback = fallback }

    /// Adds a route. Patterns are code, not input: a malformed one is a programmer error and traps.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping HTTPHandler) {
        let segments = Self.parse(pattern)
        precondition(!routes.contains { $0.method == method && $0.segments == segments },
                     "duplicate route \(method) \(pattern)")
        routes.append(Route(method: method, pattern: pattern, segments: segments, handler: handler))
    }

    public mutating func get(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.get, pattern, handler) }
    public mutating func post(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.post, pattern, handler) }
    public mutating func put(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.put, pattern, handler) }
    public mutating func patch(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.patch, pattern, handler) }
    public mutating func delete(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.delete, pattern, handler) }

    /// The router as a handler, with the routes as they are now.
    public var handler: HTTPHandler {
        let router = self
        return { request in await router.respond(to: request) }
    }

    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        switch resolve(method: request.method, target: request.target) {
        case .found(let route, let parameters):
            var request = request
            request.pathParameters = parameters
            return await route.handler(request)
        case .methodNotAllowed(let allowed):
            var response = HTTPResponse.text("method \(request.method) not allowed\n", status: 405)
            response.headers.add("Allow", allowed.map(\.rawValue).joined(separator: ", "))
            return response
        case .notFound:
            if let fallback { return await fallback(request) }
            return .text("not found\n", status: 404)
        }
    }

    /// The outcome of routing, exposed so routes can be tested without calling handlers.
    public enum Match: Equatable, Sendable {
        /// The winning route's pattern and the path parameters it captured (`*` under the key "*").
        case found(pattern: String, parameters: [String: String])
        /// Some route matches the path, none the method; the methods that would be accepted.
        case methodNotAllowed([HTTPMethod])
        case notFound
    }

    public func match(method: HTTPMethod, target: String) -> Match {
        switch resolve(method: method, target: target) {
        case .found(let route, let parameters): .found(pattern: route.pattern, parameters: parameters)
        case .methodNotAllowed(let allowed): .methodNotAllowed(allowed)
        case .notFound: .notFound
        }
    }

    private enum Resolution {
        case found(Route, [String: String])
        case methodNotAllowed([HTTPMethod])
        case notFound
    }

    private func resolve(method: HTTPMethod, target: String) -> Resolution {
        guard let path = Self.pathSegments(of: target) else { return .notFound }
        var best: (route: Route, parameters: [String: String])? = nil
        var bestGet: (route: Route, parameters: [String: String])? = nil
        var allowed: Set<String> = []
        for route in routes {
            guard let parameters = Self.match(route.segments, path) else { continue }
            allowed.insert(route.method.rawValue)
            func beats(_ current: (route: Route, parameters: [String: String])?) -> Bool {
                current.map { Self.moreSpecific(route.segments, than: $0.route.segments) } ?? true
            }
            if route.method == method, beats(best) { best = (route, parameters) }
            if route.method == .get, beats(bestGet) { bestGet = (route, parameters) }
        }
        // HEAD is served by the GET route when there is no HEAD route; the server drops the body.
        if best == nil && method == .head { best = bestGet }
        if let best { return .found(best.route, best.parameters) }
        if allowed.isEmpty { return .notFound }
        if allowed.contains("GET") { allowed.insert("HEAD") }
        return .methodNotAllowed(allowed.sorted().map(HTTPMethod.init(rawValue:)))
    }

    // MARK: matching

    private static func parse(_ pattern: String) -> [Segment] {
        precondition(pattern.hasPrefix("/"), "route pattern must start with /: \(pattern)")
        let parts = pattern == "/" ? [] : pattern.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        var segments: [Segment] = []
        for (i, part) in parts.enumerated() {
            if part == "*" {
                precondition(i == parts.count - 1, "* must be the last segment: \(pattern)")
                segments.append(.rest)
            } else if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                segments.append(.parameter(String(part.dropFirst().dropLast())))
            } else {
                segments.append(.literal(String(part)))
            }
        }
        return segments
    }

    /// The raw path of a request target split on "/", each segment percent-decoded (so an encoded "/" stays
    /// inside its segment). nil for targets that are not a path ("*").
    static func pathSegments(of target: String) -> [String]? {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path.hasPrefix("/") else { return nil }
        if path == "/" { return [] }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { HTTPRequest.percentDecoded($0) }
    }

    private static func match(_ pattern: [Segment], _ path: [String]) -> [String: String]? {
        var parameters: [String: String] = [:]
        for (i, segment) in pattern.enumerated() {
            switch segment {
            case .rest:
                parameters["*"] = path[min(i, path.count)...].joined(separator: "/")
                return parameters
            case .literal(let text):
                guard i < path.count, path[i] == text else { return nil }
            case .parameter(let name):
                guard i < path.count, !path[i].isEmpty else { return nil }
                parameters[name] = path[i]
            }
        }
        return pattern.count == path.count ? parameters : nil
    }

    private static func moreSpecific(_ a: [Segment], than b: [Segment]) -> Bool {
        for (x, y) in zip(a, b) where x.rank != y.rank { return x.rank > y.rank }
        return a.count > b.count
    }
}
