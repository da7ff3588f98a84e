import VGGCommon
import VGGImaging
import VGGIndexTypes

/// Runs batches of prepared images through the network.
public protocol BatchClassifier: AnyObject {
    /// Largest batch `classify` accepts.
    var maxBatchSize: Int { get }
    /// Classifies images already resized to the network's input (1...maxBatchSize of them);
    /// one output per image, in order.
    func classify(_ images: [RGBImage]) -> [ImageResult]
    /// Processor seconds the network's threads have used so far (0 when not measured).
    var engineCPUSeconds: Double { get }
}

extension BatchClassifier {
    public var engineCPUSeconds: Double { 0 }
}

extension ImagePreparation {
    /// The decode settings a queued file carries to whichever worker decodes it.
    public var decodeSettings: DecodeSettings {
        get { DecodeSettings(maxPixels: maxPixels, dctScaling: dctScaling) }
        set {
            maxPixels = newValue.maxPixels
            dctScaling = newValue.dctScaling
        }
    }
}
