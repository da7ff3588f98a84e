import VGGCommon

/// How the index already knows a file.
public struct KnownFile: Sendable, Equatable {
    public enum Status: String, Sendable {
        case ok, failed, missing
    }

    public var imageID: Int64
    public var rootID: Int64
    public var relativePath: [UInt8]
    public var absolutePath: [UInt8]
    public var stat: FileStat
    public var fingerprint: [UInt8]?
    public var status: Status
    /// Whether predictions and features exist for the scan's model.
    public var hasResults: Bool
    /// Whether the pooled descriptors exist too (rows indexed before them lack them).
    public var hasDescriptors: Bool
    /// Results with nothing missing: nothing to compute for this content.
    public var isComplete: Bool { hasResults && hasDescriptors }

    public init(
        imageID: Int64, rootID: Int64, relativePath: [UInt8], absolutePath: [UInt8], stat: FileStat,
        fingerprint: [UInt8]?, status: Status, hasResults: Bool, hasDescriptors: Bool = true
    ) {
        self.imageID = imageID
        self.rootID = rootID
        self.relativePath = relativePath
        self.absolutePath = absolutePath
        self.stat = stat
        self.fingerprint = fingerprint
        self.status = status
        self.hasResults = hasResults
        self.hasDescriptors = hasDescriptors
    }
}
