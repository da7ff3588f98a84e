import VGGCommon

/// A file found by the walk in one of the scan roots.
public struct FoundFile: Sendable, Equatable {
    public var rootID: Int64
    public var relativePath: [UInt8]
    public var absolutePath: [UInt8]
    public var stat: FileStat

    public init(rootID: Int64, relativePath: [UInt8], absolutePath: [UInt8], stat: FileStat) {
        self.rootID = rootID
        self.relativePath = relativePath
        self.absolutePath = absolutePath
        self.stat = stat
    }
}
