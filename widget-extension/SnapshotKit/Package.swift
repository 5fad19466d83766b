// swift-tools-version:5.9
// SnapshotKit: the poolwatch widget snapshot model and all view-model logic.
// Foundation only, so it builds and is unit-tested on Linux (.ci/swift-test) as well as on macOS.
import PackageDescription

let package = Package(
    name: "SnapshotKit",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SnapshotKit", targets: ["SnapshotKit"]),
    ],
    targets: [
        .target(name: "SnapshotKit"),
        // Fixtures/ holds schema-3 snapshots the tests read by path (#filePath), not as bundle resources.
        .testTarget(name: "SnapshotKitTests", dependencies: ["SnapshotKit"], exclude: ["Fixtures"]),
    ]
)
