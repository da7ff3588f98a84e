import Foundation
import Testing
import VGGImaging
import _VGGTestSupport

/// `vggbatch explain` and `weights info` through the command line.
@Suite("vggbatch explain")
struct ExplainCLITests {
    let directory = TemporaryDirectory()

    @Test func theTableAndItsAnswers() throws {
        let result = try CommandRunner.vggbatch(["explain"])
        #expect(result.status == 0, "\(result.standardError)")
        let text = result.standardOutput
        #expect(text.contains("conv5_3") && text.contains("features.28") && text.contains("(512, 512, 3, 3)"))
        #expect(text.contains("138,357,544 (138 million") && text.contains("15.470 G"))
        #expect(text.contains("fc6 holds 74.3 %") && text.contains("see 5×5") && text.contains("196×196"))
        let keras = try CommandRunner.vggbatch(["explain", "--layout", "keras"])
        #expect(keras.standardOutput.contains("block5_conv3") && keras.standardOutput.contains("(3, 3, 512, 512)"))
    }

    @Test func jsonCarriesEveryLayer() throws {
        let result = try CommandRunner.vggbatch(["explain", "--json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.count == 21 && layers.first?["name"] as? String == "conv1_1")
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["parameters"] as? Int == 138_357_544 && totals["multiply_adds"] as? Int == 15_470_264_320)
        #expect((object["insights"] as? [Any])?.isEmpty == false)
    }

    @Test func otherConfigurationsAndBadInput() throws {
        let e = try CommandRunner.vggbatch(["explain", "--config", "E"])
        #expect(e.status == 0 && e.standardOutput.contains("VGG19") && e.standardOutput.contains("143,667,240 (144 million"))
        #expect(e.standardOutput.contains("the engine computes D only") && e.standardOutput.contains("conv5_4"))
        let bad = try CommandRunner.vggbatch(["explain", "--config", "F"])
        #expect(bad.status == 64 || bad.status == 2, "\(bad.status)")
        #expect(bad.standardError.contains("expected A, B, C, D or E"))
        // A file that is not VGG16: one line, no table.
        let tiny = directory.path("tiny.safetensors")
        _ = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "3", "--output", tiny])
        let refused = try CommandRunner.vggbatch(["explain", "--weights", tiny])
        #expect(refused.status != 0 && refused.standardError.contains("not VGG16's widths") && refused.standardOutput.isEmpty)
    }

    /// Tensors in network order, not as strings (features.2 before features.10).
    @Test func weightsInfoListsTensorsInNetworkOrder() throws {
        let tiny = directory.path("tiny.safetensors")
        _ = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "3", "--output", tiny])
        let info = try CommandRunner.vggbatch(["weights", "info", tiny]).standardOutput
        let lines = info.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let position = { (name: String) in lines.firstIndex { $0.hasPrefix(name + " ") } ?? -1 }
        #expect(position("features.2.weight") >= 0 && position("features.2.weight") < position("features.10.weight"))
        #expect(position("features.28.bias") < position("classifier.0.weight"))
    }

    /// A photo: the top classes, Grad-CAM as text, every layer's activity; with --html a
    /// page whose every picture decodes; --layer one layer's maps as a PNG.
    @Test func aPhotoLayerByLayer() throws {
        let tiny = directory.path("tiny.safetensors")
        _ = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "3", "--output", tiny])
        let photo = FixturePaths.sample("pillow-hopper.jpg")
        let text = try CommandRunner.vggbatch(["explain", photo, "--weights", tiny])
        #expect(text.status == 0, "\(text.standardError)")
        #expect(text.standardOutput.contains("Grad-CAM for") && text.standardOutput.contains("conv5_3") && text.standardOutput.contains("strongest channels"))
        #expect(text.standardOutput.split(separator: "\n").contains { $0.hasPrefix("fc8 ") })

        let folder = directory.path("page")
        let page = try CommandRunner.vggbatch([
            "explain", photo, "--weights", tiny, "--html", folder, "--layer", "conv3_2", "--channels", "4", "--grey", "--unit", "conv3_1:5,20"])
        #expect(page.status == 0, "\(page.standardError)")
        let html = try String(contentsOfFile: folder + "/index.html", encoding: .utf8)
        let parsed = try HTMLCheck.parse(html).get()
        #expect(parsed.images.count == 21 && !parsed.elements.contains("script"))
        for src in parsed.images {
            let image = try ImageDecoder.decode(contentsOf: folder + "/" + (src.removingPercentEncoding ?? src)).image
            #expect(image.width > 0, "\(src)")
        }
        #expect(FileManager.default.fileExists(atPath: folder + "/explain-conv3_2.png"))
        // conv3_1's field is 24 pixels, its units 4 apart, the first centred on 1.5.
        #expect(parsed.text.contains("conv3_1's unit (5, 20) sees: rows 10…33, columns 70…93"), "\(parsed.text)")
    }

    /// Without --weights, a photo is explained with the index's model.
    @Test func theIndexsModelExplainsAPhoto() throws {
        let tiny = directory.path("tiny.safetensors")
        _ = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "4", "--output", tiny])
        let photos = directory.path("photos")
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: FixturePaths.sample("pillow-hopper.jpg"), toPath: photos + "/hopper.jpg")
        let environment = ["VGGBATCH_DB": directory.path("index.sqlite"), "XDG_CACHE_HOME": directory.path("cache")]
        #expect(try CommandRunner.vggbatch(["scan", photos, "--weights", tiny], environment: environment).status == 0)
        let explained = try CommandRunner.vggbatch(["explain", photos + "/hopper.jpg", "--offline"], environment: environment)
        #expect(explained.status == 0 && explained.standardOutput.contains("Grad-CAM for"), "\(explained.standardError)")
    }

    @Test func aPhotoThatCannotBeExplainedIsOneLine() throws {
        let tiny = directory.path("tiny.safetensors")
        _ = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "3", "--output", tiny])
        let broken = directory.path("broken.jpg")
        _ = FileManager.default.createFile(atPath: broken, contents: Data("not a photo".utf8))
        let result = try CommandRunner.vggbatch(["explain", broken, "--weights", tiny])
        #expect(result.status != 0 && result.standardError.split(separator: "\n").count == 1 && result.standardError.contains("broken.jpg"))
        let noPhoto = try CommandRunner.vggbatch(["explain", "--html", directory.path("x")])
        #expect(noPhoto.status != 0 && noPhoto.standardError.contains("need a photo"))
        let fc = try CommandRunner.vggbatch(["explain", broken, "--layer", "fc6"])
        #expect(fc.status != 0 && fc.standardError.contains("conv1_1 ... pool5"))
    }
}
