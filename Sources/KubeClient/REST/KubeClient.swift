// KubeClient: the Kubernetes REST API over a KubeTransport, typed (generic over KubeResource) and dynamic
// (any resource by ResourceDescriptor, objects as JSONValue).
//
// Both flavours share one request path: build the URL and query, send, map a non-2xx response to a typed
// KubeError, decode. Namespaces: object calls (get, update, delete, ...) on a namespaced kind use the given
// namespace, else the object's, else the configured default; collection calls (list, watch,
// deletecollection) with `namespace: nil` span all namespaces.

import KubeCore

public struct KubeClient: Sendable {
    public let transport: any KubeTransport
    /// Namespace of object calls that name none (the kubeconfig context's or the pod's own).
    public var defaultNamespace: String

    /// How many times a request answered 429 or 5xx *with* a `Retry-After` header is sent again after
    /// waiting as asked (client-go does the same, up to 10): the server said it did not process it. Watches
    /// and evictions are not retried here (their callers decide).
    public var retryAfterAttempts: Int = 5
    /// A longer `Retry-After` than this is not waited for; the error goes to the caller at once.
    public var maximumRetryAfter: Duration = .seconds(30)

    public init(transport: any KubeTransport, defaultNamespace: String = "default") {
        self.transport = transport
        self.defaultNamespace = defaultNamespace
    }

    /// A client over libcurl for the given configuration.
    public init(configuration: ClientConfiguration) throws {
        self.init(transport: try CurlTransport(configuration: configuration), defaultNamespace: configuration.namespace)
    }

    // MARK: - Request plumbing

