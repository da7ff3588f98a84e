import Foundation

/// Paths of files the tests read, found from this source file so tests run from any directory.
public enum FixturePaths {
    /// The repository root.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // _VGGTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// A photo in `samples/`.
    public static func sample(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("samples").appendingPathComponent(name).path
    }

    /// A file under `Tests/VGGImagingTests/Fixtures/`.
    public static func imaging(_ relativePath: String) -> String {
        repositoryRoot.appendingPathComponent("Tests/VGGImagingTests/Fixtures").appendingPathComponent(relativePath).path
    }

    /// The built `vggbatch` executable next to the test bundle.
    public static var vggbatchExecutable: URL {
        productsDirectory.appendingPathComponent("vggbatch")
    }

    /// SwiftPM's build products directory (where the test binaries and executables live).
    public static var productsDirectory: URL {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }
}
