// KubeTransport: the seam between the REST/watch layer and the wire.
//
// `CurlTransport` speaks HTTP through libcurl; `ScriptedTransport` replays scripted replies in unit tests.
// The REST layer only ever sees status, headers and bytes, so everything above this protocol is tested
// without sockets.

/// Sends requests to one API server. Implementations add authentication and TLS themselves.
public protocol KubeTransport: Sendable {
    /// Sends a request and collects the whole response. Throws `TransportError` when no HTTP response
    /// arrived, and `CancellationError` when the calling task is cancelled (the request is aborted).
    func send(_ request: TransportRequest) async throws -> TransportResponse

    /// Opens a streaming request (a watch) and returns once the response headers have arrived. The body
    /// is read from the returned stream with bounded buffering: while the reader is behind, the transport
    /// stops reading from the connection.
    func openStream(_ request: TransportRequest, options: StreamOptions) async throws -> any ResponseStream
}

/// How a streaming request is read.
public struct StreamOptions: Sendable, Hashable {
    /// The stream fails with `TransportError.Kind.idleTimeout` when no byte arrives for this long while the
    /// reader is keeping up (time spent paused for a slow reader does not count). `nil`: no idle limit.
    public var idleTimeout: Duration?
    /// Bytes read ahead of the reader before the transport pauses the connection.
    public var bufferLimit: Int

    public init(idleTimeout: Duration? = .seconds(300), bufferLimit: Int = 1 << 20) {
        self.idleTimeout = idleTimeout
        self.bufferLimit = max(1, bufferLimit)
    }
}

/// The body of a streaming response, read by one consumer.
public protocol ResponseStream: AnyObject, Sendable {
    var status: Int { get }
    var headers: HeaderFields { get }
    /// The next bytes of the body, in arrival order with arbitrary boundaries; `nil` at the clean end.
    /// Throws `TransportError` when the connection fails and `CancellationError` when the task is cancelled
    /// (which also closes the connection).
    func next() async throws -> [UInt8]?
    /// Closes the connection; a pending or later `next()` returns `nil`. Safe to call more than once.
    func close()
}

/// A request as the transport sees it: method, absolute path (already percent-encoded), query, headers, body.
public struct TransportRequest: Sendable, Hashable, CustomStringConvertible {
    public var method: Method
    /// Absolute path below the server URL, e.g. `/api/v1/namespaces/default/pods`.
    public var path: String
    public var query: [QueryItem]
    public var headers: HeaderFields
    public var body: [UInt8]?
    /// Overall time limit for `send`; `nil` uses the transport's default. Ignored by `openStream`.
    public var timeout: Duration?

    public init(method: Method, path: String, query: [QueryItem] = [], headers: HeaderFields = HeaderFields(),
                body: [UInt8]? = nil, timeout: Duration? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// Path and encoded query as sent on the request line.
    public var target: String {
        query.isEmpty ? path : path + "?" + QueryItem.encode(query)
    }

    /// The first value of a query parameter.
    public func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }

    /// "GET /api/v1/pods?watch=true": what error messages name.
    public var description: String { "\(method) \(target)" }

    public struct Method: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let get = Method(rawValue: "GET")
        public static let post = Method(rawValue: "POST")
        public static let put = Method(rawValue: "PUT")
        public static let patch = Method(rawValue: "PATCH")
        public static let delete = Method(rawValue: "DELETE")

        public var description: String { rawValue }
    }
}

/// One query parameter.
public struct QueryItem: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// `name=value&...` with everything but RFC 3986 unreserved characters percent-encoded (selectors carry
    /// `=`, `!`, `,`, parentheses and spaces; continue tokens carry `+` and `/`).
    public static func encode(_ items: [QueryItem]) -> String {
        items.map { percentEncode($0.name) + "=" + percentEncode($0.value) }.joined(separator: "&")
    }
}

/// Percent-encodes every byte outside the RFC 3986 unreserved set.
func percentEncode(_ string: String) -> String {
    var out = [UInt8]()
    out.reserveCapacity(string.utf8.count)
    let hex = Array("0123456789ABCDEF".utf8)
    for b in string.utf8 {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: "~"):
            out.append(b)
        default:
            out.append(UInt8(ascii: "%"))
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0x0F)])
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// Header fields in order; lookups ignore case.
public struct HeaderFields: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public private(set) var fields: [Field] = []

    public init() {}
    public init(dictionaryLiteral elements: (String, String)...) {
        for (n, v) in elements { add(n, v) }
    }

    public mutating func add(_ name: String, _ value: String) { fields.append(Field(name, value)) }

    /// Replaces every field of that name.
    public mutating func set(_ name: String, _ value: String) {
        fields.removeAll { $0.name.lowercased() == name.lowercased() }
        add(name, value)
    }

    public subscript(name: String) -> String? {
        let lower = name.lowercased()
        return fields.first { $0.name.lowercased() == lower }?.value
    }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }
}

/// A complete response.
public struct TransportResponse: Sendable, Hashable {
    public var status: Int
    public var headers: HeaderFields
    public var body: [UInt8]

    public init(status: Int, headers: HeaderFields = HeaderFields(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A request that got no usable HTTP response: refused or reset connection, TLS failure, timeout.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Could not resolve or connect to the server.
        case connect
        /// TLS handshake or certificate verification failed.
        case tls
        /// The request's overall time limit passed.
        case timeout
        /// A stream received nothing for its idle limit.
        case idleTimeout
        /// The connection failed while the response was being read (reset, truncated body, bad framing).
        case io
        /// The response was larger than the transport accepts.
        case responseTooLarge
        /// The request could not be built (bad URL, unreadable certificate file, ...).
        case invalidRequest
        /// No scripted reply matched (ScriptedTransport only).
        case unscripted
    }

    public var kind: Kind
    public var message: String
    /// The request, as "METHOD /path?query".
    public var request: String
    /// The libcurl result code when libcurl reported the failure.
    public var curlCode: Int?

    public init(_ kind: Kind, _ message: String, request: String = "", curlCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.request = request
        self.curlCode = curlCode
    }

    public var description: String {
        let code = curlCode.map { " (curl \($0))" } ?? ""
        return request.isEmpty ? "\(kind.rawValue): \(message)\(code)" : "\(request): \(kind.rawValue): \(message)\(code)"
    }
}
