// DevClusterServer: the API server on a loopback socket. It owns the HTTP listener so that the restart
// fault is a real one: the listener and every connection close, requests are refused for the downtime,
// and a new listener comes up on the same port with the stored state intact.

import Foundation
import HTTPServer
import KubeClient
import KubeCore
import Synchronization

public final class DevClusterServer: Sendable {
    public let api: APIServer
    public let host: String
    private let state: Mutex<(http: HTTPServer?, port: Int, stopped: Bool)>
    private let configuration: HTTPServer.Configuration

    /// Binds now (so `port` is known); call `run()` to serve.
    public init(api: APIServer, host: String = "127.0.0.1", port: Int = 0) throws {
        self.api = api
        self.host = host
        var config = HTTPServer.Configuration(host: host, port: port, eventLoops: 2)
        config.limits.maxBodyBytes = api.options.maxBodyBytes + 1
        config.timeouts.idle = .seconds(90)
        // Watches are long-lived and may be quiet: never drop a stream for a stall shorter than a minute.
        config.timeouts.writeStall = .seconds(60)
        config.shutdownGracePeriod = .seconds(2)
        self.configuration = config
        let http = try HTTPServer(configuration: config, handler: api.handler)
        state = Mutex((http, http.port, false))
        api.setRestartHook { [weak self] downtime in self?.restart(downtime: downtime) }
    }

    public var port: Int { state.withLock { $0.port } }
    public var url: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// Serves until `stop()`, across restarts.
    public func run() async throws {
        while true {
            let http = state.withLock { $0.stopped ? nil : $0.http }
            guard let http else { return }
            try await http.run()
            // run() returned: stopped, or restarting (the next listener is installed by `restart`).
            let next = await waitForNextListener(after: http)
            if next == nil { return }
        }
    }

    private func waitForNextListener(after old: HTTPServer) async -> HTTPServer? {
        while true {
            let (current, stopped) = state.withLock { ($0.http, $0.stopped) }
            if stopped { return nil }
            if let current, current !== old { return current }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    public func stop() {
        let http = state.withLock { s -> HTTPServer? in
            s.stopped = true
            return s.http
        }
        api.store.closeAllWatchers()
        http?.shutdown(gracePeriod: .milliseconds(500))
    }

    /// Closes the listener and all connections, then listens again on the same port after `downtime`.
    func restart(downtime: Double) {
        let old = state.withLock { $0.http }
        api.store.closeAllWatchers()
        old?.shutdown(gracePeriod: .milliseconds(100))
        let port = self.port
        Task.detached { [self] in
            await Pause.sleep(max(0.05, downtime))
            var config = configuration
            config.port = port
            for _ in 0..<100 {
                if state.withLock({ $0.stopped }) { return }
                if let http = try? HTTPServer(configuration: config, handler: api.handler) {
                    state.withLock { $0.http = http }
                    return
                }
                // The old socket may linger a moment.
                try? await Task.sleep(nanoseconds: 50_000_000)
            }
        }
    }

    /// Serves in the background, for tests and tools that embed the dev cluster; `stop()` ends it.
    ///
    ///     let cluster = try DevClusterServer(api: APIServer(), port: 0)
    ///     cluster.start()
    ///     let client = try KubeClient(configuration: cluster.clientConfiguration)
    public func start() {
        Task.detached { [self] in try? await run() }
    }

    /// How KubeClient reaches this server.
    public var clientConfiguration: ClientConfiguration {
        ClientConfiguration(server: url, requestTimeout: .seconds(30), connectTimeout: .seconds(5), userAgent: "gantry-devcluster-client")
    }

    /// A kubeconfig for kubectl and helm pointing at this server (no credentials: loopback only).
    public func kubeconfig(context: String = "gantry-devcluster") -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: \(context)
          cluster:
            server: \(url)
        contexts:
        - name: \(context)
          context:
            cluster: \(context)
            user: \(context)
            namespace: default
        current-context: \(context)
        users:
        - name: \(context)
          user: {}
        preferences: {}

        """
    }
}
