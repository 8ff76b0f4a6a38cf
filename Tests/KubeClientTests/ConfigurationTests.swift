// kubeconfig loading (merging, contexts, inline data vs files, unsupported entries) and in-cluster
// configuration from a fake service-account directory, including token rotation.

import Foundation
import KubeClient
import KubeCore
import Testing

struct KubeConfigTests {
    static let caPEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    static let caBase64 = Data(caPEM.utf8).base64EncodedString()

    static let primary = """
    {
      "apiVersion": "v1", "kind": "Config",
      "current-context": "dev",
      "clusters": [
        {"name": "dev-cluster", "cluster": {"server": "https://10.0.0.1:6443/", "certificate-authority-data": "\(caBase64)",
                                            "tls-server-name": "kubernetes.default"}},
        {"name": "shared", "cluster": {"server": "https://primary.example:443", "certificate-authority": "certs/ca.pem"}}
      ],
      "users": [
        {"name": "dev-user", "user": {"token": "primary-token"}},
        {"name": "cert-user", "user": {"client-certificate": "certs/client.pem", "client-key": "/abs/key.pem"}}
      ],
      "contexts": [
        {"name": "dev", "context": {"cluster": "dev-cluster", "user": "dev-user", "namespace": "team-a"}},
        {"name": "shared", "context": {"cluster": "shared", "user": "cert-user"}}
      ]
    }
    """

    static let secondary = """
    {
      "current-context": "other",
      "clusters": [
        {"name": "shared", "cluster": {"server": "https://secondary.example:443"}},
        {"name": "extra", "cluster": {"server": "http://127.0.0.1:8080", "insecure-skip-tls-verify": true}}
      ],
      "users": [
        {"name": "dev-user", "user": {"token": "secondary-token"}},
        {"name": "file-user", "user": {"tokenFile": "token.txt"}},
        {"name": "basic-user", "user": {"username": "admin", "password": "secret"}},
        {"name": "exec-user", "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "aws"}}},
        {"name": "provider-user", "user": {"auth-provider": {"name": "oidc"}}},
        {"name": "as-user", "user": {"token": "t", "as": "someone-else"}}
      ],
      "contexts": [
        {"name": "other", "context": {"cluster": "extra", "user": "file-user"}},
        {"name": "extra", "context": {"cluster": "extra", "user": "basic-user"}},
        {"name": "exec", "context": {"cluster": "extra", "user": "exec-user"}},
        {"name": "provider", "context": {"cluster": "extra", "user": "provider-user"}},
        {"name": "impersonate", "context": {"cluster": "extra", "user": "as-user"}},
        {"name": "dangling", "context": {"cluster": "nowhere", "user": "dev-user"}}
      ]
    }
    """

