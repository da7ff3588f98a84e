/// Everything stored for one image.
public struct ImageDetails: Sendable {
    public var image: StoredImage
    public var width: Int?
    public var height: Int?
    public var failureReason: String?
    public var firstSeen: String
    public var lastSeen: String
    /// Per model id: its top-5 classes and feature vector (the descriptors are left out).
    public var results: [(modelID: Int64, result: ImageResult)]

    public init(
        image: StoredImage, width: Int?, height: Int?, failureReason: String?, firstSeen: String, lastSeen: String,
        results: [(modelID: Int64, result: ImageResult)]
    ) {
        self.image = image
        self.width = width
        self.height = height
        self.failureReason = failureReason
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.results = results
    }
}
