// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for the parsers that read untrusted bytes. Built and run only by
// `scripts/fuzz`, with `-sanitize=fuzzer,address -parse-as-library`: libFuzzer supplies
// `main`, so these executables do not link in an ordinary build.
let package = Package(
    name: "vggbatch-fuzz",
    dependencies: [.package(name: "vggbatch", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "FuzzJPEG",
            dependencies: ["FuzzSupport", .product(name: "VGGImaging", package: "vggbatch"), .product(name: "VGGCommon", package: "vggbatch")]),
        .executableTarget(
            name: "FuzzPNG",
            dependencies: ["FuzzSupport", .product(name: "VGGImaging", package: "vggbatch"), .product(name: "VGGCommon", package: "vggbatch")]),
        .executableTarget(
            name: "FuzzEXIF", dependencies: ["FuzzSupport", .product(name: "VGGImaging", package: "vggbatch")]),
        .executableTarget(
            name: "FuzzFormats",
            dependencies: ["FuzzSupport", .product(name: "VGGImaging", package: "vggbatch"), .product(name: "VGGCommon", package: "vggbatch")]),
        .executableTarget(
            name: "FuzzSafetensors", dependencies: ["FuzzSupport", .product(name: "VGGModel", package: "vggbatch")]),
        .executableTarget(
            name: "FuzzHDF5", dependencies: ["FuzzSupport", .product(name: "VGGKeras", package: "vggbatch")]),
    ]
)
