// swift-tools-version:6.0
// Gantry: a Kubernetes operator suite for heterogeneous AI accelerators.
// No Swift package dependencies by design: Foundation, Dispatch, Synchronization, and the C libraries
// libcurl and libyaml through system-library targets. Layers (see docs and ../shared/DESIGN.md §3) depend
// strictly downwards in the order the targets are listed.
import PackageDescription

let package = Package(
    name: "Gantry",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "KubeCore", targets: ["KubeCore"]),
        .library(name: "DevCluster", targets: ["DevCluster"]),
        .library(name: "KubeClient", targets: ["KubeClient"]),
        .library(name: "KubeRuntime", targets: ["KubeRuntime"]),
        .library(name: "GantryAPI", targets: ["GantryAPI"]),
        .library(name: "GantryScheduling", targets: ["GantryScheduling"]),
        .library(name: "GantryControllers", targets: ["GantryControllers"]),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // epoll, eventfd and accept4 from libc headers (header-only: links nothing).
        .systemLibrary(name: "CEpoll"),

        // Libraries, lowest layer first.
        .target(name: "KubeCore", dependencies: ["CYAML"]),
        .target(name: "KubeClient", dependencies: ["KubeCore", "CCurl"]),
        .target(name: "HTTPServer", dependencies: ["CEpoll"]),
        .target(name: "KubeRuntime", dependencies: ["KubeCore", "KubeClient", "HTTPServer"]),
        .target(name: "GantryAPI", dependencies: ["KubeCore"]),
        .target(name: "GantryScheduling", dependencies: ["KubeCore", "GantryAPI"]),
        .target(name: "GantryControllers", dependencies: ["KubeCore", "KubeRuntime", "KubeClient", "HTTPServer", "GantryAPI", "GantryScheduling"]),
        .target(name: "DevCluster", dependencies: ["KubeCore", "KubeClient", "GantryAPI", "HTTPServer"]),

        // Executables.
        .executableTarget(name: "gantry-manifests", dependencies: ["GantryAPI"]),
        .executableTarget(name: "gantry-devcluster", dependencies: ["DevCluster", "KubeCore", "HTTPServer"]),
        .executableTarget(name: "gantry-scheduler-extender", dependencies: ["GantryControllers", "KubeRuntime", "KubeClient", "HTTPServer"]),
        .executableTarget(name: "gantry-training-controller", dependencies: ["GantryControllers", "KubeRuntime", "KubeClient", "HTTPServer"]),
        .executableTarget(name: "gantry-demo", dependencies: ["GantryAPI", "KubeClient", "KubeCore", "HTTPServer"]),
        .executableTarget(name: "gantry-bench", dependencies: ["KubeCore", "KubeClient", "HTTPServer", "KubeRuntime", "DevCluster",
                                                              "GantryAPI", "GantryScheduling", "GantryControllers"]),

        // Tests.
        .testTarget(name: "KubeCoreTests", dependencies: ["KubeCore"]),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "KubeCore", "HTTPServer"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "KubeRuntimeTests", dependencies: ["KubeRuntime", "KubeClient", "KubeCore", "HTTPServer", "DevCluster"]),
        .testTarget(name: "GantryAPITests", dependencies: ["GantryAPI", "KubeCore"]),
        .testTarget(name: "DevClusterTests", dependencies: ["DevCluster", "KubeCore", "KubeClient", "GantryAPI", "HTTPServer"]),
        .testTarget(name: "GantrySchedulingTests", dependencies: ["GantryScheduling", "GantryAPI", "KubeCore", "gantry-bench"]),
        .testTarget(name: "GantryControllersTests", dependencies: ["GantryControllers", "GantryScheduling", "GantryAPI", "DevCluster", "KubeRuntime", "KubeClient", "KubeCore", "HTTPServer"]),
    ],
    swiftLanguageModes: [.v6]
)
