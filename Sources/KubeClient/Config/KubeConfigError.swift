// KubeConfigError: why a client configuration could not be built, naming the file, context or entry.

public enum KubeConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Neither KUBECONFIG, ~/.kube/config nor an in-cluster service account was found.
    case noConfiguration(searched: [String])
    case unreadableFile(path: String, reason: String)
    /// The file is not a kubeconfig (syntax error, or a field of the wrong type); `field` is a path like
    /// `users[0].user.token`.
    case malformed(path: String?, field: String, message: String)
    case noCurrentContext
    case contextNotFound(String, available: [String])
    case clusterNotFound(String, context: String)
    case userNotFound(String, context: String)
    case missingServer(cluster: String)
    case invalidServer(String, cluster: String)
    /// An authentication mechanism this client does not implement (exec plugins, auth providers,
    /// impersonation): rejected rather than silently ignored.
    case unsupportedAuth(user: String, mechanism: String)
    /// A cluster option this client does not implement (proxy-url).
    case unsupportedClusterOption(cluster: String, option: String)
    case invalidBase64(field: String, entry: String)
    case emptyToken(path: String)
    /// In-cluster configuration requested outside a pod.
    case notInCluster(missing: String)

    public var description: String {
        switch self {
        case .noConfiguration(let searched):
            return "no Kubernetes configuration found (looked at: \(searched.joined(separator: ", ")))"
        case .unreadableFile(let path, let reason): return "cannot read \(path): \(reason)"
        case .malformed(let path, let field, let message):
            let location = [path, field.isEmpty ? nil : field].compactMap { $0 }.joined(separator: ": ")
            return "invalid kubeconfig \(location): \(message)"
        case .noCurrentContext: return "kubeconfig has no current-context and no context was named"
        case .contextNotFound(let name, let available):
            return "context \"\(name)\" not found in kubeconfig (available: \(available.joined(separator: ", ")))"
        case .clusterNotFound(let name, let context): return "cluster \"\(name)\" of context \"\(context)\" not found"
        case .userNotFound(let name, let context): return "user \"\(name)\" of context \"\(context)\" not found"
        case .missingServer(let cluster): return "cluster \"\(cluster)\" has no server"
        case .invalidServer(let server, let cluster):
            return "cluster \"\(cluster)\" has an invalid server \"\(server)\" (expected http:// or https:// URL)"
        case .unsupportedAuth(let user, let mechanism):
            return "user \"\(user)\" uses \(mechanism), which this client does not support; "
                + "use a token, tokenFile or client certificate instead"
        case .unsupportedClusterOption(let cluster, let option):
            return "cluster \"\(cluster)\" sets \(option), which this client does not support"
        case .invalidBase64(let field, let entry): return "\(field) of \"\(entry)\" is not valid base64"
        case .emptyToken(let path): return "token file \(path) is empty"
        case .notInCluster(let missing): return "not running in a cluster: \(missing)"
        }
    }
}
