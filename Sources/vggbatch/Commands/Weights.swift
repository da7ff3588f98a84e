import ArgumentParser
import Foundation
import VGGCommon
import VGGModel
import VGGInference

extension VGGBatch {
    /// `vggbatch weights`: manage weight files.
    struct Weights: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage VGG16 weight files.",
            subcommands: [Fetch.self, List.self, Verify.self, Info.self, Path.self, Random.self])
    }
}

extension VGGBatch.Weights {
    /// `vggbatch weights path`: which weights file the other commands would use.
    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the weights file scan and classify would use, or where to put one (exit 2).")

        @Option(help: ArgumentHelp("An explicit weights file to check instead of the usual search.", valueName: "path"))
        var weights: String?

        func run() throws {
            do throws(ModelError) {
                print(try WeightsLocator.resolve(explicit: weights, environment: ProcessInfo.processInfo.environment))
            } catch {
                throw CommandFailure(error.reason)
            }
        }
    }

    /// `vggbatch weights random`: seeded random weights in the real file format.
    struct Random: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write seeded random VGG16 weights as safetensors (torchvision names, F32).",
            discussion: """
                The file has the size and layout of real weights and runs exactly as fast, so \
                tests and benchmarks can use it; its labels are meaningless.
                """)

        @Option(parsing: .unconditional, help: "Random seed; the same seed writes the same file.")
        var seed: UInt64 = 1

        @Option(help: ArgumentHelp("Where to write the file.", valueName: "path"))
        var output: String

        @Flag(help: "Write a tiny network of the same topology (32x32 input, a few channels) for fast tests.")
        var tiny = false

        func run() throws {
            let architecture: VGGArchitecture = tiny ? .tiny : .vgg16
            let source = RandomWeights(architecture: architecture, seed: seed)
            do throws(ModelError) {
                try SafetensorsWriter.writeTorchvision(source, metadata: metadata(architecture), to: output)
            } catch {
                throw CommandFailure(error.reason)
            }
            print("wrote \(output): random \(tiny ? "tiny VGG" : "VGG16"), seed \(seed), \(architecture.parameterCount) parameters")
        }

        private func metadata(_ architecture: VGGArchitecture) -> [String: String] {
            var metadata = ["format": "pt", "vggbatch.random_seed": "\(seed)"]
            if architecture != .vgg16 { metadata[VGGArchitecture.metadataKey] = architecture.metadataValue }
            return metadata
        }
    }
}

