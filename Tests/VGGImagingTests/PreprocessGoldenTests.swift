import Testing
import VGGImaging
import VGGModel
import _VGGTestSupport

/// The whole preparation (decode, resize, preset) against tensors computed the torchvision
/// and Keras way with Pillow and numpy (scripts/make_engine_goldens.py), which take the
/// numbers as stored: the rocket's Adobe RGB profile is not converted here.
@Suite("Preprocessing goldens")
struct PreprocessGoldenTests {
    @Test(arguments: [
        ("skimage-chelsea.png", Preprocessing.torch, ResizePolicy.squash, "preprocess-chelsea-torch-squash"),
        ("skimage-rocket.jpg", Preprocessing.caffe, ResizePolicy.centerCrop, "preprocess-rocket-caffe-center-crop"),
    ])
    func matchesReferenceTensor(_ photo: String, _ preset: Preprocessing, _ policy: ResizePolicy, _ golden: String) throws {
        let expected = try SafetensorsFile(path: FixturePaths.imaging("golden/\(golden).safetensors")).floats("tensor")
        let prepared = try ImagePreparation(policy: policy, dctScaling: false, color: .asStored).prepare(contentsOf: FixturePaths.sample(photo))
        let tensor = preset.tensor(from: prepared.resized)
        try #require(tensor.count == expected.count)
        var largest: Float = 0
        var total: Double = 0
        for (a, b) in zip(tensor, expected) {
            largest = max(largest, abs(a - b))
            total += Double(abs(a - b))
        }
        let mean = total / Double(tensor.count)
        if photo.hasSuffix(".png") {
            // Same pixels and the same float formula: identical up to float rounding.
            #expect(largest < 1e-5, "max \(largest)")
        } else {
            // The JPEG was decoded by Pillow's bundled libjpeg-turbo: a few pixels may differ
            // by a grey level (0.017 in torch units, 1.0 in caffe units), none by more than two.
            #expect(mean < 0.05 && largest <= 2.0 + 1e-4, "mean \(mean), max \(largest)")
        }
    }
}
