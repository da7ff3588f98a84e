import Foundation
import Testing
import VGGModel
import _VGGTestSupport

/// What `weights install` fetches, checks and writes, decided before anything is downloaded.
@Suite("Weights install plan")
struct WeightsInstallPlanTests {
    let environment = ["XDG_CACHE_HOME": "/cache-here"]

    @Test func nothingNamedIsTheDefaultWeightsIntoTheCache() throws {
        let plan = try WeightsInstallPlan(name: nil, url: nil, sha256: nil, output: nil, environment: environment)
        let known = KnownWeights.defaultWeights
        let published = try #require(known.sha256)
        #expect(plan.known?.name == known.name && plan.url == known.url && plan.checksum == .sha256(published))
        #expect(plan.destination == "/cache-here/vggbatch/" + known.fileName && plan.notLoadable == nil)
    }

    @Test func kerasFilesAreCheckedByTheirPublishedMD5AndAPickleIsNoted() throws {
        let keras = try WeightsInstallPlan(name: "keras-vgg16-notop", url: nil, sha256: nil, output: "/w.h5", environment: environment)
        #expect(keras.checksum == .md5("6d6bbae143d832006294945121d1f1fc") && keras.destination == "/w.h5")
        let pickle = try WeightsInstallPlan(name: "torchvision-vgg16", url: nil, sha256: nil, output: nil, environment: environment)
        #expect(pickle.notLoadable?.contains("pytorch-pickle, which vggbatch does not load") == true)
    }

    @Test func aURLNeedsItsSHA256AndAnUnknownNameIsRefused() throws {
        let mirrored = try WeightsInstallPlan(
            name: nil, url: "https://mirror.example/files/w.safetensors", sha256: "ABC", output: nil, environment: environment)
        #expect(mirrored.known == nil && mirrored.checksum == .sha256("abc") && mirrored.fileName == "w.safetensors")
        #expect(throws: WeightsInstallPlan.Refusal.self) {
            try WeightsInstallPlan(name: "vgg19", url: nil, sha256: nil, output: nil, environment: environment)
        }
    }

    @Test func aFileIsKnownNamedLikeAKnownOneOrUnknown() throws {
        let timm = try #require(KnownWeights.all.first { $0.sha256 != nil })
        #expect(KnownWeights.verdict(fileName: "anything", sha256: try #require(timm.sha256).uppercased()) == .known(timm))
        #expect(KnownWeights.verdict(fileName: timm.fileName, sha256: String(repeating: "0", count: 64)) == .notAsPublished(timm))
        #expect(KnownWeights.verdict(fileName: "mine.safetensors", sha256: String(repeating: "0", count: 64)) == .unknown)
    }
}
