// TLS settings reach libcurl: CA from memory and from a file, tls-server-name, insecure-skip-tls-verify and
// client certificates, against `openssl s_server` with certificates made for the test. Skipped where the
// openssl command is missing.

import Foundation
import KubeClient
import Testing

private let opensslPath = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite(.enabled(if: opensslPath != nil, "needs the openssl command"), .serialized)
struct TLSTests {
    /// A CA, a server certificate for `kubernetes.default` only (not 127.0.0.1), and a client certificate.
    final class PKI: Sendable {
        let dir: String

        init() throws {
            dir = try temporaryDirectory()
            try run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                     "-out", "ca.pem", "-days", "2", "-subj", "/CN=gantry-test-ca"])
            for (name, extensions) in [("server", "subjectAltName=DNS:kubernetes.default"),
                                       ("client", "extendedKeyUsage=clientAuth")] {
                try run(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(name).key",
                         "-out", "\(name).csr", "-subj", "/CN=\(name == "server" ? "kubernetes.default" : "gantry-controller")"])
                try write(extensions + "\n", to: "\(dir)/\(name).ext")
                try run(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                         "-out", "\(name).pem", "-days", "2", "-extfile", "\(name).ext"])
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: dir) }

        func data(_ file: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(file)"))) }

        private func run(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: opensslPath ?? "openssl")
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: dir)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw TestError.timedOut("openssl \(arguments.first ?? "") failed") }
        }
    }

    /// `openssl s_server -www` on a free port; answers `GET /` with 200.
    final class TLSServer: @unchecked Sendable {
        // @unchecked: the process is only started in init and killed in stop().
        let process = Process()
        let port: Int

        init(pki: PKI, requireClientCertificate: Bool = false) throws {
            port = unusedPort()
            process.executableURL = URL(fileURLWithPath: opensslPath ?? "openssl")
            var arguments = ["s_server", "-accept", String(port), "-cert", "server.pem", "-key", "server.key", "-www"]
            if requireClientCertificate { arguments += ["-Verify", "1", "-CAfile", "ca.pem"] }
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: pki.dir)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        /// Waits until the port accepts connections.
        func ready() async throws {
            let port = self.port
            try await eventually("s_server listening on \(port)") { canConnect(port: port) }
        }

        func stop() {
            // SIGKILL: a child can inherit a signal mask with SIGTERM blocked from the spawning thread.
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    func fetch(port: Int, tls: TLSOptions, host: String = "127.0.0.1") async throws -> Int {
        let client = try KubeClient(configuration: ClientConfiguration(server: "https://\(host):\(port)", tls: tls,
                                                                        requestTimeout: .seconds(10)))
        return try await client.send(TransportRequest(method: .get, path: "/")).status
    }

    func transportKind(_ body: () async throws -> Int) async -> TransportError.Kind? {
        do {
            _ = try await body()
            return nil
        } catch KubeError.transport(let error) {
            return error.kind
        } catch {
            return nil
        }
    }

    @Test func caFromMemoryAndFileWithServerName() async throws {
        let pki = try PKI()
        let server = try TLSServer(pki: pki)
        defer { server.stop() }
        try await server.ready()
        let fromMemory = TLSOptions(certificateAuthority: .data(try pki.data("ca.pem")), serverName: "kubernetes.default")
        #expect(try await fetch(port: server.port, tls: fromMemory) == 200)
        let fromFile = TLSOptions(certificateAuthority: .file(pki.dir + "/ca.pem"), serverName: "kubernetes.default")
        #expect(try await fetch(port: server.port, tls: fromFile) == 200)
    }

    @Test func verificationFailuresAreTLSErrors() async throws {
        let pki = try PKI()
        let server = try TLSServer(pki: pki)
        defer { server.stop() }
        try await server.ready()
        // Unknown issuer: the system trust store does not know the test CA.
        #expect(await transportKind { try await fetch(port: server.port, tls: TLSOptions(serverName: "kubernetes.default")) } == .tls)
        // Right CA, wrong name: the certificate is for kubernetes.default, not 127.0.0.1.
        let noServerName = TLSOptions(certificateAuthority: .data(try pki.data("ca.pem")))
        #expect(await transportKind { try await fetch(port: server.port, tls: noServerName) } == .tls)
        // A CA that did not sign the server certificate.
        let otherCA = TLSOptions(certificateAuthority: .data(try pki.data("client.pem")), serverName: "kubernetes.default")
        #expect(await transportKind { try await fetch(port: server.port, tls: otherCA) } == .tls)
    }

    @Test func insecureSkipVerifyAcceptsAnyCertificate() async throws {
        let pki = try PKI()
        let server = try TLSServer(pki: pki)
        defer { server.stop() }
        try await server.ready()
        #expect(try await fetch(port: server.port, tls: TLSOptions(insecureSkipVerify: true)) == 200)
    }

    @Test func clientCertificateFromMemoryAndFiles() async throws {
        let pki = try PKI()
        let server = try TLSServer(pki: pki, requireClientCertificate: true)
        defer { server.stop() }
        try await server.ready()
        let ca = PEMSource.data(try pki.data("ca.pem"))
        let withData = TLSOptions(certificateAuthority: ca, clientCertificate: .data(try pki.data("client.pem")),
                                  clientKey: .data(try pki.data("client.key")), serverName: "kubernetes.default")
        #expect(try await fetch(port: server.port, tls: withData) == 200)
        let withFiles = TLSOptions(certificateAuthority: ca, clientCertificate: .file(pki.dir + "/client.pem"),
                                   clientKey: .file(pki.dir + "/client.key"), serverName: "kubernetes.default")
        #expect(try await fetch(port: server.port, tls: withFiles) == 200)
        // Without a client certificate the server refuses the handshake (reported as TLS or as a dropped
        // connection, depending on when OpenSSL notices); either way no response.
        let without = TLSOptions(certificateAuthority: ca, serverName: "kubernetes.default")
        let kind = await transportKind { try await fetch(port: server.port, tls: without) }
        #expect(kind == .tls || kind == .io)
    }
}
