// Runnable: a long-running part of a process (informer, controller, leader election, HTTP server), run by
// the Manager in one task group (controller-runtime's Runnable). Cancellation stops it; a graceful runnable can
// also be asked to finish the work it has in flight first (swift-service-lifecycle's idea, without the package).

public protocol Runnable: Sendable {
    /// A short name for logs.
    var name: String { get }
    /// Runs until cancelled, or until the service is done.
    func run() async throws
}

/// A service that can stop on request after finishing work in flight, e.g. a controller's running reconciles.
public protocol GracefulRunnable: Runnable {
    /// Asks `run()` to stop taking new work and return once the work in flight is finished. Idempotent.
    func shutDownGracefully()
}

/// Wraps a closure as a service.
public struct ClosureRunnable: Runnable {
    public let name: String
    private let body: @Sendable () async throws -> Void

    public init(name: String, _ body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
    }

    public func run() async throws { try await body() }
}