extension VGGBatch.Weights {
    /// `vggbatch weights fetch`: download a known file (or one given by URL and hash).
    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a weights file, resuming an interrupted download, and install it once its SHA-256 matches.",
            discussion: """
                NAME is one of `vggbatch weights list` (default: vgg16.tv_in1k). The file goes into \
                the weights cache unless --output is given; it is written to PATH.part first and \
                renamed into place only after its size and SHA-256 match, so an interrupted or \
                damaged download is never taken for weights. Running the command again resumes \
                a PATH.part left by an interrupted run.
                """)

        @Argument(help: "A known weights file.") var name: String?
        @Option(help: "Download from this URL instead (a mirror, or a file outside the table with --sha256).") var url: String?
        @Option(help: "Expected SHA-256 (hex), required for a file outside the table.") var sha256: String?
        @Option(help: ArgumentHelp("Where to install the file.", valueName: "path")) var output: String?

        func validate() throws {
            if let sha256, sha256.count != 64 || !sha256.allSatisfy(\.isHexDigit) {
                throw ValidationError("--sha256 must be 64 hexadecimal digits.")
            }
        }

        func run() throws {
            let plan: WeightsInstallPlan
            do throws(WeightsInstallPlan.Refusal) {
                plan = try WeightsInstallPlan(name: name, url: url, sha256: sha256, output: output, environment: ProcessInfo.processInfo.environment)
            } catch {
                throw CommandFailure(error.reason)
            }
            if let note = plan.notLoadable { printError("vggbatch: note: " + note) }
            let (checksum, destination, kind) = (plan.checksum, plan.destination, plan.checksum.kind)
            if plan.isInstalled {
                print("\(destination) is already installed (\(kind) matches)")
                return
            }
            let line = ProgressLine(name: plan.known?.name ?? plan.fileName)
            do throws(InferenceError) {
                try WeightsDownloader.fetch(url: plan.url, destination: destination, checksum: checksum, bytes: plan.known?.bytes) { line.show($0, $1) }
                line.finish()
            } catch {
                line.finish()
                throw error.failure
            }
            print("installed \(destination) (\(kind) \(checksum.hex) verified)")
        }
    }

    /// `vggbatch weights list`: the known files and which are installed.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the weights files vggbatch knows and which are in the cache.")

        func run() throws {
            let directory = WeightsLocator.cacheDirectory(environment: ProcessInfo.processInfo.environment)
            for known in KnownWeights.all {
                let path = (directory as NSString).appendingPathComponent(known.fileName)
                let installed = FileManager.default.fileExists(atPath: path)
                let size = known.bytes.map { String(format: "%.1f MB", Double($0) / 1e6) } ?? "~553 MB"
                print("\(known.name)\(known.name == KnownWeights.defaultWeights.name ? " (default)" : "")")
                print("  \(known.summary)")
                print("  \(known.format), \(size), preprocessing \(known.preprocessing.rawValue)"
                    + (known.isLoadable ? "" : " (not loadable by vggbatch)"))
                print("  " + (installed ? "installed: \(path)" : "not installed (vggbatch weights fetch \(known.name))"))
            }
        }
    }

    /// `vggbatch weights verify`: is this file whole and is it a known one.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a weights file: complete and well formed, and its SHA-256 against the known files.",
            discussion: "Exits 2 when the file is damaged or truncated, or carries a known file's name with another hash.")

        @Argument(help: "The file (default: the one scan and classify would use).") var path: String?

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let file: String
            let weights: OpenedWeights
            let digest: String
            do throws(ModelError) {
                file = try WeightsLocator.resolve(explicit: path, environment: environment)
                weights = try OpenedWeights.open(file, environment: ProcessInfo.processInfo.environment)
                // Every array is read once, so damage inside the data is found too.
                for index in weights.architecture.convolutions.indices { _ = try weights.source.convolution(index) }
                for index in weights.architecture.fullyConnected.indices { _ = try weights.source.fullyConnected(index) }
                digest = try SHA256.hexDigest(ofFile: file)
            } catch {
                throw CommandFailure(error.reason)
            }
            let name = (file as NSString).lastPathComponent
            let shape = "\(weights.layout.rawValue) layout, \(weights.parameterCount) parameters"
            switch KnownWeights.verdict(fileName: name, sha256: digest) {
            case .known(let known):
                print("\(file): \(known.name), SHA-256 \(digest) verified; \(shape)")
            case .notAsPublished(let expected):
                throw CommandFailure(
                    "\(file): SHA-256 \(digest) is not that of \(expected.name) (\(expected.sha256 ?? "")); the file is damaged or another file; fetch it again")
            case .unknown:
                print("\(file): well formed (\(shape)), SHA-256 \(digest), not a known file")
            }
        }
    }

    /// `vggbatch weights info`: what is inside a weights file.
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a weights file's tensors, layout family, preprocessing and parameter count.")

        @Argument(help: "The file.") var path: String

        func run() throws {
            do throws(ModelError) {
                let weights = try OpenedWeights.open(path, environment: ProcessInfo.processInfo.environment)
                // The cache the HDF5 conversion has just filled: its file is not hashed twice.
                let cache = WeightsHashCache(directory: WeightsLocator.cacheDirectory(environment: ProcessInfo.processInfo.environment))
                let identity = try WeightsIdentity.identify(path: path, layout: weights.layout, metadata: weights.metadata, cache: cache)
                print("file: \(path)")
                print("architecture: " + (weights.architecture.hasClassifier
                    ? "\(weights.architecture.metadataValue), \(weights.parameterCount) parameters"
                    : "VGG16 convolutions only (a _notop file: features are pool5, \(weights.architecture.featureWidth) values), \(weights.parameterCount) parameters"))
                print("layout: \(weights.layout.rawValue) names")
                print("known as: \(identity.known?.name ?? "not a known file")")
                print("preprocessing: \(identity.preprocessing.rawValue)")
                print("sha256: \(identity.sha256)")
                print("tensors:")
                for tensor in weights.tensorTable {
                    print("  \(tensor.name)  \(tensor.dtype)  [\(tensor.shape.map(String.init).joined(separator: ", "))]")
                }
                if !weights.metadata.isEmpty {
                    print("metadata:")
                    for (key, value) in weights.metadata.sorted(by: { $0.key < $1.key }) { print("  \(key): \(value)") }
                }
            } catch {
                throw CommandFailure(error.reason)
            }
        }
    }
}
