import VGGCommon
import Testing
import VGGModel

@Suite("VGG layer table")
struct ArchitectureTests {
    @Test func vgg16MatchesThePublishedCounts() {
        let vgg = VGGArchitecture.vgg16
        #expect(vgg.parameterCount == 138_357_544)
        // 15.47 GMAC per 224x224 image (torchvision's "15.47 GFLOPS" counts multiply-adds).
        #expect(vgg.multiplyAccumulatesPerImage == 15_470_264_320)
        #expect(vgg.convolutions.count == 13)
        #expect(vgg.fullyConnected.map(\.inputs) == [25088, 4096, 4096])
        #expect(vgg.fullyConnected.map(\.outputs) == [4096, 4096, 1000])
        #expect(vgg.fullyConnected.map(\.relu) == [true, true, false])
        #expect(vgg.featureWidth == 4096 && vgg.classCount == 1000)
        #expect(vgg.pool5Shape == (512, 7, 7))
        // torchvision's `features` indices: conv, ReLU pairs with a pool after each block.
        #expect(vgg.convolutions.map(\.featuresIndex) == [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28])
        #expect(vgg.convolutions.map(\.name).last == "conv5_3")
        #expect(vgg.layers.filter { $0 == .maxPool }.count == 5)
    }

    @Test func metadataRoundTrips() {
        for architecture in [VGGArchitecture.vgg16, .tiny] {
            #expect(VGGArchitecture(metadataValue: architecture.metadataValue) == architecture)
        }
        #expect(VGGArchitecture.tiny.metadataValue == "D:4,4,8,8,8,8,8,16,16,16,16,16,16:32:1000:32x32")
    }

    @Test(arguments: ["", "D", "E:1,2:3:4:32x32", "D:1,2,3:32:10:32x32", "D:4,4,8,8,8,8,8,16,16,16,16,16,16:32:1000:31x32",
                      "D:4,4,8,8,8,8,8,16,16,16,16,16,0:32:1000:32x32", "D:4,4,8,8,8,8,8,16,16,16,16,16,16:x:1000:32x32"])
    func malformedMetadataIsRejected(_ text: String) {
        #expect(VGGArchitecture(metadataValue: text) == nil)
    }
}

@Suite("ImageNet labels")
struct LabelTests {
    @Test func thousandClassesInIndexOrder() {
        #expect(ImageNetLabels.count == 1000)
        #expect(ImageNetLabels.at(0) == ImageNetClass(index: 0, wnid: "n01440764", label: "tench", lemmas: "tench, Tinca tinca"))
        #expect(ImageNetLabels.at(281)?.wnid == "n02123045")
        #expect(ImageNetLabels.at(281)?.label == "tabby")
        #expect(ImageNetLabels.at(999)?.wnid == "n15075141")
        #expect(ImageNetLabels.at(1000) == nil && ImageNetLabels.at(-1) == nil)
    }

    @Test func namesAreNotUniqueButWnidsAre() {
        #expect(ImageNetLabels.matching("crane").map(\.index) == [134, 517])
        #expect(ImageNetLabels.matching("tabby cat").map(\.index) == [281])
        #expect(ImageNetLabels.matching("n02123045").map(\.index) == [281])
        #expect(ImageNetLabels.matching("no such thing").isEmpty)
        let wnids = Set((0..<1000).compactMap { ImageNetLabels.at($0)?.wnid })
        #expect(wnids.count == 1000)
    }
}
