import VGGCommon


/// What a search reads from an index, for one model: the rows it covers and the stored forms
/// of their vectors. The index (SQLite or PostgreSQL) implements it; search never imports a
/// database.
public protocol SearchData: AnyObject {
    /// Every ok image with a feature vector for the model, sorted by path (the order that
    /// breaks equal scores). Row r of every search array is image r.
    func searchRows(modelID: Int64) throws(StoreError) -> SearchRows

    /// Every row's code passed to `score` (code bytes, scale) in one streaming pass, with its
    /// error bound; rows without a valid stored code are listed (`missing`) for the search to
    /// code from their float vectors, so no image is ever left out. The codes are never all
    /// held.
    func searchEstimates(
        modelID: Int64, rows: SearchRows, dimension: Int, score: (_ code: UnsafeRawBufferPointer, _ scale: Float) -> Float
    ) throws(StoreError) -> SearchEstimates

    /// The basis coordinates of `rows`, read in one pass; rows without one are listed.
    func searchProjections(modelID: Int64, rows: SearchRows, rank: Int) throws(StoreError) -> SearchProjections

    /// The model's stored basis, if one was learned.
    func basis(modelID: Int64) throws(StoreError) -> StoredBasis?

    /// Up to `limit` feature vectors spread evenly over the model's images: the sample a
    /// basis is learned from, the same for a search that finds none stored as for the writer.
    func sampleFeatures(modelID: Int64, limit: Int) throws(StoreError) -> [[Float]]

    /// Full feature vectors of these images for the model, in the order asked (nil where absent).
    func features(imageIDs: [Int64], modelID: Int64) throws(StoreError) -> [[Float]?]

    /// Every ok image with a pooled descriptor of `kind` (gem, rmac) for the model, sorted by path.
    func searchRows(modelID: Int64, descriptor kind: FeatureKind) throws(StoreError) -> SearchRows

    /// Every row's exact cosine with the unit `query` from its descriptor of `kind`, in one
    /// streaming pass that never holds the descriptors (0 for a row without one).
    func descriptorScores(modelID: Int64, kind: FeatureKind, rows: SearchRows, query: [Float]) throws(StoreError) -> [Float]

    /// The descriptors of `kind` of every row, rows × dimension, row-major, read in one pass.
    func descriptors(modelID: Int64, kind: FeatureKind, rows: SearchRows, dimension: Int) throws(StoreError) -> [Float]

    /// Descriptors of `kind` of these images, in the order asked (nil where absent).
    func descriptors(imageIDs: [Int64], modelID: Int64, kind: FeatureKind) throws(StoreError) -> [[Float]?]

    /// How many ok images have a feature vector for the model but no descriptor of `kind`
    /// (indexed before descriptors existed, or imported from lines without them).
    func imagesWithoutDescriptor(modelID: Int64, kind: FeatureKind) throws(StoreError) -> Int
}
