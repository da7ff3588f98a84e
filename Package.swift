// swift-tools-version:6.1
import PackageDescription

// SIMD kernels need AVX2/FMA code generation; without it `addingProduct` lowers to
// libm `fmaf` calls and runs ~100x slower. Guarded so other architectures still build.
#if arch(x86_64)
let simdSettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v3"])]
#else
let simdSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "vggbatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vggbatch", targets: ["vggbatch"]),
        .library(name: "VGGImaging", targets: ["VGGImaging"]),
        .library(name: "VGGModel", targets: ["VGGModel"]),
        .library(name: "VGGKeras", targets: ["VGGKeras"]),
        .library(name: "VGGEngine", targets: ["VGGEngine"]),
        .library(name: "VGGStore", targets: ["VGGStore"]),
        .library(name: "VGGPipeline", targets: ["VGGPipeline"]),
        .library(name: "VGGSearch", targets: ["VGGSearch"]),
        .library(name: "VGGReport", targets: ["VGGReport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - System libraries and C shims
        .systemLibrary(
            name: "CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CSQLite3", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]),
        // The HDF5 calls the Keras loader needs, with the type macros Swift cannot import
        // resolved in C.
        .target(
            name: "CHDF5Reader",
            dependencies: ["CHDF5"]),
        // libjpeg and libpng report errors with setjmp/longjmp, which must never cross a
        // Swift frame: each whole decode runs inside one C function here.
        .target(
            name: "CImageCodecs",
            dependencies: ["CJPEG", "CPNG"]),

        // MARK: - Libraries
        .target(name: "VGGCommon"),
        .target(
            name: "VGGImaging",
            dependencies: ["CImageCodecs"],
            swiftSettings: simdSettings),
        .target(
            name: "VGGModel",
            dependencies: ["VGGCommon"],
            swiftSettings: simdSettings),
        .target(
            name: "VGGReport",
            dependencies: ["VGGImaging", "VGGCommon"]),
        .target(
            name: "VGGKeras",
            dependencies: ["VGGModel", "CHDF5Reader"]),
        // Kernels hand raw pointers to dedicated worker threads by design; Swift 5 mode keeps
        // strict-concurrency checking out of that (the pool's contract is documented instead).
        .target(
            name: "VGGEngine",
            dependencies: ["VGGModel"],
            exclude: ["README.md"],
            swiftSettings: simdSettings + [.swiftLanguageMode(.v5)]),

        .target(
            name: "VGGStore",
            dependencies: ["CSQLite3", "VGGCommon"]),
        .target(
            name: "VGGPipeline",
            dependencies: ["VGGImaging", "VGGCommon"],
            swiftSettings: [.swiftLanguageMode(.v5)]),

        .target(
            name: "VGGSearch",
            dependencies: ["VGGEngine", "VGGCommon"],
            swiftSettings: simdSettings + [.swiftLanguageMode(.v5)]),

        // MARK: - Executables
        .executableTarget(
            name: "vggbatch",
            dependencies: [
                "VGGCommon", "VGGImaging", "VGGModel", "VGGKeras", "VGGEngine", "VGGStore", "VGGPipeline", "VGGSearch", "VGGReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: simdSettings),
        .executableTarget(
            name: "vggbatch-bench",
            dependencies: [
                "VGGCommon", "VGGImaging", "VGGModel", "VGGKeras", "VGGEngine", "VGGStore", "VGGSearch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: simdSettings),

        // MARK: - Tests
        .target(
            name: "_VGGTestSupport",
            dependencies: ["VGGImaging", "VGGModel", "VGGCommon"],
            path: "Tests/_VGGTestSupport"),
        .testTarget(
            name: "VGGImagingTests",
            dependencies: ["VGGImaging", "VGGModel", "VGGCommon", "_VGGTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: simdSettings),
        .testTarget(
            name: "VGGReportTests",
            dependencies: ["VGGReport", "_VGGTestSupport"]),
        .testTarget(
            name: "VGGKerasTests",
            dependencies: ["VGGKeras", "VGGModel", "VGGEngine", "_VGGTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: simdSettings),
        .testTarget(
            name: "VGGModelTests",
            dependencies: ["VGGModel", "VGGCommon", "_VGGTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "VGGEngineTests",
            dependencies: ["VGGEngine", "VGGModel", "VGGCommon", "_VGGTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: simdSettings),
        .testTarget(
            name: "VGGStoreTests",
            dependencies: ["VGGStore", "VGGCommon", "_VGGTestSupport"],
            exclude: ["Snapshots"]),
        .testTarget(
            name: "VGGPipelineTests",
            dependencies: ["VGGPipeline", "VGGImaging", "_VGGTestSupport"]),
        .testTarget(
            name: "VGGSearchTests",
            dependencies: ["VGGSearch", "VGGEngine", "VGGCommon", "VGGStore", "_VGGTestSupport"],
            swiftSettings: simdSettings),
        .testTarget(
            name: "vggbatchCLITests",
            dependencies: ["_VGGTestSupport", "VGGImaging", "VGGStore"])
    ]
)
