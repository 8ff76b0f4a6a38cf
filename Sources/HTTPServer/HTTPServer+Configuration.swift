// What an `HTTPServer` listens on and the limits and timeouts that keep slow, half-open or hostile clients
// from pinning it. Defaults suit probes, the scheduler extender and the dev cluster's API server alike.

extension HTTPServer {
    public struct Configuration: Sendable {
        /// Address to bind: an IP literal or a name ("127.0.0.1", "::1", "0.0.0.0", "localhost").
        public var host: String
        /// 0 asks the kernel for a free port; `HTTPServer.port` tells which.
        public var port: Int
        public var backlog: Int32
        /// Threads doing socket I/O (handlers run on Swift's task pool, not on these).
        public var eventLoops: Int
        public var limits: Limits
        public var timeouts: Timeouts
        /// How long in-flight requests may take to finish once shutdown begins; then everything is closed.
        public var shutdownGracePeriod: Duration
        /// Whether streaming responses (watches) may run on during the grace period. When false they are
        /// closed as shutdown begins, which is what clients of a Kubernetes watch expect (they re-watch).
        public var drainStreamsOnShutdown: Bool

        public init(host: String = "127.0.0.1", port: Int = 0, backlog: Int32 = 512, eventLoops: Int = 1,
                    limits: Limits = Limits(), timeouts: Timeouts = Timeouts(),
                    shutdownGracePeriod: Duration = .seconds(10), drainStreamsOnShutdown: Bool = false) {
            self.host = host
            self.port = port
            self.backlog = backlog
            self.eventLoops = eventLoops
            self.limits = limits
            self.timeouts = timeouts
            self.shutdownGracePeriod = shutdownGracePeriod
            self.drainStreamsOnShutdown = drainStreamsOnShutdown
        }

        func validate() throws {
            guard (0...65535).contains(port) else { throw HTTPServerError.invalidConfiguration("port \(port)") }
            guard (1...64).contains(eventLoops) else {
                throw HTTPServerError.invalidConfiguration("eventLoops \(eventLoops) (1...64)")
            }
            try limits.validate()
            try timeouts.validate()
        }
    }

    public struct Limits: Sendable {
        /// Longest request line ("GET /path HTTP/1.1"); longer gets 414.
        public var maxRequestLineBytes: Int
        /// Request line plus header fields (and, separately, chunked trailers); more gets 431.
        public var maxHeaderBytes: Int
        /// Header fields per request; more gets 431.
        public var maxHeaderCount: Int
        /// Decoded request body; more gets 413.
        public var maxBodyBytes: Int
        /// Open connections; past it a new connection gets 503 and is closed.
        public var maxConnections: Int

        public init(maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 64 * 1024, maxHeaderCount: Int = 100,
                    maxBodyBytes: Int = 10 * 1024 * 1024, maxConnections: Int = 4096) {
            self.maxRequestLineBytes = maxRequestLineBytes
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodyBytes = maxBodyBytes
            self.maxConnections = maxConnections
        }

        func validate() throws {
            for (name, value) in [("maxRequestLineBytes", maxRequestLineBytes), ("maxHeaderBytes", maxHeaderBytes),
                                  ("maxHeaderCount", maxHeaderCount), ("maxConnections", maxConnections)]
            where value < 1 {
                throw HTTPServerError.invalidConfiguration("\(name) \(value) must be positive")
            }
            guard maxBodyBytes >= 0 else { throw HTTPServerError.invalidConfiguration("maxBodyBytes \(maxBodyBytes)") }
        }
    }

    public struct Timeouts: Sendable {
        /// From the first byte of a request to the end of its header fields; then 408.
        public var header: Duration
        /// From the end of the header fields to the end of the body; then 408.
        public var body: Duration
        /// How long a keep-alive connection may wait for its next request (or a new one for its first).
        public var idle: Duration
        /// How long queued response bytes may make no progress before the connection is dropped.
        public var writeStall: Duration

        public init(header: Duration = .seconds(10), body: Duration = .seconds(30), idle: Duration = .seconds(60),
                    writeStall: Duration = .seconds(30)) {
            self.header = header
            self.body = body
            self.idle = idle
            self.writeStall = writeStall
        }

        func validate() throws {
            for (name, value) in [("header", header), ("body", body), ("idle", idle), ("writeStall", writeStall)]
            where value <= .zero {
                throw HTTPServerError.invalidConfiguration("timeout \(name) must be positive")
            }
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating, for comparisons against the monotonic clock.
    var nanoseconds: UInt64 {
        let (s, atto) = components
        guard s >= 0 else { return 0 }
        let (ns, overflow) = UInt64(s).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        let (sum, o2) = ns.addingReportingOverflow(UInt64(atto / 1_000_000_000))
        return o2 ? .max : sum
    }
}
