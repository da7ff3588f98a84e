/// What a `DirectoryWalker` reports and where it refuses to go.
///
/// The defaults suit a photo library on a local disk or a removable drive: hidden and
/// system folders are left alone, symbolic links are reported but not followed, and only
/// JPEG and PNG names are candidates. Extensions are a hint for choosing candidates, never
/// a statement of format; the decoder still checks the bytes.
public struct WalkOptions: Sendable, Equatable {
    /// Report names that start with "." and system folders instead of skipping them.
    public var includeHidden: Bool
    /// Follow symbolic links to files and directories. Loops and directories reached twice
    /// are detected by device and inode, so each real directory is walked once.
    public var followSymlinks: Bool
    /// File name extensions (without the dot) that make a regular file a candidate;
    /// matched against the last name component, ignoring ASCII case.
    public var extensions: Set<String>
    /// How many directory levels below the root are entered; deeper directories are
    /// reported as skipped ("too deep"). 0 lists only the root's own files.
    public var maxDepth: Int

    /// The extensions used when a caller does not pass its own.
    public static let defaultExtensions: Set<String> = [
        "jpg", "jpeg", "jpe", "jfif", "png", "heic", "heif", "hif", "avif", "webp", "tif", "tiff",
        // Camera RAW: Adobe, Canon, Nikon, Sony, Fujifilm, Olympus, Panasonic, Pentax, Samsung,
        // Leica, Hasselblad, Phase One, Sigma, Kodak, Minolta, Epson.
        "dng", "cr2", "cr3", "crw", "nef", "nrw", "arw", "srf", "sr2", "raf", "orf", "rw2", "pef", "srw", "rwl", "raw",
        "3fr", "fff", "iiq", "x3f", "kdc", "dcr", "mrw", "erf", "mef", "mos",
    ]

    /// Image formats vggbatch does not read, by extension, with the name a person knows:
    /// such files are counted as skipped (`WalkEntry.Kind.unsupportedFormat`), not passed over
    /// in silence.
    public static let unsupportedFormats: [String: String] = [
        "gif": "GIF", "bmp": "BMP", "dib": "BMP", "svg": "SVG", "psd": "PSD", "psb": "PSD", "jxl": "JPEG XL", "jp2": "JPEG 2000",
        "j2k": "JPEG 2000", "jpx": "JPEG 2000", "ico": "ICO", "icns": "ICNS", "exr": "OpenEXR", "hdr": "Radiance HDR",
        "tga": "TGA", "pcx": "PCX", "xcf": "GIMP XCF", "pbm": "PNM", "pgm": "PNM", "ppm": "PNM", "pnm": "PNM",
        "heics": "HEIF sequence", "avifs": "AVIF sequence",
    ]

    /// Folder names that operating systems and tools create for themselves and that never
    /// hold a user's photos (or hold thumbnails of them, which would be indexed twice).
    public static let systemFolderNames: Set<[UInt8]> = [
        Array("@eaDir".utf8),  // Synology thumbnails
        Array("node_modules".utf8),
        Array("System Volume Information".utf8),
        Array("$RECYCLE.BIN".utf8),
        Array("lost+found".utf8),
    ]

    public init(
        includeHidden: Bool = false,
        followSymlinks: Bool = false,
        extensions: Set<String> = WalkOptions.defaultExtensions,
        maxDepth: Int = 256
    ) {
        self.includeHidden = includeHidden
        self.followSymlinks = followSymlinks
        self.extensions = extensions
        self.maxDepth = maxDepth
    }

    /// `extensions` as raw bytes, lowercased and without a leading dot, so "JPG" and
    /// ".jpg" both work; computed once per walk rather than once per name.
    var extensionKeys: Set<[UInt8]> {
        Set(extensions.map { text in
            let bare = text.hasPrefix(".") ? String(text.dropFirst()) : text
            return Array(bare.lowercased().utf8)
        })
    }

    /// Whether `name` (one raw path component) ends in one of `keys`, ignoring ASCII case.
    ///
    /// The format of a name whose extension is one of `unsupportedFormats`, if it is.
    static func unsupportedFormat(of name: [UInt8]) -> String? {
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")), dot > name.startIndex else { return nil }
        let suffix = String(decoding: name[(dot + 1)...], as: UTF8.self).lowercased()
        return unsupportedFormats[suffix]
    }

    /// A leading dot does not start an extension: ".jpg" is a hidden file with no extension.
    static func name(_ name: [UInt8], hasExtensionIn keys: Set<[UInt8]>) -> Bool {
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")), dot > 0 else { return false }
        let suffix = name[(dot + 1)...].map { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
        }
        return keys.contains(suffix)
    }
}