    func withFiles(_ body: (String, String, String) throws -> Void) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/one", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/two", withIntermediateDirectories: true)
        try write(Self.primary, to: dir + "/one/config")
        try write(Self.secondary, to: dir + "/two/config")
        try body(dir, dir + "/one/config", dir + "/two/config")
    }

    @Test func currentContextWithInlineCAAndToken() throws {
        try withFiles { _, one, _ in
            let config = try ClientConfiguration.kubeconfig(paths: one)
            #expect(config.server == "https://10.0.0.1:6443")
            #expect(config.namespace == "team-a")
            #expect(config.tls.certificateAuthority == .data(Array(Self.caPEM.utf8)))
            #expect(config.tls.serverName == "kubernetes.default")
            #expect(config.tls.insecureSkipVerify == false)
            guard case .bearerToken(let token) = config.credentials else {
                Issue.record("expected a bearer token")
                return
            }
            #expect(token == "primary-token")
        }
    }

    @Test func mergedFilesFirstDefinitionWins() throws {
        try withFiles { dir, one, two in
            let merged = try KubeConfig.load(pathList: "\(one):\(dir)/missing:\(two)")
            #expect(merged.currentContext == "dev")
            #expect(merged.clusters["shared"]?.server == "https://primary.example:443")
            #expect(merged.users["dev-user"]?.token == "primary-token")
            // Names only the second file defines are still there.
            #expect(merged.clusters["extra"]?.server == "http://127.0.0.1:8080")
            #expect(merged.contexts["other"] != nil)

            let reversed = try KubeConfig.load(pathList: "\(two):\(one)")
            #expect(reversed.currentContext == "other")
            #expect(reversed.clusters["shared"]?.server == "https://secondary.example:443")
        }
    }

    @Test func namedContextsAndRelativePaths() throws {
        try withFiles { dir, one, two in
            let shared = try ClientConfiguration.kubeconfig(paths: "\(one):\(two)", context: "shared")
            #expect(shared.server == "https://primary.example:443")
            #expect(shared.namespace == "default")
            // Paths are relative to the file that holds them; absolute paths stay.
            #expect(shared.tls.certificateAuthority == .file(dir + "/one/certs/ca.pem"))
            #expect(shared.tls.clientCertificate == .file(dir + "/one/certs/client.pem"))
            #expect(shared.tls.clientKey == .file("/abs/key.pem"))

            let other = try ClientConfiguration.kubeconfig(paths: "\(one):\(two)", context: "other")
            #expect(other.tls.insecureSkipVerify)
            guard case .tokenFile(let file) = other.credentials else {
                Issue.record("expected a token file")
                return
            }
            #expect(file.path == dir + "/two/token.txt")

            let basic = try ClientConfiguration.kubeconfig(paths: two, context: "extra")
            guard case .basic(let user, let password) = basic.credentials else {
                Issue.record("expected basic auth")
                return
            }
            #expect(user == "admin" && password == "secret")
        }
    }

    @Test func unsupportedAuthIsNamed() throws {
        try withFiles { _, _, two in
            #expect(throws: KubeConfigError.unsupportedAuth(user: "exec-user", mechanism: "an exec credential plugin (aws)")) {
                _ = try ClientConfiguration.kubeconfig(paths: two, context: "exec")
            }
            #expect(throws: KubeConfigError.unsupportedAuth(user: "provider-user", mechanism: "an auth-provider (oidc)")) {
                _ = try ClientConfiguration.kubeconfig(paths: two, context: "provider")
            }
            #expect(throws: KubeConfigError.unsupportedAuth(user: "as-user", mechanism: "impersonation (as)")) {
                _ = try ClientConfiguration.kubeconfig(paths: two, context: "impersonate")
            }
            let message = KubeConfigError.unsupportedAuth(user: "exec-user", mechanism: "an exec credential plugin (aws)").description
            #expect(message.contains("exec credential plugin"))
        }
    }

    @Test func missingPiecesAreNamed() throws {
        try withFiles { dir, one, two in
            #expect(throws: KubeConfigError.contextNotFound("nope", available: ["dev", "shared"])) {
                _ = try ClientConfiguration.kubeconfig(paths: one, context: "nope")
            }
            #expect(throws: KubeConfigError.clusterNotFound("nowhere", context: "dangling")) {
                _ = try ClientConfiguration.kubeconfig(paths: two, context: "dangling")
            }
            #expect(throws: KubeConfigError.noConfiguration(searched: ["\(dir)/a", "\(dir)/b"])) {
                _ = try KubeConfig.load(pathList: "\(dir)/a::\(dir)/b")
            }
        }
        #expect(throws: KubeConfigError.noCurrentContext) { _ = try KubeConfig().configuration() }
    }

    @Test func malformedDocumentsReportTheField() throws {
        func load(_ text: String) throws -> KubeConfig {
            try KubeConfig(document: try JSONParser.parse(text), path: "cfg")
        }
        #expect(throws: KubeConfigError.malformed(path: "cfg", field: "clusters", message: "expected a list, got object")) {
            _ = try load(#"{"clusters": {"a": 1}}"#)
        }
        #expect(throws: KubeConfigError.malformed(path: "cfg", field: "users[0].user.token", message: "expected string, got array")) {
            _ = try load(#"{"users": [{"name": "u", "user": {"token": [1]}}]}"#)
        }
        #expect(throws: KubeConfigError.malformed(path: "cfg", field: "contexts[1].name", message: "duplicate name \"c\"")) {
            _ = try load(#"{"contexts": [{"name": "c", "context": {"cluster": "x"}}, {"name": "c", "context": {"cluster": "y"}}]}"#)
        }
        #expect(throws: KubeConfigError.invalidBase64(field: "clusters[0].cluster.certificate-authority-data", entry: "c")) {
            _ = try load(#"{"clusters": [{"name": "c", "cluster": {"certificate-authority-data": "not base64!"}}]}"#)
        }
        #expect(throws: KubeConfigError.malformed(path: "cfg", field: "contexts[0].context.cluster", message: "required field is missing")) {
            _ = try load(#"{"contexts": [{"name": "c", "context": {"user": "u"}}]}"#)
        }
    }

    @Test func serverURLAndProxyAreChecked() throws {
        let bad = KubeConfig(currentContext: "c", clusters: ["x": .init(server: "ftp://host")], contexts: ["c": .init(cluster: "x")])
        #expect(throws: KubeConfigError.invalidServer("ftp://host", cluster: "x")) { _ = try bad.configuration() }
        let proxied = KubeConfig(currentContext: "c", clusters: ["x": .init(server: "https://h", proxyURL: "http://proxy:3128")],
                                 contexts: ["c": .init(cluster: "x")])
        #expect(throws: KubeConfigError.unsupportedClusterOption(cluster: "x", option: "proxy-url")) { _ = try proxied.configuration() }
    }

    @Test func searchOrderPrefersKUBECONFIGThenInClusterThenHome() throws {
        try withFiles { dir, one, _ in
            let fromEnv = try ClientConfiguration.load(environment: ["KUBECONFIG": one, "HOME": dir])
            #expect(fromEnv.server == "https://10.0.0.1:6443")
            try FileManager.default.createDirectory(atPath: dir + "/.kube", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: one, toPath: dir + "/.kube/config")
            let fromHome = try ClientConfiguration.load(environment: ["HOME": dir])
            #expect(fromHome.namespace == "team-a")
            #expect(throws: KubeConfigError.self) {
                _ = try ClientConfiguration.load(environment: ["HOME": dir + "/empty"])
            }
        }
    }
}

