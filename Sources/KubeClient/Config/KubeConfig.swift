// KubeConfig: the kubeconfig file model (clusters, users, contexts), merging and context resolution.
//
// Semantics follow kubectl's clientcmd loading rules: with several files, the first file to define a
// cluster, user or context name wins and the first non-empty current-context wins; relative file paths
// are resolved against the directory of the file that holds them.

import Foundation
import KubeCore

public struct KubeConfig: Sendable, Hashable {
    public var currentContext: String?
    public var clusters: [String: Cluster]
    public var users: [String: User]
    public var contexts: [String: Context]

    public struct Cluster: Sendable, Hashable {
        public var server: String?
        public var certificateAuthority: String?
        /// Decoded PEM from `certificate-authority-data`.
        public var certificateAuthorityData: [UInt8]?
        public var insecureSkipTLSVerify: Bool
        public var tlsServerName: String?
        public var proxyURL: String?

        public init(server: String? = nil, certificateAuthority: String? = nil, certificateAuthorityData: [UInt8]? = nil,
                    insecureSkipTLSVerify: Bool = false, tlsServerName: String? = nil, proxyURL: String? = nil) {
            self.server = server
            self.certificateAuthority = certificateAuthority
            self.certificateAuthorityData = certificateAuthorityData
            self.insecureSkipTLSVerify = insecureSkipTLSVerify
            self.tlsServerName = tlsServerName
            self.proxyURL = proxyURL
        }
    }

    public struct User: Sendable, Hashable {
        public var clientCertificate: String?
        public var clientCertificateData: [UInt8]?
        public var clientKey: String?
        public var clientKeyData: [UInt8]?
        public var token: String?
        public var tokenFile: String?
        public var username: String?
        public var password: String?
        /// Entries present but not supported ("exec", "auth-provider (oidc)", "impersonation (as)").
        public var unsupported: [String]

        public init(clientCertificate: String? = nil, clientCertificateData: [UInt8]? = nil, clientKey: String? = nil,
                    clientKeyData: [UInt8]? = nil, token: String? = nil, tokenFile: String? = nil,
                    username: String? = nil, password: String? = nil, unsupported: [String] = []) {
            self.clientCertificate = clientCertificate
            self.clientCertificateData = clientCertificateData
            self.clientKey = clientKey
            self.clientKeyData = clientKeyData
            self.token = token
            self.tokenFile = tokenFile
            self.username = username
            self.password = password
            self.unsupported = unsupported
        }
    }

    public struct Context: Sendable, Hashable {
        public var cluster: String
        public var user: String?
        public var namespace: String?

        public init(cluster: String, user: String? = nil, namespace: String? = nil) {
            self.cluster = cluster
            self.user = user
            self.namespace = namespace
        }
    }

    public init(currentContext: String? = nil, clusters: [String: Cluster] = [:], users: [String: User] = [:],
                contexts: [String: Context] = [:]) {
        self.currentContext = currentContext
        self.clusters = clusters
        self.users = users
        self.contexts = contexts
    }

    /// Merges files in priority order: the first to define a name or a current-context wins.
    public static func merged(_ configs: [KubeConfig]) -> KubeConfig {
        var out = KubeConfig()
        for config in configs {
            if out.currentContext == nil, let c = config.currentContext, !c.isEmpty { out.currentContext = c }
            out.clusters.merge(config.clusters) { first, _ in first }
            out.users.merge(config.users) { first, _ in first }
            out.contexts.merge(config.contexts) { first, _ in first }
        }
        return out
    }

    /// Resolves a context (the current one when `context` is nil) to a client configuration.
    public func configuration(context requested: String? = nil) throws -> ClientConfiguration {
        guard let contextName = requested ?? currentContext, !contextName.isEmpty else {
            throw KubeConfigError.noCurrentContext
        }
        guard let context = contexts[contextName] else {
            throw KubeConfigError.contextNotFound(contextName, available: contexts.keys.sorted())
        }
        guard let cluster = clusters[context.cluster] else {
            throw KubeConfigError.clusterNotFound(context.cluster, context: contextName)
        }
        guard let server = cluster.server, !server.isEmpty else {
            throw KubeConfigError.missingServer(cluster: context.cluster)
        }
        let lower = server.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), server.count > 8 else {
            throw KubeConfigError.invalidServer(server, cluster: context.cluster)
        }
        if cluster.proxyURL != nil {
            throw KubeConfigError.unsupportedClusterOption(cluster: context.cluster, option: "proxy-url")
        }

