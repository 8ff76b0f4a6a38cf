// Where a client configuration comes from: a kubeconfig file list, the in-cluster service account, or the
// usual search order (controller-runtime's: explicit path, KUBECONFIG, in-cluster, ~/.kube/config).

import Foundation

extension ClientConfiguration {
    /// The service-account directory every pod gets mounted.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// From kubeconfig files: `paths` is a KUBECONFIG-style colon-separated list.
    public static func kubeconfig(paths: String, context: String? = nil) throws -> ClientConfiguration {
        try KubeConfig.load(pathList: paths).configuration(context: context)
    }

    /// In-cluster: the API server from `KUBERNETES_SERVICE_HOST`/`_PORT`, the token (re-read when it
    /// rotates), CA and namespace from the service-account directory. `directory` and `environment` are
    /// injectable for tests.
    public static func inCluster(directory: String = serviceAccountDirectory,
                                 environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> ClientConfiguration
    {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw KubeConfigError.notInCluster(missing: "KUBERNETES_SERVICE_HOST is not set")
        }
        guard let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw KubeConfigError.notInCluster(missing: "KUBERNETES_SERVICE_PORT is not set")
        }
        let tokenPath = directory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubeConfigError.notInCluster(missing: "no service-account token at \(tokenPath)")
        }
        let tokenFile = TokenFile(path: tokenPath)
        _ = try tokenFile.token()  // fail now, not at the first request, when it is empty

        let caPath = directory + "/ca.crt"
        var tls = TLSOptions()
        if FileManager.default.fileExists(atPath: caPath) { tls.certificateAuthority = .file(caPath) }

        var namespace = "default"
        if let text = try? String(contentsOfFile: directory + "/namespace", encoding: .utf8) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { namespace = trimmed }
        }
        // An IPv6 service address needs brackets in a URL.
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return ClientConfiguration(server: "https://\(hostPart):\(port)", tls: tls,
                                   credentials: .tokenFile(tokenFile), namespace: namespace)
    }

    /// The usual search: `explicitPath` (e.g. a `--kubeconfig` flag), then `KUBECONFIG`, then the in-cluster
    /// service account, then `~/.kube/config`.
    public static func load(explicitPath: String? = nil, context: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> ClientConfiguration
    {
        var searched: [String] = []
        if let explicitPath, !explicitPath.isEmpty {
            // An explicitly named file must exist.
            return try KubeConfig.load(path: explicitPath).configuration(context: context)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            return try kubeconfig(paths: list, context: context)
        }
        searched.append("KUBECONFIG")
        if environment["KUBERNETES_SERVICE_HOST"] != nil, context == nil {
            return try inCluster(environment: environment)
        }
        searched.append("in-cluster service account")
        if let home = environment["HOME"] {
            let path = home + "/.kube/config"
            if FileManager.default.fileExists(atPath: path) {
                return try KubeConfig.load(path: path).configuration(context: context)
            }
            searched.append(path)
        }
        throw KubeConfigError.noConfiguration(searched: searched)
    }
}
