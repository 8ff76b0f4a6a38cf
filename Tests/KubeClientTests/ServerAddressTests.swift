@testable import KubeClient
import Testing

struct ServerAddressTests {
    @Test func plainServersKeepTheirAuthorityAndPrefix() throws {
        #expect(try ServerAddress(server: "https://10.0.0.1:6443", tlsServerName: nil).baseURL == "https://10.0.0.1:6443")
        #expect(try ServerAddress(server: "https://h/k8s/clusters/c1/", tlsServerName: nil).baseURL == "https://h/k8s/clusters/c1")
        #expect(try ServerAddress(server: "https://[fd00::1]:443", tlsServerName: nil).baseURL == "https://[fd00::1]:443")
        #expect(try ServerAddress(server: "https://h", tlsServerName: "h").connectTo == nil)
    }

    @Test func tlsServerNameConnectsToTheRealHost() throws {
        let a = try ServerAddress(server: "https://10.0.0.1:6443", tlsServerName: "kubernetes.default")
        #expect(a.baseURL == "https://kubernetes.default:6443")
        #expect(a.connectTo == "kubernetes.default:6443:10.0.0.1:6443")
        let v6 = try ServerAddress(server: "https://[fd00::1]", tlsServerName: "api")
        #expect(v6.baseURL == "https://api:443")
        #expect(v6.connectTo == "api:443:[fd00::1]:443")
    }

    @Test(arguments: ["10.0.0.1:6443", "ftp://h", "https://", "https://user:pw@h", "https://[::1", "https://h:port"])
    func invalidServersAreRejected(server: String) {
        #expect(throws: TransportError.self) { _ = try ServerAddress(server: server, tlsServerName: nil) }
    }
}