        var tls = TLSOptions(insecureSkipVerify: cluster.insecureSkipTLSVerify, serverName: cluster.tlsServerName)
        // Inline data wins over a path, as in clientcmd.
        if let data = cluster.certificateAuthorityData {
            tls.certificateAuthority = .data(data)
        } else if let path = cluster.certificateAuthority {
            tls.certificateAuthority = .file(path)
        }

        var credentials = Credentials.none
        if let userName = context.user, !userName.isEmpty {
            guard let user = users[userName] else { throw KubeConfigError.userNotFound(userName, context: contextName) }
            if let mechanism = user.unsupported.first {
                throw KubeConfigError.unsupportedAuth(user: userName, mechanism: mechanism)
            }
            if let data = user.clientCertificateData {
                tls.clientCertificate = .data(data)
            } else if let path = user.clientCertificate {
                tls.clientCertificate = .file(path)
            }
            if let data = user.clientKeyData {
                tls.clientKey = .data(data)
            } else if let path = user.clientKey {
                tls.clientKey = .file(path)
            }
            if let token = user.token, !token.isEmpty {
                credentials = .bearerToken(token)
            } else if let file = user.tokenFile, !file.isEmpty {
                credentials = .tokenFile(TokenFile(path: file))
            } else if let name = user.username, let password = user.password {
                credentials = .basic(username: name, password: password)
            }
        }
        let namespace = context.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let trimmedServer = server.hasSuffix("/") ? String(server.dropLast()) : server
        return ClientConfiguration(server: trimmedServer, tls: tls, credentials: credentials, namespace: namespace)
    }
}

// MARK: - Reading

extension KubeConfig {
    /// Reads one kubeconfig file.
    public static func load(path: String) throws -> KubeConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw KubeConfigError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        let directory = (path as NSString).deletingLastPathComponent
        let document = try parseDocument(Array(data), path: path)
        return try KubeConfig(document: document, path: path, directory: directory)
    }

    /// Reads and merges the files of a KUBECONFIG-style list (colon-separated). Missing files are skipped,
    /// as kubectl does; it is an error only when none exists.
    public static func load(pathList: String) throws -> KubeConfig {
        var seen = Set<String>()
        var configs: [KubeConfig] = []
        var paths: [String] = []
        for part in pathList.split(separator: ":", omittingEmptySubsequences: true) {
            let path = String(part)
            guard seen.insert(path).inserted else { continue }
            paths.append(path)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            configs.append(try load(path: path))
        }
        guard !configs.isEmpty else { throw KubeConfigError.noConfiguration(searched: paths) }
        return merged(configs)
    }

    /// Reads a kubeconfig from text (YAML, or JSON). Relative paths are resolved against `directory`.
    public init(yaml text: String, path: String? = nil, directory: String? = nil) throws {
        try self.init(document: Self.parseDocument(Array(text.utf8), path: path), path: path, directory: directory)
    }

    /// Builds the model from a decoded document. Relative paths are resolved against `directory`.
    public init(document: JSONValue, path: String? = nil, directory: String? = nil) throws {
        let reader = FieldReader(path: path)
        guard document.objectValue != nil else {
            throw reader.error("", "expected a mapping at the top level, got \(document.typeName)")
        }
        func resolve(_ file: String?) -> String? {
            guard let file, !file.isEmpty else { return file }
            guard !file.hasPrefix("/"), let directory, !directory.isEmpty else { return file }
            return directory + "/" + file
        }

        self.init()
        currentContext = try reader.string(document, "current-context", at: "")

        for (index, name, body) in try reader.namedList(document, "clusters", inner: "cluster") {
            let at = "clusters[\(index)].cluster"
            guard clusters[name] == nil else { throw reader.error("clusters[\(index)].name", "duplicate name \"\(name)\"") }
            var cluster = Cluster()
            cluster.server = try reader.string(body, "server", at: at)
            cluster.certificateAuthority = resolve(try reader.string(body, "certificate-authority", at: at))
            cluster.certificateAuthorityData = try reader.base64(body, "certificate-authority-data", at: at, entry: name)
            cluster.insecureSkipTLSVerify = try reader.bool(body, "insecure-skip-tls-verify", at: at) ?? false
            cluster.tlsServerName = try reader.string(body, "tls-server-name", at: at)
            cluster.proxyURL = try reader.string(body, "proxy-url", at: at)
            clusters[name] = cluster
        }

        for (index, name, body) in try reader.namedList(document, "users", inner: "user") {
            let at = "users[\(index)].user"
            guard users[name] == nil else { throw reader.error("users[\(index)].name", "duplicate name \"\(name)\"") }
            var user = User()
            user.clientCertificate = resolve(try reader.string(body, "client-certificate", at: at))
            user.clientCertificateData = try reader.base64(body, "client-certificate-data", at: at, entry: name)
            user.clientKey = resolve(try reader.string(body, "client-key", at: at))
            user.clientKeyData = try reader.base64(body, "client-key-data", at: at, entry: name)
            user.token = try reader.string(body, "token", at: at)
            user.tokenFile = resolve(try reader.string(body, "tokenFile", at: at))
            user.username = try reader.string(body, "username", at: at)
            user.password = try reader.string(body, "password", at: at)
            if let exec = body["exec"], !exec.isNull {
                let command = exec["command"]?.stringValue.map { " (\($0))" } ?? ""
                user.unsupported.append("an exec credential plugin\(command)")
            }
            if let provider = body["auth-provider"], !provider.isNull {
                let providerName = provider["name"]?.stringValue.map { " (\($0))" } ?? ""
                user.unsupported.append("an auth-provider\(providerName)")
            }
            for key in ["as", "as-uid", "as-groups", "as-user-extra"] where !(body[key]?.isNull ?? true) {
                user.unsupported.append("impersonation (\(key))")
            }
            users[name] = user
        }

        for (index, name, body) in try reader.namedList(document, "contexts", inner: "context") {
            let at = "contexts[\(index)].context"
            guard contexts[name] == nil else { throw reader.error("contexts[\(index)].name", "duplicate name \"\(name)\"") }
            guard let cluster = try reader.string(body, "cluster", at: at) else {
                throw reader.error("\(at).cluster", "required field is missing")
            }
            contexts[name] = Context(cluster: cluster, user: try reader.string(body, "user", at: at),
                                     namespace: try reader.string(body, "namespace", at: at))
        }
    }

    /// kubeconfig files are YAML (JSON being a subset of it). An empty file is an empty configuration.
    static func parseDocument(_ bytes: [UInt8], path: String?) throws -> JSONValue {
        do {
            let value = try YAML.decode(bytes)
            return value.isNull ? .object(JSONObject()) : value
        } catch {
            throw KubeConfigError.malformed(path: path, field: "", message: "\(error)")
        }
    }
}

