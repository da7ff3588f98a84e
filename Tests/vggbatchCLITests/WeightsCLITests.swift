import Foundation
import Testing
import VGGCommon
import VGGModel
import _VGGTestSupport

/// `vggbatch weights fetch | list | verify | info`, and the download `scan` and `classify`
/// start when no weights are installed, against a server on 127.0.0.1.
@Suite("vggbatch weights", .serialized)
struct WeightsCLITests {
    let directory = TemporaryDirectory()
    let server: LocalHTTPServer
    let tiny: [UInt8]
    let tinySHA256: String
    var cache: String { directory.path("cache") }
    var environment: [String: String] { ["XDG_CACHE_HOME": cache, "VGGBATCH_WEIGHTS": "", "VGGBATCH_OFFLINE": ""] }
    var defaultPath: String { cache + "/vggbatch/vgg16.tv_in1k.safetensors" }

    init() throws {
        server = try LocalHTTPServer()
        let written = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "3", "--output", directory.path("tiny.safetensors")])
        precondition(written.status == 0, written.standardError)
        tiny = Array(try Data(contentsOf: URL(fileURLWithPath: directory.path("tiny.safetensors"))))
        var hasher = SHA256()
        tiny.withUnsafeBytes { hasher.update($0) }
        tinySHA256 = hasher.finalizeHex()
        server.route("/tiny.safetensors", .serve(tiny))
    }

    func vggbatch(_ arguments: [String], extra: [String: String] = [:]) throws -> CommandResult {
        try CommandRunner.vggbatch(arguments, environment: environment.merging(extra) { $1 })
    }

    @Test func fetchByURLAndHashThenVerifyAndInfo() throws {
        let output = directory.path("got/tiny.safetensors")
        let fetched = try vggbatch(["weights", "fetch", "--url", server.url("/tiny.safetensors"), "--sha256", tinySHA256, "--output", output])
        #expect(fetched.status == 0, "\(fetched.standardError)")
        #expect(fetched.standardOutput.contains("installed \(output)"))
        #expect(FileManager.default.contents(atPath: output).map(Array.init) == tiny)
        let again = try vggbatch(["weights", "fetch", "--url", server.url("/tiny.safetensors"), "--sha256", tinySHA256, "--output", output])
        #expect(again.standardOutput.contains("already installed"))

        let verify = try vggbatch(["weights", "verify", output])
        #expect(verify.status == 0 && verify.standardOutput.contains("well formed") && verify.standardOutput.contains(tinySHA256))
        let info = try vggbatch(["weights", "info", output])
        #expect(info.status == 0)
        #expect(info.standardOutput.contains("features.0.weight  F32  [") && info.standardOutput.contains("preprocessing: torch"))

        // A truncated copy is caught by verify, in one line.
        let truncated = directory.path("truncated.safetensors")
        try Data(tiny.prefix(tiny.count - 100)).write(to: URL(fileURLWithPath: truncated))
        let bad = try vggbatch(["weights", "verify", truncated])
        #expect(bad.status == 2 && bad.standardError.split(separator: "\n").count == 1)
    }

    @Test func aWrongHashInstallsNothing() throws {
        let output = directory.path("got/tiny.safetensors")
        let result = try vggbatch(["weights", "fetch", "--url", server.url("/tiny.safetensors"), "--sha256", String(repeating: "ab", count: 32), "--output", output])
        #expect(result.status == 2)
        #expect(result.standardError.contains("SHA-256") && result.standardError.contains("nothing was installed"))
        #expect(!FileManager.default.fileExists(atPath: output) && !FileManager.default.fileExists(atPath: output + ".part"))
    }

    @Test func badNamesAndFlagsAreOneLine() throws {
        let unknown = try vggbatch(["weights", "fetch", "no-such-weights"])
        #expect(unknown.status == 2 && unknown.standardError.contains("unknown weights") && unknown.standardError.split(separator: "\n").count == 1)
        let noHash = try vggbatch(["weights", "fetch", "--url", server.url("/x"), "--sha256", "12"])
        #expect(noHash.status == 64)
        let missing = try vggbatch(["weights", "fetch", "--url", server.url("/missing"), "--sha256", tinySHA256, "--output", directory.path("m")])
        #expect(missing.status == 2 && missing.standardError.contains("HTTP 404"))
        // A known file with a published size: a mirror serving anything else is refused before its bytes are kept.
        let keras = try vggbatch(["weights", "fetch", "keras-vgg16", "--url", server.url("/tiny.safetensors"), "--output", directory.path("k.h5")])
        #expect(keras.status == 2 && keras.standardError.contains("expected 553467096"), "\(keras.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("k.h5")) && !FileManager.default.fileExists(atPath: directory.path("k.h5.part")))
    }

    @Test func listShowsWhatIsInstalled() throws {
        let before = try vggbatch(["weights", "list"])
        #expect(before.standardOutput.contains("vgg16.tv_in1k (default)") && before.standardOutput.contains("not installed"))
        try FileManager.default.createDirectory(atPath: cache + "/vggbatch", withIntermediateDirectories: true)
        try Data(tiny).write(to: URL(fileURLWithPath: defaultPath))
        let after = try vggbatch(["weights", "list"])
        #expect(after.standardOutput.contains("installed: \(defaultPath)"))
        // The Keras HDF5 files load (through their converted copy); only the pickle and ONNX do not.
        let entries = after.standardOutput.components(separatedBy: "\n").filter { $0.contains("preprocessing") }
        #expect(entries.filter { $0.contains("not loadable") }.count == 2, "\(entries)")
        #expect(entries.filter { $0.contains("hdf5") }.allSatisfy { !$0.contains("not loadable") })
    }

    @Test func withoutWeightsClassifyDownloadsTheDefaultUnlessOffline() throws {
        let image = FixturePaths.sample("pillow-hopper.jpg")
        // Offline: one line on what to get and where, and no request at all.
        for extra in [["VGGBATCH_OFFLINE": "1", "VGGBATCH_MIRROR": server.url("/tiny.safetensors")],
                      ["VGGBATCH_MIRROR": server.url("/tiny.safetensors")]] {
            let arguments = extra["VGGBATCH_OFFLINE"] == nil ? ["classify", "--offline", image] : ["classify", image]
            let offline = try vggbatch(arguments, extra: extra)
            #expect(offline.status == 2 && offline.standardError.split(separator: "\n").count == 1)
            #expect(offline.standardError.contains("vggbatch weights fetch") && offline.standardError.contains(defaultPath))
        }
        #expect(server.requests.isEmpty)

        // Online with a mirror serving another file: the download is refused by its hash.
        let wrong = try vggbatch(["classify", image], extra: ["VGGBATCH_MIRROR": server.url("/tiny.safetensors")])
        #expect(wrong.status == 2)
        #expect(wrong.standardError.contains("downloading vgg16.tv_in1k"))
        #expect(wrong.standardError.contains("expected 57b026918159a6bf9faf8405c3a551903768e7138989d9c6224a14227203fad8"))
        #expect(!FileManager.default.fileExists(atPath: defaultPath))

        // No network: one error line that says where to put the file.
        let refused = try vggbatch(["classify", image], extra: ["VGGBATCH_MIRROR": "http://127.0.0.1:\(LocalHTTPServer.closedPort())/w"])
        #expect(refused.status == 2 && refused.standardError.split(separator: "\n").count == 1)
        #expect(refused.standardError.contains("connection refused") && refused.standardError.contains("save it as \(defaultPath)"), "\(refused.standardError)")
    }

    /// libhdf5 runs only in the converter child: hostile files the fuzzer found, and a
    /// converter that crashes outright, are one error line each, and a good file is
    /// converted once and then read from the cache.
    @Test func hdf5IsReadInAChildProcess() throws {
        let regressions = FixturePaths.repositoryRoot.appendingPathComponent("Fuzz/Regressions/hdf5").path
        for name in try FileManager.default.contentsOfDirectory(atPath: regressions).sorted() {
            let result = try vggbatch(["weights", "info", regressions + "/" + name])
            #expect(result.status == 2, "\(name)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(name): \(result.standardError)")
            #expect(result.standardError.hasPrefix("vggbatch: error: \(regressions)/\(name): "), "\(result.standardError)")
        }
        let keras = FixturePaths.repositoryRoot.appendingPathComponent("Tests/VGGKerasTests/Fixtures/tiny-keras.h5").path
        // A converter that stops without converting or saying why (as the library failing on
        // the file does), put where vggbatch is told to find its helper. (A shell stub that
        // signals itself is not reliable under the test runner: a blocked SIGABRT is
        // inherited, and only abort(), as the real converter crashes, unblocks it.)
        let crashing = directory.path("crashing-converter")
        try "#!/bin/sh\nexit 1\n".write(toFile: crashing, atomically: true, encoding: .utf8)
        #expect(chmod(crashing, 0o755) == 0)
        let crashed = try vggbatch(["weights", "info", keras], extra: ["VGGBATCH_KERAS_CONVERTER": crashing])
        #expect(crashed.status == 2 && crashed.standardError.split(separator: "\n").count == 1, "\(crashed.standardError)")
        // A signal in a normal build; under AddressSanitizer its handler turns the abort into exit status 1.
        #expect(
            crashed.standardError.contains("the HDF5 library crashed reading it (signal 6)")
                || crashed.standardError.contains("the HDF5 library failed reading it (exit status 1)"), "\(crashed.standardError)")

        #expect(try vggbatch(["weights", "info", keras]).status == 0)
        let converted = try FileManager.default.contentsOfDirectory(atPath: cache + "/vggbatch/converted")
        #expect(converted.count == 1 && converted[0].hasPrefix("keras-") && converted[0].hasSuffix(".safetensors"), "\(converted)")
        // Once converted, the child is not needed: a converter that would crash is never started.
        let again = try vggbatch(["weights", "info", keras], extra: ["VGGBATCH_KERAS_CONVERTER": crashing])
        #expect(again.status == 0, "\(again.standardError)")
    }

    @Test func kerasHDF5FilesLoadWithCaffePreprocessing() throws {
        let fixtures = FixturePaths.repositoryRoot.appendingPathComponent("Tests/VGGKerasTests/Fixtures").path
        let keras = fixtures + "/tiny-keras.h5"
        let info = try vggbatch(["weights", "info", keras])
        #expect(info.status == 0, "\(info.standardError)")
        #expect(info.standardOutput.contains("layout: keras names") && info.standardOutput.contains("preprocessing: caffe"))
        #expect(info.standardOutput.contains("/fc1/fc1/kernel:0  float  [64, 32]"))
        let verify = try vggbatch(["weights", "verify", keras])
        #expect(verify.status == 0 && verify.standardOutput.contains("well formed (keras layout"))

        // The same network as the torchvision file, given Caffe-style input: the same answers.
        let image = FixturePaths.sample("pillow-hopper.jpg")
        let fromKeras = try vggbatch(["classify", "--json", "--features", "--weights", keras, image])
        let fromTorch = try vggbatch(["classify", "--json", "--features", "--preprocess", "caffe", "--weights", fixtures + "/tiny-torch.safetensors", image])
        #expect(fromKeras.status == 0, "\(fromKeras.standardError)")
        #expect(!fromKeras.standardOutput.isEmpty && fromKeras.standardOutput == fromTorch.standardOutput)

        // A _notop file: no labels, pool5 (16 × 7 × 7 here) as the features, in classify and in the index.
        let notop = fixtures + "/tiny-keras-notop.h5"
        let notopJSON = try vggbatch(["classify", "--json", "--features", "--weights", notop, image])
        #expect(notopJSON.status == 0, "\(notopJSON.standardError)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(notopJSON.standardOutput.utf8)) as? [String: Any])
        #expect((object["top"] as? [Any])?.isEmpty == true && (object["fc7"] as? [Any])?.count == 784)
        let notopText = try vggbatch(["classify", "--weights", notop, image])
        #expect(notopText.standardOutput.contains("no labels: these weights end at pool5"))
        let notopInfo = try vggbatch(["weights", "info", notop])
        #expect(notopInfo.status == 0 && notopInfo.standardOutput.contains("convolutions only"))

        // The same convolutions as safetensors with torchvision names and nothing else load
        // too, with the preprocessing the file declares (or --preprocess).
        let torch = try SafetensorsFile(path: fixtures + "/tiny-torch.safetensors")
        let convolutions = try torch.tensorNames.filter { $0.hasPrefix("features.") }.map { name in
            (name: name, shape: torch.tensors[name]?.shape ?? [], values: try torch.floats(name))
        }
        for (file, metadata, flags) in [
            ("notop-declared.safetensors", ["vggbatch.preprocessing": "caffe"], [String]()),
            ("notop-plain.safetensors", [:], ["--preprocess", "caffe"]),
        ] {
            let path = directory.path(file)
            try SafetensorsWriter.write(convolutions, metadata: metadata, to: path)
            let fromSafetensors = try vggbatch(["classify", "--json", "--features", "--weights", path] + flags + [image])
            #expect(fromSafetensors.status == 0, "\(fromSafetensors.standardError)")
            #expect(fromSafetensors.standardOutput == notopJSON.standardOutput, "\(file)")
        }

        let photos = directory.path("photos")
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        for name in ["skimage-chelsea.png", "skimage-coffee.png", "sklearn-china.jpg"] {
            try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: photos + "/" + name)
        }
        let index = ["VGGBATCH_DB": directory.path("notop.sqlite"), "VGGBATCH_WEIGHTS": notop]
        let scan = try vggbatch(["scan", photos], extra: index)
        #expect(scan.status == 0, "\(scan.standardError)")
        let similar = try vggbatch(["similar", "--json", "--include-self", "--limit", "1", photos + "/skimage-coffee.png"], extra: index)
        #expect(similar.status == 0, "\(similar.standardError) \(scan.standardError)")
        #expect(similar.standardOutput.contains("skimage-coffee.png"))
        let status = try vggbatch(["status"], extra: index)
        #expect(status.standardOutput.contains("3 images with features"), "\(status.standardOutput)")
        // The stored vector is named after its layer, and label filters say why they cannot work.
        let shown = try vggbatch(["show", photos + "/skimage-coffee.png"], extra: index)
        #expect(shown.standardOutput.contains("model 1, pool5 784 floats"), "\(shown.standardOutput)")
        let shownJSON = try vggbatch(["show", "--json", photos + "/skimage-coffee.png"], extra: index).standardOutput
        #expect(shownJSON.contains("\"feature_layer\": \"pool5\", \"feature_dim\": 784"), "\(shownJSON)")
        for command in [["similar", photos + "/skimage-coffee.png", "--label", "tabby"], ["report", "--label", "tabby", "--output", directory.path("r")]] {
            let refused = try vggbatch(command, extra: index)
            #expect(refused.status == 64 && refused.standardError == "vggbatch: --label: model 1 has no labels (its weights end at pool5). (see 'vggbatch help')\n", "\(refused.standardError)")
        }
        let near = try vggbatch(["duplicates", "--feature", "pool5"], extra: index)
        #expect(near.standardOutput.contains("near duplicates (pool5 cosine"), "\(near.standardOutput)")
        // Weights that are not a published file are described as such, not as an error.
        #expect(scan.standardError.contains("keras layout, not a known published file"), "\(scan.standardError)")
    }
}