struct InClusterConfigTests {
    func makeServiceAccount(token: String = "token-1\n", namespace: String? = "gantry-system") throws -> String {
        let dir = try temporaryDirectory()
        try write(token, to: dir + "/token")
        try write("-----BEGIN CERTIFICATE-----\n", to: dir + "/ca.crt")
        if let namespace { try write(namespace, to: dir + "/namespace") }
        return dir
    }

    @Test func readsServiceAccountDirectory() throws {
        let dir = try makeServiceAccount()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let config = try ClientConfiguration.inCluster(directory: dir, environment: env)
        #expect(config.server == "https://10.96.0.1:443")
        #expect(config.namespace == "gantry-system")
        #expect(config.tls.certificateAuthority == .file(dir + "/ca.crt"))
        guard case .tokenFile(let file) = config.credentials else {
            Issue.record("expected a token file")
            return
        }
        #expect(try file.token() == "token-1")

        let v6 = try ClientConfiguration.inCluster(directory: dir, environment: ["KUBERNETES_SERVICE_HOST": "fd00::1",
                                                                                 "KUBERNETES_SERVICE_PORT": "6443"])
        #expect(v6.server == "https://[fd00::1]:6443")
    }

    @Test func missingPiecesAreNamed() throws {
        let dir = try makeServiceAccount(namespace: nil)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: KubeConfigError.notInCluster(missing: "KUBERNETES_SERVICE_HOST is not set")) {
            _ = try ClientConfiguration.inCluster(directory: dir, environment: [:])
        }
        let env = ["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"]
        #expect(try ClientConfiguration.inCluster(directory: dir, environment: env).namespace == "default")
        #expect(throws: KubeConfigError.notInCluster(missing: "no service-account token at \(dir)/nope/token")) {
            _ = try ClientConfiguration.inCluster(directory: dir + "/nope", environment: env)
        }
        try write("  \n", to: dir + "/token")
        #expect(throws: KubeConfigError.emptyToken(path: dir + "/token")) {
            _ = try ClientConfiguration.inCluster(directory: dir, environment: env)
        }
    }

    @Test func tokenIsReReadWhenTheFileRotates() throws {
        let dir = try makeServiceAccount()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = TokenFile(path: dir + "/token")
        #expect(try file.token() == "token-1")
        #expect(try file.token() == "token-1")

        // The kubelet swaps a symlink to a new file; an atomic replace changes the inode the same way.
        try write("token-2", to: dir + "/token.new")
        _ = rename(dir + "/token.new", dir + "/token")
        #expect(try file.token() == "token-2")

        // Rewritten in place with a different length.
        try "token-three".write(toFile: dir + "/token", atomically: false, encoding: .utf8)
        #expect(try file.token() == "token-three")

        // Briefly missing mid-rotation: the last good token keeps working.
        try FileManager.default.removeItem(atPath: dir + "/token")
        #expect(try file.token() == "token-three")
        file.invalidate()
        #expect(throws: KubeConfigError.self) { _ = try file.token() }
    }

    @Test func symlinkSwapAsTheKubeletDoesIt() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/..2024_a", withIntermediateDirectories: true)
        try write("first", to: dir + "/..2024_a/token")
        try fm.createSymbolicLink(atPath: dir + "/..data", withDestinationPath: "..2024_a")
        try fm.createSymbolicLink(atPath: dir + "/token", withDestinationPath: "..data/token")
        let file = TokenFile(path: dir + "/token")
        #expect(try file.token() == "first")

        try fm.createDirectory(atPath: dir + "/..2024_b", withIntermediateDirectories: true)
        try write("second", to: dir + "/..2024_b/token")
        try fm.createSymbolicLink(atPath: dir + "/..data_tmp", withDestinationPath: "..2024_b")
        _ = rename(dir + "/..data_tmp", dir + "/..data")
        #expect(try file.token() == "second")
    }
}

