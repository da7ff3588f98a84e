import VGGCommon

/// The part of the index one walk covers: a whole scan root, or a folder inside one (a scan
/// of a subfolder of a known root updates that root's rows; it never makes a second root).
public struct ScanTarget: Sendable, Equatable {
    public var rootID: Int64
    /// The root's absolute path bytes.
    public var rootPath: [UInt8]
    /// The walked folder relative to the root; empty for the whole root.
    public var subpath: [UInt8]

    public init(rootID: Int64, rootPath: [UInt8], subpath: [UInt8]) {
        self.rootID = rootID
        self.rootPath = rootPath
        self.subpath = subpath
    }

    /// The folder to walk.
    public var path: [UInt8] { PathBytes.join(rootPath, subpath) }
}
