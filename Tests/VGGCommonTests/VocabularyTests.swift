import Testing
import VGGCommon

/// The words the index, the command line and result lines share.
@Suite("Vocabulary")
struct VocabularyTests {
    @Test func architecturesSurviveTheirMetadataText() {
        for architecture in [VGGArchitecture.vgg16, .tiny] {
            #expect(VGGArchitecture(metadataValue: architecture.metadataValue) == architecture)
        }
        #expect(VGGArchitecture.vgg16.descriptorWidth == 512 && VGGArchitecture.vgg16.hasClassifier)
        for bad in ["", "vgg16", "D:1,2:3:4:5x5", "synthetic"] { #expect(VGGArchitecture(metadataValue: bad) == nil, "\(bad)") }
    }

    @Test func enumsPrintAsTheyAreWritten() {
        #expect("\(ResizePolicy.centerCrop)" == "center-crop" && ResizePolicy(rawValue: "center-crop") == .centerCrop)
        #expect("\(Preprocessing.caffe)" == "caffe" && Preprocessing.caffe.channelOrder == "BGR")
        #expect(FeatureKind(name: "POOL5") == .network && FeatureKind(name: "r-mac") == .rmac && FeatureKind(name: "sift") == nil)
        #expect(FeatureKind.network.name(hasClassifier: false) == "pool5")
    }

    @Test func unitVectorsKeepTheirDirection() {
        var v: [Float] = [3, 4]
        #expect(UnitVector.normalise(&v) && v == [0.6, 0.8])
        var zero: [Float] = [0, 0]
        #expect(!UnitVector.normalise(&zero))
    }
}