    /// Sends a request and returns the response if it is a success; any other status throws the mapped error.
    /// Throttled requests (429/5xx with `Retry-After`) are re-sent as `retryAfterAttempts` allows.
    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        try await send(request, retryThrottled: true)
    }

    func send(_ request: TransportRequest, retryThrottled: Bool) async throws -> TransportResponse {
        var attempt = 0
        while true {
            let response: TransportResponse
            do {
                response = try await transport.send(request)
            } catch let error as TransportError {
                throw KubeError.transport(error)
            }
            if (200..<300).contains(response.status) { return response }
            attempt += 1
            if retryThrottled, attempt <= retryAfterAttempts, response.status == 429 || response.status >= 500,
               let wait = response.headers["Retry-After"].flatMap(parseRetryAfter), wait <= maximumRetryAfter {
                try await Task.sleep(for: wait)
                continue
            }
            throw KubeError.from(response: response, request: request.description)
        }
    }

    func send(_ method: TransportRequest.Method, _ path: ResourcePath, query: [QueryItem] = [],
              body: [UInt8]? = nil, contentType: String? = nil, retryThrottled: Bool = true)
        async throws -> (TransportResponse, String)
    {
        var request = TransportRequest(method: method, path: path.path, query: query, body: body)
        if let contentType { request.headers.set("Content-Type", contentType) }
        return (try await send(request, retryThrottled: retryThrottled), request.description)
    }

    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], request: String, expected: String) throws -> T {
        do {
            return try JSONValueDecoder().decode(type, from: bytes)
        } catch {
            throw KubeError.decoding(DecodingFailure(request: request, expected: expected, message: describe(error)))
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ value: JSONValue, request: String, expected: String) throws -> T {
        do {
            return try JSONValueDecoder().decode(type, from: value)
        } catch {
            throw KubeError.decoding(DecodingFailure(request: request, expected: expected, message: describe(error)))
        }
    }

    func parse(_ bytes: [UInt8], request: String, expected: String) throws -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw KubeError.decoding(DecodingFailure(request: request, expected: expected, message: "\(error)"))
        }
    }

    /// The namespace of an object call: explicit, else the object's, else the default (namespaced kinds only).
    func objectNamespace(_ descriptor: ResourceDescriptor, _ explicit: String?, objectNamespace: String? = nil) -> String? {
        guard descriptor.namespaced else { return nil }
        for candidate in [explicit, objectNamespace] {
            if let candidate, !candidate.isEmpty { return candidate }
        }
        return defaultNamespace
    }

    func requireName(_ name: String?, _ verb: String, _ descriptor: ResourceDescriptor) throws -> String {
        guard let name, !name.isEmpty else {
            throw KubeError.invalidRequest("\(verb) \(descriptor) needs an object name")
        }
        return name
    }

    /// Adds apiVersion and kind when the encoded object lacks them (server-side apply requires them).
    func withTypeMeta(_ value: JSONValue, _ descriptor: ResourceDescriptor) -> JSONValue {
        var value = value
        if value["apiVersion"] == nil { value["apiVersion"] = .string(descriptor.apiVersion) }
        if value["kind"] == nil { value["kind"] = .string(descriptor.kind) }
        return value
    }

    // MARK: - Shared verbs on raw JSON

    func getRaw(_ path: ResourcePath) async throws -> ([UInt8], String) {
        let (response, request) = try await send(.get, path)
        return (response.body, request)
    }

    func listRaw(_ path: ResourcePath, _ options: ListOptions) async throws -> ([UInt8], String) {
        let (response, request) = try await send(.get, path, query: options.queryItems)
        return (response.body, request)
    }

    func writeRaw(_ method: TransportRequest.Method, _ path: ResourcePath, _ object: JSONValue, _ options: WriteOptions,
                  retryThrottled: Bool = true) async throws -> ([UInt8], String)
    {
        let (response, request) = try await send(method, path, query: options.queryItems, body: JSONWriter.write(object),
                                                 contentType: "application/json", retryThrottled: retryThrottled)
        return (response.body, request)
    }

    func patchRaw(_ path: ResourcePath, _ patch: Patch, _ options: PatchOptions) async throws -> ([UInt8], String) {
        if case .apply = patch, (options.fieldManager ?? "").isEmpty {
            throw KubeError.invalidRequest("server-side apply to \(path) needs a fieldManager")
        }
        let (response, request) = try await send(.patch, path, query: options.queryItems, body: patch.body,
                                                 contentType: patch.contentType)
        return (response.body, request)
    }

    func deleteRaw(_ path: ResourcePath, _ options: DeleteOptions) async throws -> (JSONValue, String) {
        let (response, request) = try await send(.delete, path, body: JSONWriter.write(options.object),
                                                 contentType: "application/json")
        if response.body.isEmpty { return (.object(JSONObject()), request) }
        return (try parse(response.body, request: request, expected: "delete response"), request)
    }

    func deleteResult<T: Sendable>(_ value: JSONValue, request: String,
                                   decode: (JSONValue) throws -> T) throws -> DeleteResult<T> {
        if value["kind"]?.stringValue == "Status" || value.objectValue?.isEmpty == true {
            let status = (try? JSONValueDecoder().decode(Status.self, from: value)) ?? Status.success()
            return .status(status)
        }
        return .object(try decode(value))
    }

    /// Pages through a collection with `limit`/`continue`, calling `page` for each body. Later pages carry
    /// no resourceVersion (the server rejects one beside a continue token; they share the first page's
    /// snapshot). Returns the first page's list metadata.
    func pages(_ path: ResourcePath, _ options: ListOptions, page: ([UInt8], String) throws -> ListMeta)
        async throws -> ListMeta
    {
        var options = options
        if options.limit == nil { options.limit = 500 }
        var first: ListMeta?
        var previousToken: String?
        while true {
            let (body, request) = try await listRaw(path, options)
            let meta = try page(body, request)
            if first == nil { first = meta }
            guard let token = meta.continueToken, !token.isEmpty else { break }
            guard token != previousToken else {
                throw KubeError.decoding(DecodingFailure(request: request, expected: "list page",
                                                         message: "the server repeated continue token \(token)"))
            }
            try Task.checkCancellation()
            previousToken = token
            options.continueToken = token
            options.resourceVersion = nil
            options.resourceVersionMatch = nil
        }
        var meta = first ?? ListMeta()
        meta.continueToken = nil
        meta.remainingItemCount = nil
        return meta
    }

    func openWatch<T: Sendable>(_ path: ResourcePath, _ options: WatchOptions, expected: String,
                                decode: @escaping @Sendable (JSONValue) throws -> T) async throws -> WatchStream<T> {
        let request = TransportRequest(method: .get, path: path.path, query: try options.queryItems())
        let stream: any ResponseStream
        do {
            stream = try await transport.openStream(
                request, options: StreamOptions(idleTimeout: options.effectiveIdleTimeout, bufferLimit: options.bufferLimit))
        } catch let error as TransportError {
            throw KubeError.transport(error)
        }
        guard (200..<300).contains(stream.status) else {
            // An error response (410 for a too-old resourceVersion, 403, ...) carries a Status body.
            var body: [UInt8] = []
            do {
                while body.count < 1 << 20, let chunk = try await stream.next() { body += chunk }
            } catch is TransportError {
                // Keep whatever arrived; the status code alone still maps the error.
            }
            stream.close()
            throw KubeError.from(response: TransportResponse(status: stream.status, headers: stream.headers, body: body),
                                 request: request.description)
        }
        return WatchStream(stream: stream, request: request.description, expected: expected,
                           maximumFrameBytes: options.maximumEventBytes, decode: decode)
    }
}
