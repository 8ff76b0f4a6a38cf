// Errors the server reports to its owner (setup, lifecycle) and to stream producers (the client went away),
// and the parse errors that become 4xx/5xx answers to a client.

import Glibc

public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The host name could not be resolved to an address to listen on.
    case resolve(host: String, reason: String)
    /// A socket call failed while setting up the listener (`call` is e.g. "bind"), with errno.
    case listen(host: String, port: Int, call: String, errno: Int32)
    /// A configuration value is out of range.
    case invalidConfiguration(String)
    /// An event loop could not be created (epoll or eventfd failed), with errno.
    case eventLoop(call: String, errno: Int32)
    /// `run()` was called on a server that is already running or has finished.
    case alreadyStarted
    /// The connection closed (client gone, write stalled, server stopped) before the bytes were taken.
    case connectionClosed

    public var description: String {
        switch self {
        case let .resolve(host, reason): return "cannot resolve listen address \(host): \(reason)"
        case let .listen(host, port, call, e): return "cannot listen on \(host):\(port): \(call): \(errnoText(e))"
        case let .invalidConfiguration(what): return "invalid HTTP server configuration: \(what)"
        case let .eventLoop(call, e): return "cannot create event loop: \(call): \(errnoText(e))"
        case .alreadyStarted: return "HTTP server already started"
        case .connectionClosed: return "HTTP connection closed"
        }
    }
}

func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// Why a request could not be read; becomes the status and body of the answer before the connection closes.
struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    var status: Int
    var reason: String

    init(_ status: Int, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    var description: String { "\(status) \(reason)" }

    static func badRequest(_ reason: String) -> HTTPParseError { HTTPParseError(400, reason) }
}
