import VGGCommon

/// A model row as `status` and `export` show it.
public struct StoredModel: Sendable, Equatable {
    public var id: Int64
    public var weightsSHA256: String
    public var name: String?
    public var architecture: VGGArchitecture
    public var preprocessing: Preprocessing
    public var resizePolicy: ResizePolicy
    public var featureDimension: Int
    /// Where the weights were last found (absolute path bytes), with their size and
    /// modification time then; nil for a model recorded before the index kept them.
    public var weightsPath: [UInt8]?
    public var weightsSize: Int64?
    public var weightsModifiedNanoseconds: Int64?
    /// Images with results for this model, counted on the small prediction rows (the
    /// feature rows are 16 KB each, and counting them reads the whole table); for a model
    /// that ends at pool5, which has no predictions, on the feature rows.
    public var imageCount: Int
    /// Which convolutions computed its descriptors (`ModelRegistration.convolutionBase`); nil
    /// when not recorded yet.
    public var convolutionBase: String?
    /// The arithmetic its convolutions ran in ("f32" for models recorded before the index
    /// kept it).
    public var precision: String

    public init(
        id: Int64, weightsSHA256: String, name: String?, architecture: VGGArchitecture, preprocessing: Preprocessing, resizePolicy: ResizePolicy,
        featureDimension: Int, weightsPath: [UInt8]?, weightsSize: Int64?, weightsModifiedNanoseconds: Int64?, imageCount: Int,
        convolutionBase: String? = nil, precision: String = "f32"
    ) {
        self.convolutionBase = convolutionBase
        self.precision = precision
        self.id = id
        self.weightsSHA256 = weightsSHA256
        self.name = name
        self.architecture = architecture
        self.preprocessing = preprocessing
        self.resizePolicy = resizePolicy
        self.featureDimension = featureDimension
        self.weightsPath = weightsPath
        self.weightsSize = weightsSize
        self.weightsModifiedNanoseconds = weightsModifiedNanoseconds
        self.imageCount = imageCount
    }
}
