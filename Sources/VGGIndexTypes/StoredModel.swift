import VGGCommon

/// A model row as `status` and `export` show it: what identifies it and what was recorded
/// with it (its `registration`, whose fields read as its own: `model.weightsSHA256`), its id,
/// where its weights were last found and how many images have its results.
@dynamicMemberLookup
public struct StoredModel: Sendable, Equatable {
    public var id: Int64
    public var registration: ModelRegistration
    /// Where the weights were last found (absolute path bytes), with their size and
    /// modification time then; nil for a model recorded before the index kept them.
    public var weightsPath: [UInt8]?
    public var weightsSize: Int64?
    public var weightsModifiedNanoseconds: Int64?
    /// Images with results for this model, counted on the small prediction rows (the
    /// feature rows are 16 KB each, and counting them reads the whole table); for a model
    /// that ends at pool5, which has no predictions, on the feature rows.
    public var imageCount: Int

    /// The row of `registration`, with its id, where its weights were last found (nil for a
    /// model recorded before the index kept it) and how many images have its results.
    public init(id: Int64, registration: ModelRegistration, weights location: WeightsLocation?, imageCount: Int) {
        self.id = id
        self.registration = registration
        (weightsPath, weightsSize, weightsModifiedNanoseconds) = (location?.path, location?.size, location?.mtimeNanoseconds)
        self.imageCount = imageCount
    }

    /// The registration's fields: weights, preprocessing, resize policy, architecture,
    /// dimension, convolution base and precision.
    public subscript<Value>(dynamicMember field: KeyPath<ModelRegistration, Value>) -> Value {
        registration[keyPath: field]
    }
}
