import VGGCommon
/// One image row as a scan needs it.
public struct StoredImage: Sendable, Equatable {
    public var id: Int64
    public var rootID: Int64
    public var rootPath: [UInt8]
    public var relativePath: [UInt8]
    public var stat: FileStat
    public var fingerprint: [UInt8]?
    public var status: KnownFile.Status
    /// Whether predictions and features exist for the model asked about.
    public var hasResults: Bool
    /// Whether its pooled descriptors (GeM, R-MAC) exist too: rows indexed before they did
    /// have results but not these.
    public var hasDescriptors: Bool

    public init(
        id: Int64, rootID: Int64, rootPath: [UInt8], relativePath: [UInt8], stat: FileStat, fingerprint: [UInt8]?, status: KnownFile.Status,
        hasResults: Bool, hasDescriptors: Bool
    ) {
        self.id = id
        self.rootID = rootID
        self.rootPath = rootPath
        self.relativePath = relativePath
        self.stat = stat
        self.fingerprint = fingerprint
        self.status = status
        self.hasResults = hasResults
        self.hasDescriptors = hasDescriptors
    }
}