/// Typed field access with errors that name the file and the field path.
private struct FieldReader {
    let path: String?

    func error(_ field: String, _ message: String) -> KubeConfigError {
        .malformed(path: path, field: field, message: message)
    }

    func string(_ object: JSONValue, _ key: String, at: String) throws -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        switch value {
        case .string(let s): return s
        // YAML gives unquoted numbers and booleans as such; kubectl would read them as strings.
        case .int(let i): return String(i)
        case .bool(let b): return String(b)
        default: throw error(join(at, key), "expected string, got \(value.typeName)")
        }
    }

    func bool(_ object: JSONValue, _ key: String, at: String) throws -> Bool? {
        guard let value = object[key], !value.isNull else { return nil }
        if let b = value.boolValue { return b }
        if let s = value.stringValue, let b = Bool(s.lowercased()) { return b }
        throw error(join(at, key), "expected boolean, got \(value.typeName)")
    }

    func base64(_ object: JSONValue, _ key: String, at: String, entry: String) throws -> [UInt8]? {
        guard let text = try string(object, key, at: at), !text.isEmpty else { return nil }
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else {
            throw KubeConfigError.invalidBase64(field: join(at, key), entry: entry)
        }
        return Array(data)
    }

    /// `[{name: x, <inner>: {...}}]` entries, with their index, name and inner mapping.
    func namedList(_ document: JSONValue, _ key: String, inner: String) throws -> [(Int, String, JSONValue)] {
        guard let value = document[key], !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw error(key, "expected a list, got \(value.typeName)") }
        var out: [(Int, String, JSONValue)] = []
        for (i, item) in items.enumerated() {
            guard item.objectValue != nil else { throw error("\(key)[\(i)]", "expected a mapping, got \(item.typeName)") }
            guard let name = try string(item, "name", at: "\(key)[\(i)]"), !name.isEmpty else {
                throw error("\(key)[\(i)].name", "required field is missing")
            }
            let body = item[inner] ?? .object(JSONObject())
            guard body.objectValue != nil || body.isNull else {
                throw error("\(key)[\(i)].\(inner)", "expected a mapping, got \(body.typeName)")
            }
            out.append((i, name, body.isNull ? .object(JSONObject()) : body))
        }
        return out
    }

    private func join(_ at: String, _ key: String) -> String { at.isEmpty ? key : "\(at).\(key)" }
}
