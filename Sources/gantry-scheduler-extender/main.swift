// gantry-scheduler-extender: the HTTP webhook kube-scheduler calls (filter, prioritize, bind, preempt). Parses
// flags and environment, builds the service, serves verbs, probes and metrics on one port until SIGTERM.

import Foundation
import GantryControllers
import HTTPServer
import KubeClient
import KubeRuntime

let configuration: ExtenderConfiguration
do {
    configuration = try ExtenderConfiguration.parse(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    let text = "\(error)"
    let isHelp = text == ExtenderConfiguration.usage
    FileHandle.standardError.write(Data((isHelp ? text : "gantry-scheduler-extender: \(text)\n\n\(ExtenderConfiguration.usage)") .utf8 + [10]))
    exit(isHelp ? 0 : 2)
}

let logger = Logger(label: "gantry-scheduler-extender", level: configuration.logLevel, format: configuration.logFormat)
do {
    let client = try KubeClient(configuration: try ClientConfiguration.load(explicitPath: configuration.kubeconfig,
                                                                           context: configuration.context))
    // Probes and metrics are served on the verbs' port and, unless --probe-port 0, on their own port too: the
    // verbs may listen on loopback only (a sidecar of kube-scheduler) while the kubelet and Prometheus need the pod IP.
    let probes = configuration.probePort > 0 ? HTTPServer.Configuration(host: configuration.probeHost, port: configuration.probePort) : nil
    let manager = Manager(ManagerConfiguration(name: "gantry-scheduler-extender", probes: probes), logger: logger)
    let service = ExtenderService(client: client, configuration: configuration, registry: manager.metrics, logger: logger)
    await service.register(with: manager)
    let server = try service.makeServer(fallback: manager.httpHandler)
    await manager.addRunnable(ClosureRunnable(name: "extender-http") { try await server.run() })
    logger.info("serving", ["address": "\(configuration.host):\(server.port)", "verbs": "\(configuration.pathPrefix)/{filter,prioritize,bind,preempt}"])
    exit(await manager.runUntilStopped())
} catch {
    logger.error("cannot start", ["error": error])
    exit(1)
}