struct KubeConfigYAMLTests {
    // As kubectl/kind write it: block style, base64 data, YAML 1.1 booleans.
    static let kindConfig = """
    apiVersion: v1
    kind: Config
    preferences: {}
    current-context: kind-gantry
    clusters:
    - cluster:
        certificate-authority-data: \(KubeConfigTests.caBase64)
        server: https://127.0.0.1:40123
      name: kind-gantry
    - cluster:
        server: https://staging.example:6443
        insecure-skip-tls-verify: yes
      name: staging
    contexts:
    - context:
        cluster: kind-gantry
        user: kind-gantry
      name: kind-gantry
    - context:
        cluster: staging
        namespace: "0123"
        user: token-user
      name: staging
    users:
    - name: kind-gantry
      user:
        client-certificate-data: \(Data("CERT".utf8).base64EncodedString())
        client-key-data: \(Data("KEY".utf8).base64EncodedString())
    - name: token-user
      user:
        token: 12345
    """

    @Test func readsKubectlStyleYAML() throws {
        let config = try KubeConfig(yaml: Self.kindConfig)
        let current = try config.configuration()
        #expect(current.server == "https://127.0.0.1:40123")
        #expect(current.tls.certificateAuthority == .data(Array(KubeConfigTests.caPEM.utf8)))
        #expect(current.tls.clientCertificate == .data(Array("CERT".utf8)))
        #expect(current.tls.clientKey == .data(Array("KEY".utf8)))

        let staging = try config.configuration(context: "staging")
        #expect(staging.tls.insecureSkipVerify)
        #expect(staging.namespace == "0123")
        guard case .bearerToken(let token) = staging.credentials else {
            Issue.record("expected a token")
            return
        }
        #expect(token == "12345")
    }

    @Test func mergesYAMLAndJSONFiles() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(Self.kindConfig, to: dir + "/kind.yaml")
        try write(KubeConfigTests.secondary, to: dir + "/other.json")
        let merged = try KubeConfig.load(pathList: "\(dir)/kind.yaml:\(dir)/other.json")
        #expect(merged.currentContext == "kind-gantry")
        #expect(Set(merged.contexts.keys).isSuperset(of: ["kind-gantry", "staging", "other", "exec"]))
    }

    @Test func emptyFileIsAnEmptyConfiguration() throws {
        let empty = try KubeConfig(yaml: "# nothing here\n")
        #expect(empty.contexts.isEmpty && empty.currentContext == nil)
    }

    @Test func yamlSyntaxErrorsNameTheFileAndLine() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("clusters:\n- name: a\n  cluster: {server: \"unterminated\n", to: dir + "/bad")
        do {
            _ = try KubeConfig.load(path: dir + "/bad")
            Issue.record("expected an error")
        } catch let KubeConfigError.malformed(path, _, message) {
            #expect(path == dir + "/bad")
            #expect(message.contains("line"))
        }
        #expect(throws: KubeConfigError.self) { _ = try KubeConfig(yaml: "users: [a, b]\n") }
    }
}
