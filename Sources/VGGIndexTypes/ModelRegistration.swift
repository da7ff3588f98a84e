import VGGCommon

/// What identifies a model row (weights, preprocessing and resize policy) and what is
/// recorded with it.
public struct ModelRegistration: Sendable, Equatable {
    public var weightsSHA256: String
    /// The published file's name, if it is one.
    public var name: String?
    public var architecture: VGGArchitecture
    public var preprocessing: Preprocessing
    public var resizePolicy: ResizePolicy
    public var featureDimension: Int
    /// Which convolutions compute the descriptors (`ConvolutionBase.fingerprint`); recorded
    /// with the model, not part of what identifies it.
    public var convolutionBase: String?
    /// The arithmetic of the convolutions: recorded when the model is first registered; one
    /// model keeps one precision.
    public var precision: ComputePrecision
    /// What its results do with embedded colour profiles: recorded when the model is first
    /// registered; one model keeps one handling.
    public var color: ColorHandling

    public init(
        weightsSHA256: String, name: String?, architecture: VGGArchitecture, preprocessing: Preprocessing, resizePolicy: ResizePolicy, featureDimension: Int,
        convolutionBase: String? = nil, precision: ComputePrecision = .f32, color: ColorHandling = .srgb
    ) {
        self.color = color
        self.convolutionBase = convolutionBase
        self.precision = precision
        self.weightsSHA256 = weightsSHA256
        self.name = name
        self.architecture = architecture
        self.preprocessing = preprocessing
        self.resizePolicy = resizePolicy
        self.featureDimension = featureDimension
    }
}

/// Where a weights file was found: absolute path bytes, size and modification time.
public struct WeightsLocation: Sendable, Equatable {
    public var path: [UInt8]
    public var size: Int64
    public var mtimeNanoseconds: Int64

    public init(path: [UInt8], size: Int64, mtimeNanoseconds: Int64) {
        self.path = path
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
    }
}
