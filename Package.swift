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
        .library(name: "GantryScheduling", targets: ["GantryScheduling"]),
    ],
    targets: [
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .target(name: "KubeCore", dependencies: ["CYAML"]),
        .target(name: "HTTPServer"),
        .target(name: "GantryScheduling"),
        .testTarget(name: "KubeCoreTests", dependencies: ["KubeCore"]),
        .testTarget(name: "GantrySchedulingTests", dependencies: ["GantryScheduling", "gantry-bench"]),
        .executableTarget(name: "gantry-bench", dependencies: ["KubeCore", "GantryScheduling"]),
    ],
    swiftLanguageModes: [.v6]
)
