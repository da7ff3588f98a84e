// swift-tools-version:6.1
import PackageDescription

// No target carries unsafe flags: everything is built for the baseline of its
// architecture, and the SIMD kernels that need more (AVX2, AVX-512) are C functions with
// clang target attributes in CVGGKernels, chosen at run time from the CPU.
let package = Package(
    name: "vggbatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vggbatch", targets: ["vggbatch"]),
        .executable(name: "vggbatch-keras-convert", targets: ["vggbatch-keras-convert"]),
        .library(name: "VGGCommon", targets: ["VGGCommon"]),
        .library(name: "VGGIndexTypes", targets: ["VGGIndexTypes"]),
        .library(name: "VGGImaging", targets: ["VGGImaging"]),
        .library(name: "VGGModel", targets: ["VGGModel"]),
        .library(name: "VGGKeras", targets: ["VGGKeras"]),
        .library(name: "VGGEngine", targets: ["VGGEngine"]),
        .library(name: "VGGSQL", targets: ["VGGSQL"]),
        .library(name: "VGGStore", targets: ["VGGStore"]),
        .library(name: "VGGPipeline", targets: ["VGGPipeline"]),
        .library(name: "VGGSearch", targets: ["VGGSearch"]),
        .library(name: "VGGReport", targets: ["VGGReport"]),
        .library(name: "VGGInference", targets: ["VGGInference"]),
        .library(name: "VGGIndexing", targets: ["VGGIndexing"]),
        .library(name: "VGGQuery", targets: ["VGGQuery"]),
        .library(name: "VGGPostgres", targets: ["VGGPostgres"]),
        .library(name: "VGGApproximate", targets: ["VGGApproximate"]),
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
            name: "CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CHeif", pkgConfig: "libheif",
            providers: [.apt(["libheif-dev"])]),
        .systemLibrary(
            name: "CWebP", pkgConfig: "libwebpdemux",
            providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(
            name: "CTIFF", pkgConfig: "libtiff-4",
            providers: [.apt(["libtiff-dev"])]),
        // No pkg-config: libraw_r's asks for -fopenmp, which SwiftPM refuses; the shared
        // library brings its own OpenMP and C++ runtimes.
        .systemLibrary(
            name: "CRaw",
            providers: [.apt(["libraw-dev"])]),
        .systemLibrary(
            name: "CLCMS2", pkgConfig: "lcms2",
            providers: [.apt(["liblcms2-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
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
            dependencies: ["CJPEG", "CPNG", "CHeif", "CWebP", "CTIFF", "CRaw", "CLCMS2"],
            linkerSettings: [.linkedLibrary("raw_r")]),
        // The engine's and the search's innermost loops, once per instruction set (see its header).
        .target(
            name: "CVGGKernels",
            exclude: ["kernels.inc"]),
        // The approximate search's FAISS calls behind a C face: Debian's libfaiss is a static
        // C++ library without its C API, built against BLAS, LAPACK and GNU OpenMP.
        .target(
            name: "CVGGFaiss",
            linkerSettings: [.linkedLibrary("faiss"), .linkedLibrary("blas"), .linkedLibrary("lapack"), .linkedLibrary("gomp")]),

        // MARK: - Libraries
        .target(name: "VGGCommon"),
        .target(
            name: "VGGImaging",
            dependencies: ["CImageCodecs", "CZlib", "VGGCommon"]),
        .target(
            name: "VGGModel",
            dependencies: ["VGGCommon"]),
        .target(
            name: "VGGReport",
            dependencies: ["VGGImaging", "VGGCommon"]),
        .target(
            name: "VGGKeras",
            dependencies: ["VGGModel", "VGGCommon", "CHDF5Reader"]),
        // Kernels hand raw pointers to dedicated worker threads by design; Swift 5 mode keeps
        // strict-concurrency checking out of that (the pool's contract is documented instead).
        .target(
            name: "VGGEngine",
            dependencies: ["VGGModel", "VGGCommon", "CVGGKernels"],
            exclude: ["README.md"],
            swiftSettings: [.swiftLanguageMode(.v5)]),

        // The index's vocabulary: rows, runs, models and the one error type every database
        // backend throws.
        .target(
            name: "VGGIndexTypes",
            dependencies: ["VGGCommon"]),
        .target(
            name: "VGGPipeline",
            dependencies: ["VGGImaging", "VGGCommon", "VGGIndexTypes"],
            swiftSettings: [.swiftLanguageMode(.v5)]),
        .target(
            name: "VGGSearch",
            dependencies: ["VGGEngine", "VGGCommon", "VGGIndexTypes"],
            swiftSettings: [.swiftLanguageMode(.v5)]),
        // The approximate index beside an index: FAISS inverted lists over one kind of vector of
        // one model, kept current from the database's revisions.
        .target(
            name: "VGGApproximate",
            dependencies: ["CVGGFaiss", "VGGCommon", "VGGIndexTypes"]),
        // Weights to a running network: finding, fetching, converting, classifying files.
        .target(
            name: "VGGInference",
            dependencies: ["VGGCommon", "VGGImaging", "VGGModel", "VGGEngine", "VGGPipeline", "VGGIndexTypes"]),
        // The write side: a scan of folders into any index (`IndexWriter`).
        .target(
            name: "VGGIndexing",
            dependencies: [
                "CZlib", "VGGCommon", "VGGImaging", "VGGModel", "VGGEngine", "VGGPipeline", "VGGSearch", "VGGInference", "VGGIndexTypes",
                "VGGApproximate",
            ]),
        // The read side: status, export, similar, duplicates and pages from any index (`IndexReader`).
        .target(
            name: "VGGQuery",
            dependencies: [
                "VGGCommon", "VGGImaging", "VGGModel", "VGGEngine", "VGGSearch", "VGGInference", "VGGReport", "VGGIndexTypes", "VGGApproximate",
            ]),
        // The index's SQL, written once for both databases: its stores, each implementing a
        // contract of VGGIndexTypes, over any `SQLDatabase` connection.
        .target(
            name: "VGGSQL",
            dependencies: ["VGGCommon", "VGGIndexTypes"]),
        // SQLite: the embedded index, one file with its lock and migrations.
        .target(
            name: "VGGStore",
            dependencies: ["CSQLite3", "VGGCommon", "VGGIndexTypes", "VGGSQL"]),
        // The index on a PostgreSQL server, shared by many machines, with its work queue.
        .target(
            name: "VGGPostgres",
            dependencies: ["CLibPQ", "VGGSQL", "VGGCommon", "VGGIndexTypes"]),

        // MARK: - Executables
        // `vggbatch --version` names the git revision it was built from.
        .plugin(name: "RevisionStamp", capability: .buildTool()),
        .executableTarget(
            name: "vggbatch",
            dependencies: [
                "VGGCommon", "VGGImaging", "VGGModel", "VGGEngine", "VGGStore", "VGGPipeline", "VGGSearch", "VGGReport",
                "VGGIndexTypes", "VGGInference", "VGGIndexing", "VGGQuery", "VGGPostgres", "VGGApproximate",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["RevisionStamp"]),
        // Reads Keras HDF5 weights for vggbatch in a process of its own (libhdf5 never runs,
        // nor is linked, in vggbatch): found beside it, or in ../libexec/vggbatch.
        .executableTarget(
            name: "vggbatch-keras-convert",
            dependencies: ["VGGKeras", "VGGModel"]),
        .executableTarget(
            name: "vggbatch-bench",
            dependencies: [
                "VGGCommon", "VGGImaging", "VGGModel", "VGGKeras", "VGGEngine", "VGGStore", "VGGSearch", "VGGIndexTypes", "VGGPipeline",
                "VGGIndexing", "VGGPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Tests
        .target(
            name: "_VGGTestSupport",
            dependencies: ["VGGImaging", "VGGModel", "VGGCommon", "VGGIndexTypes", "VGGSQL", "VGGStore", "VGGPostgres"],
            path: "Tests/_VGGTestSupport"),
        .testTarget(
            name: "VGGImagingTests",
            dependencies: ["VGGImaging", "VGGModel", "VGGCommon", "_VGGTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "VGGReportTests",
            dependencies: ["VGGReport", "_VGGTestSupport"]),
        .testTarget(
            name: "VGGKerasTests",
            dependencies: ["VGGKeras", "VGGModel", "VGGEngine", "_VGGTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "VGGModelTests",
            dependencies: ["VGGModel", "VGGCommon", "_VGGTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "VGGEngineTests",
            dependencies: ["VGGEngine", "VGGModel", "VGGCommon", "_VGGTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "VGGStoreTests",
            dependencies: ["VGGStore", "VGGSQL", "VGGIndexTypes", "VGGCommon", "_VGGTestSupport"],
            exclude: ["Snapshots"]),
        .testTarget(
            name: "VGGCommonTests",
            dependencies: ["VGGCommon", "_VGGTestSupport"]),
        .testTarget(
            name: "VGGIndexTypesTests",
            dependencies: ["VGGIndexTypes", "VGGCommon", "_VGGTestSupport"]),
        .testTarget(
            name: "VGGInferenceTests",
            dependencies: ["VGGInference", "VGGIndexTypes", "VGGEngine", "VGGImaging", "VGGModel", "VGGCommon", "_VGGTestSupport"]),
        .testTarget(
            name: "VGGIndexingTests",
            dependencies: [
                "VGGIndexing", "VGGInference", "VGGPipeline", "VGGIndexTypes", "VGGEngine", "VGGImaging", "VGGModel", "VGGCommon",
                "_VGGTestSupport",
            ]),
        .testTarget(
            name: "VGGQueryTests",
            dependencies: ["VGGQuery", "VGGApproximate", "VGGIndexing", "VGGIndexTypes", "VGGSearch", "VGGEngine", "VGGCommon", "_VGGTestSupport"]),
        .testTarget(
            name: "VGGSQLTests",
            dependencies: ["VGGSQL", "VGGIndexTypes", "VGGCommon", "_VGGTestSupport"]),
        .testTarget(
            name: "VGGPipelineTests",
            dependencies: ["VGGPipeline", "VGGImaging", "VGGCommon", "_VGGTestSupport"]),
        .testTarget(
            name: "VGGApproximateTests",
            dependencies: ["VGGApproximate", "VGGIndexTypes", "VGGCommon", "_VGGTestSupport"]),
        .testTarget(
            name: "VGGSearchTests",
            dependencies: ["VGGSearch", "VGGIndexTypes", "VGGEngine", "VGGCommon"]),
        .testTarget(
            name: "VGGPostgresTests",
            dependencies: [
                "VGGPostgres", "VGGSQL", "VGGIndexTypes", "VGGCommon", "_VGGTestSupport",
            ]),
        .testTarget(
            name: "vggbatchCLITests",
            dependencies: ["_VGGTestSupport", "VGGImaging", "VGGModel", "VGGStore", "VGGIndexTypes", "VGGPostgres", "VGGQuery"])
    ]
)
