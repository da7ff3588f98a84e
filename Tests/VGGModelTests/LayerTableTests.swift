import Testing
import VGGCommon
@testable import VGGModel

/// The layer table against the numbers of the references it must equal: Keras 3's
/// `keras.applications.VGG16(weights=None).summary()` (output shapes, parameters) and
/// torchinfo on torchvision's `vgg16()` (multiply-adds with biases), as
/// scripts/explain_reference.py prints them; the paper's Table 2 for A to E.
@Suite("Layer table")
struct LayerTableTests {
    /// name, Keras output shape (H, W, C or units), Keras parameters, torchinfo multiply-adds.
    static let reference: [(String, [Int], Int, Int)] = [
        ("conv1_1", [224, 224, 64], 1_792, 89_915_392), ("conv1_2", [224, 224, 64], 36_928, 1_852_899_328),
        ("pool1", [112, 112, 64], 0, 0),
        ("conv2_1", [112, 112, 128], 73_856, 926_449_664), ("conv2_2", [112, 112, 128], 147_584, 1_851_293_696),
        ("pool2", [56, 56, 128], 0, 0),
        ("conv3_1", [56, 56, 256], 295_168, 925_646_848), ("conv3_2", [56, 56, 256], 590_080, 1_850_490_880),
        ("conv3_3", [56, 56, 256], 590_080, 1_850_490_880), ("pool3", [28, 28, 256], 0, 0),
        ("conv4_1", [28, 28, 512], 1_180_160, 925_245_440), ("conv4_2", [28, 28, 512], 2_359_808, 1_850_089_472),
        ("conv4_3", [28, 28, 512], 2_359_808, 1_850_089_472), ("pool4", [14, 14, 512], 0, 0),
        ("conv5_1", [14, 14, 512], 2_359_808, 462_522_368), ("conv5_2", [14, 14, 512], 2_359_808, 462_522_368),
        ("conv5_3", [14, 14, 512], 2_359_808, 462_522_368), ("pool5", [7, 7, 512], 0, 0),
        ("fc6", [4096], 102_764_544, 102_764_544), ("fc7", [4096], 16_781_312, 16_781_312), ("fc8", [1000], 4_097_000, 4_097_000),
    ]

    @Test func vgg16EqualsKerasAndTorchinfoLayerByLayer() throws {
        let table = LayerTable()
        #expect(table.rows.map(\.name) == Self.reference.map(\.0))
        for (row, (name, shape, parameters, multiplyAdds)) in zip(table.rows, Self.reference) {
            let output = row.kind == .fullyConnected ? [row.output.channels] : [row.output.height, row.output.width, row.output.channels]
            #expect(output == shape && row.parameters == parameters && row.multiplyAddsWithBias == multiplyAdds, "\(name)")
        }
        #expect(table.parameters == 138_357_544)
        #expect(table.multiplyAddsWithBias == 15_483_821_032)
        // Without the bias additions: the 15.47 G usually quoted.
        #expect(table.multiplyAdds == 15_470_264_320)
        #expect(table.parameters == VGGArchitecture.vgg16.parameterCount && table.multiplyAdds == VGGArchitecture.vgg16.multiplyAccumulatesPerImage)
        #expect(table.totals(of: .convolution) == (14_714_688, 15_346_630_656))
    }

    /// The receptive field of one unit of each layer, by the recurrence r += (k − 1)·j,
    /// j ·= s; the known values for VGG16.
    @Test func receptiveFields() {
        let sizes = LayerTable().rows.compactMap { $0.receptiveField?.size }
        #expect(sizes == [3, 5, 6, 10, 14, 16, 24, 32, 40, 44, 60, 76, 92, 100, 132, 164, 196, 212])
        let conv53 = LayerTable().row(named: "conv5_3")?.receptiveField
        #expect(conv53?.jump == 16 && conv53?.start == 7.5)
        #expect(conv53?.span(of: 0) == -90...105)
    }

    /// The paper's Table 2: 133, 133, 134, 138 and 144 million parameters for A to E.
    @Test(arguments: zip(VGGConfiguration.allCases, [133, 133, 134, 138, 144]))
    func configurationsHaveThePapersParameterCounts(configuration: VGGConfiguration, millions: Int) {
        let table = LayerTable(configuration: configuration)
        #expect(Int((Double(table.parameters) / 1e6).rounded()) == millions, "\(configuration): \(table.parameters)")
        #expect(table.rows.filter { $0.kind == .convolution }.count + 3 == configuration.weightLayers)
    }

    @Test func fileNamesAndShapesFollowTheLayout() throws {
        let keras = LayerTable(layout: .keras)
        #expect(keras.row(named: "conv1_2")?.fileName == "block1_conv2" && keras.row(named: "conv1_2")?.weightShape == [3, 3, 64, 64])
        #expect(keras.row(named: "fc8")?.fileName == "predictions" && keras.row(named: "fc6")?.weightShape == [25088, 4096])
        let torch = LayerTable()
        #expect(torch.row(named: "conv3_1")?.fileName == "features.10" && torch.row(named: "fc7")?.fileName == "classifier.3")
        let timm = LayerTable(layout: .timm)
        #expect(timm.row(named: "fc6")?.weightShape == [4096, 512, 7, 7] && timm.row(named: "fc6")?.fileName == "pre_logits.fc1")
        #expect(torch.row(named: "conv1_2")?.weightMeaning == "64 filters of 3×3×64")
    }

    /// The answers carry the table's numbers.
    @Test func insightsAreComputed() {
        let text = LayerTable().insights.map(\.text).joined(separator: "\n")
        #expect(text.contains("see 5×5") && text.contains("73,728") && text.contains("102,400"))
        #expect(text.contains("see 7×7") && text.contains("1,769,472") && text.contains("3,211,264"))
        #expect(text.contains("fc6 holds 74.3 %") && text.contains("64 × 576 = 36,864"))
        #expect(text.contains("196×196"))
        // Configuration C's 1×1 convolutions see less.
        #expect(LayerTable(configuration: .c).insights.map(\.text).joined().contains("140×140"))
    }

    @Test func tensorsSortInNetworkOrder() {
        let names = ["classifier.0.weight", "features.10.bias", "features.2.weight", "features.10.weight", "features.0.bias", "features.0.weight"]
        #expect(names.sorted(by: TensorNames.inNetworkOrder)
            == ["features.0.weight", "features.0.bias", "features.2.weight", "features.10.weight", "features.10.bias", "classifier.0.weight"])
        let keras = ["predictions/kernel", "block10_conv1/kernel", "fc1/kernel", "block2_conv1/bias", "block2_conv1/kernel", "block1_conv2/kernel"]
        #expect(keras.sorted(by: TensorNames.inNetworkOrder)
            == ["block1_conv2/kernel", "block2_conv1/kernel", "block2_conv1/bias", "block10_conv1/kernel", "fc1/kernel", "predictions/kernel"])
        #expect(grouped(138_357_544) == "138,357,544" && grouped(7) == "7")
    }
}
