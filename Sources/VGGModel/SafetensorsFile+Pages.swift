#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SafetensorsFile {
    /// Tells the kernel the pages of these tensors are no longer needed, so a model packed
    /// layer by layer does not keep the whole mapped file resident. Reading them again later
    /// is still valid: the pages are simply re-read from the file.
    public func releasePages(of names: [String]) {
        for name in names {
            guard let tensor = tensors[name] else { continue }
            withBytes(of: tensor) { Self.releasePages($0) }
        }
    }

    /// Releases the whole pages inside `bytes`, which must lie in a file's mapping.
    static func releasePages(_ bytes: UnsafeRawBufferPointer) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let start = (Int(bitPattern: base) + page - 1) / page * page
        let end = (Int(bitPattern: base) + bytes.count) / page * page
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        // Safe: [start, end) lies inside this file's read-only private mapping.
        _ = madvise(pointer, end - start, Int32(MADV_DONTNEED))
    }
}
