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
        .target(name: "GantryControllers", dependencies: ["KubeCore", "KubeClient", "KubeRuntime", "GantryAPI"]),
        .target(name: "DevCluster", dependencies: ["KubeCore", "KubeClient", "GantryAPI", "HTTPServer"]),

        // Executables.
        .executableTarget(name: "gantry-manifests", dependencies: ["GantryAPI"]),
        .executableTarget(name: "gantry-devcluster", dependencies: ["DevCluster", "KubeCore", "HTTPServer"]),
        .executableTarget(name: "gantry-training-controller", dependencies: ["GantryControllers", "KubeRuntime", "KubeClient", "HTTPServer"]),
        .executableTarget(name: "gantry-demo", dependencies: ["GantryAPI", "KubeClient", "KubeCore"]),
        .executableTarget(name: "gantry-bench", dependencies: ["KubeCore", "KubeClient", "HTTPServer", "KubeRuntime", "DevCluster", "GantryAPI", "GantryControllers"]),

        // Tests.
        .testTarget(name: "KubeCoreTests", dependencies: ["KubeCore"]),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "KubeCore", "HTTPServer"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "KubeRuntimeTests", dependencies: ["KubeRuntime", "KubeClient", "KubeCore", "HTTPServer"]),
        .testTarget(name: "GantryAPITests", dependencies: ["GantryAPI", "KubeCore"]),
        .testTarget(name: "GantryControllersTests", dependencies: ["GantryControllers", "DevCluster", "KubeRuntime", "KubeClient", "KubeCore", "GantryAPI", "HTTPServer"]),
        .testTarget(name: "DevClusterTests", dependencies: ["DevCluster", "KubeCore", "KubeClient", "GantryAPI", "HTTPServer"]),
    ],
    swiftLanguageModes: [.v6]
)
