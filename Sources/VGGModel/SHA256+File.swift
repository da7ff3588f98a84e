import VGGCommon

extension BlockHasher {
    /// The digest of a whole regular file, read in 4 MiB chunks, as lowercase hex digits.
    public static func hexDigest(ofFile path: String) throws(ModelError) -> String {
        var hasher = Self()
        do throws(RegularFile.Failure) {
            try RegularFile(path: path).readAll { hasher.update($0) }
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        return hasher.finalizeHex()
    }
}
