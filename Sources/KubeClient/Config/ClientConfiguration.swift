// ClientConfiguration: everything the transport needs to reach one API server, resolved from a kubeconfig
// context or the in-cluster service account (or written by hand in tests).

import Foundation

public struct ClientConfiguration: Sendable {
    /// Base URL of the API server, e.g. `https://10.0.0.1:6443` (a path prefix is kept: `https://h/k8s/c1`).
    public var server: String
    public var tls: TLSOptions
    public var credentials: Credentials
    /// Namespace used when a call on a namespaced kind names none (the context's, else "default").
    public var namespace: String
    /// Limit for an ordinary request, from connect to the last byte. Watches have no overall limit.
    public var requestTimeout: Duration
    public var connectTimeout: Duration
    public var userAgent: String
    /// Largest response body accepted for an ordinary request (a list of 100k pods is ~200 MB).
    public var maximumResponseBytes: Int

    public init(server: String, tls: TLSOptions = TLSOptions(), credentials: Credentials = .none,
                namespace: String = "default", requestTimeout: Duration = .seconds(30),
                connectTimeout: Duration = .seconds(10), userAgent: String = "gantry/0.1",
                maximumResponseBytes: Int = 1 << 30) {
        self.server = server
        self.tls = tls
        self.credentials = credentials
        self.namespace = namespace
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.userAgent = userAgent
        self.maximumResponseBytes = maximumResponseBytes
    }
}

/// TLS settings of a cluster and its user.
public struct TLSOptions: Sendable, Hashable {
    /// CA bundle that signs the server certificate; `nil` uses the system trust store.
    public var certificateAuthority: PEMSource?
    public var clientCertificate: PEMSource?
    public var clientKey: PEMSource?
    /// Skips server certificate verification (`insecure-skip-tls-verify`). Never the default.
    public var insecureSkipVerify: Bool
    /// Name to verify the server certificate against and to send as SNI, when it differs from the host in
    /// the server URL (`tls-server-name`).
    public var serverName: String?

    public init(certificateAuthority: PEMSource? = nil, clientCertificate: PEMSource? = nil,
                clientKey: PEMSource? = nil, insecureSkipVerify: Bool = false, serverName: String? = nil) {
        self.certificateAuthority = certificateAuthority
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.insecureSkipVerify = insecureSkipVerify
        self.serverName = serverName
    }
}

/// PEM data given inline (`*-data`, already base64-decoded) or as a file path.
public enum PEMSource: Sendable, Hashable {
    case data([UInt8])
    case file(String)
}

/// How requests authenticate (besides a client certificate, which lives in `TLSOptions`).
public enum Credentials: Sendable {
    case none
    case bearerToken(String)
    /// A token re-read when the file changes (projected service-account tokens rotate).
    case tokenFile(TokenFile)
    case basic(username: String, password: String)

    /// The `Authorization` header value for the next request.
    func authorizationHeader() throws -> String? {
        switch self {
        case .none: return nil
        case .bearerToken(let token): return "Bearer \(token)"
        case .tokenFile(let file): return "Bearer \(try file.token())"
        case .basic(let user, let password): return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }
    }
}
