import VGGCommon

/// What the network says about one image: its best classes and its vectors. The one carrier
/// of a result, from the network to the index, an export and a result line and back.
public struct ImageResult: Sendable, Equatable {
    /// The best classes, most probable first.
    public var top: [(index: Int, probability: Float)]
    /// The feature vector (fc7, or pool5 for a convolutions-only network).
    public var features: [Float]
    /// The GeM and R-MAC descriptors of the last convolution (empty when not computed).
    public var gem: [Float]
    public var rmac: [Float]
    /// The int8 search code of `features`, set by the write side just before the result is
    /// stored (`SearchCoding`); nil anywhere else, and then stored without one (the search
    /// data is brought up to date after the scan).
    public var searchCode: FeatureCode?

    public init(
        top: [(index: Int, probability: Float)], features: [Float], gem: [Float] = [], rmac: [Float] = [], searchCode: FeatureCode? = nil
    ) {
        self.top = top
        self.features = features
        self.gem = gem
        self.rmac = rmac
        self.searchCode = searchCode
    }

    /// The pooled descriptor of `kind` (`.network` is `features`).
    public func vector(_ kind: FeatureKind) -> [Float] { kind.pick(network: features, gem: gem, rmac: rmac) }

    public static func == (a: ImageResult, b: ImageResult) -> Bool {
        a.features == b.features && a.gem == b.gem && a.rmac == b.rmac && a.top.map(\.index) == b.top.map(\.index)
            && a.top.map(\.probability) == b.top.map(\.probability)
    }
}
