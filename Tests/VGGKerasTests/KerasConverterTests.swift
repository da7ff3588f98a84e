import Foundation
import Testing
import VGGKeras
import VGGModel
import _VGGTestSupport

/// The converter the helper process runs: the same numbers in torchvision layout, with the
/// record of where they came from.
@Suite("Keras conversion")
struct KerasConverterTests {
    @Test func theConvertedFileHoldsTheSameLayersAndItsRecord() throws {
        let directory = TemporaryDirectory()
        let output = directory.path("converted.safetensors")
        try KerasConverter.convert(path: KerasWeightsTests.fixture("tiny-keras.h5"), sha256: "abc", output: output)
        let converted = try SafetensorsWeights(path: output)
        let torch = try SafetensorsWeights(path: KerasWeightsTests.fixture("tiny-torch.safetensors"))
        #expect(converted.architecture == torch.architecture)
        for index in converted.architecture.convolutions.indices {
            #expect(try converted.convolution(index) == torch.convolution(index), "convolution \(index)")
        }
        #expect(converted.file.metadata[KerasConversionRecord.sourceKey] == "abc")
        let datasets = try #require(KerasConversionRecord.datasets(recordedIn: converted.file))
        #expect(datasets.count == 2 * (converted.architecture.convolutions.count + converted.architecture.fullyConnected.count))
        #expect(KerasConversionRecord.attributes(recordedIn: converted.file)["keras_version"] == "2.2.4")
        #expect(KerasConversionRecord.isHDF5(path: KerasWeightsTests.fixture("tiny-keras.h5")) && !KerasConversionRecord.isHDF5(path: output))
    }

    @Test func aDamagedFileIsRefusedWithItsReasonAndNothingIsWritten() throws {
        let directory = TemporaryDirectory()
        let damaged = directory.path("damaged.h5")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: KerasWeightsTests.fixture("tiny-keras.h5")))
        bytes = bytes.prefix(bytes.count / 2)
        try bytes.write(to: URL(fileURLWithPath: damaged))
        let output = directory.path("out.safetensors")
        #expect(throws: ModelError.self) { try KerasConverter.convert(path: damaged, sha256: "abc", output: output) }
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
