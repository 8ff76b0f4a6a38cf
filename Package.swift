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
        .library(name: "GantryAPI", targets: ["GantryAPI"]),
    ],
    targets: [
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .target(name: "KubeCore", dependencies: ["CYAML"]),
        .target(name: "KubeClient", dependencies: ["KubeCore", "CCurl"]),
        // epoll, eventfd and accept4 from libc headers (header-only: links nothing).
        .systemLibrary(name: "CEpoll"),
        .target(name: "HTTPServer", dependencies: ["CEpoll"]),
        .target(name: "GantryAPI", dependencies: ["KubeCore"]),
        .testTarget(name: "KubeCoreTests", dependencies: ["KubeCore"]),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "KubeCore", "HTTPServer"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .target(name: "DevCluster", dependencies: ["KubeCore", "KubeClient", "GantryAPI", "HTTPServer"]),
        .executableTarget(name: "gantry-devcluster", dependencies: ["DevCluster", "KubeCore", "HTTPServer"]),
        .testTarget(name: "DevClusterTests", dependencies: ["DevCluster", "KubeCore", "KubeClient", "GantryAPI", "HTTPServer"]),
        .executableTarget(name: "gantry-bench", dependencies: ["KubeCore", "KubeClient", "DevCluster", "HTTPServer"]),
        .testTarget(name: "GantryAPITests", dependencies: ["GantryAPI", "KubeCore"]),
        .executableTarget(name: "gantry-manifests", dependencies: ["GantryAPI"]),
    ],
    swiftLanguageModes: [.v6]
)
