import VGGCommon
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A safetensors weight file, memory-mapped read-only, whose header has been checked
/// against the file before anything in it is used.
///
/// Layout: an 8-byte little-endian header length N, then N bytes of UTF-8 JSON (possibly
/// padded with spaces), then the data section. Every tensor's `data_offsets` are relative to
/// the data section and are validated here, so later reads never leave the mapping.
///
/// Like any memory map, this assumes nobody truncates the file while it is open; shrinking it
/// underneath would fault on access. `MAP_PRIVATE` keeps other writers' bytes from being
/// promised but does not protect against that.
public final class SafetensorsFile: @unchecked Sendable {
    // @unchecked: the only mutable-looking state is the mapping, which is read-only memory
    // that is never written and is unmapped only in deinit.

    /// Largest header accepted. Real headers are a few kilobytes; the limit keeps a hostile
    /// length from making the reader copy and parse most of a large file as JSON.
    public static let maximumHeaderBytes = 100 * 1024 * 1024

    /// The path given to `init`, used in every error.
    public let path: String
    /// The header's `__metadata__` entries; empty when the header has none.
    public let metadata: [String: String]
    /// Every tensor in the header, by name.
    public let tensors: [String: SafetensorsTensor]

    private let mapping: UnsafeRawBufferPointer

    /// Maps the file at `path` and validates its header.
    ///
    /// Throws `unreadable` when the path cannot be opened, is not a regular file or cannot
    /// be mapped, and `invalidFile` when the length field, JSON or any tensor entry is wrong.
    public init(path: String) throws(ModelError) {
        let mapping = try Self.map(path: path)
        let header: Header
        do throws(ModelError) {
            header = try Self.readHeader(mapping, path: path)
        } catch {
            Self.unmap(mapping)
            throw error
        }
        self.path = path
        self.mapping = mapping
        self.metadata = header.metadata
        self.tensors = header.tensors
    }

    deinit { Self.unmap(mapping) }

    /// Tensor names in ascending order, so listings and errors do not depend on hashing.
    public var tensorNames: [String] { tensors.keys.sorted() }

    /// Calls `body` with the bytes of `tensor`, which must come from `tensors`.
    func withBytes<R>(of tensor: SafetensorsTensor, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        // Safe: init checked byteOffset + byteCount <= mapping.count for every entry; the
        // precondition guards against a tensor value taken from another file.
        precondition(tensors[tensor.name] == tensor, "tensor \(tensor.name) does not belong to \(path)")
        return body(UnsafeRawBufferPointer(rebasing: mapping[tensor.byteOffset..<tensor.byteOffset + tensor.byteCount]))
    }

    // MARK: - Mapping

    private static func map(path: String) throws(ModelError) -> UnsafeRawBufferPointer {
        let file: RegularFile
        do throws(RegularFile.Failure) {
            file = try RegularFile(path: path)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        if file.size == 0 { throw .invalidFile(path: path, reason: "file is empty") }
        if file.size < 8 {
            throw .invalidFile(path: path, reason: "file is \(file.size) bytes, too short for the 8-byte header length")
        }
        guard let mapping = file.map() else {
            throw .unreadable(path: path, reason: "cannot map \(file.size) bytes: \(errnoText())")
        }
        return mapping
    }

    private static func unmap(_ mapping: UnsafeRawBufferPointer) {
        guard let base = mapping.baseAddress else { return }
        munmap(UnsafeMutableRawPointer(mutating: base), mapping.count)
    }

    /// Checks the length field, copies out the header's JSON and validates it against the
    /// data section that follows.
    private static func readHeader(_ mapping: UnsafeRawBufferPointer, path: String) throws(ModelError) -> Header {
        // Safe: map() refused files shorter than 8 bytes.
        let declared = UInt64(littleEndian: mapping.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        // Compared as UInt64 so a length near 2^64 cannot wrap when converted or added.
        let available = UInt64(mapping.count - 8)
        if declared < 2 {
            throw .invalidFile(path: path, reason: "header length \(declared) is too short for a JSON object")
        }
        if declared > available {
            throw .invalidFile(
                path: path,
                reason: "header length \(declared) exceeds the \(available) bytes after the length field")
        }
        if declared > UInt64(maximumHeaderBytes) {
            throw .invalidFile(
                path: path, reason: "header length \(declared) exceeds the limit of \(maximumHeaderBytes) bytes")
        }
        let headerBytes = Int(declared)
        let dataStart = 8 + headerBytes
        // Safe: 8 + headerBytes <= mapping.count was checked just above.
        let json = [UInt8](UnsafeRawBufferPointer(rebasing: mapping[8..<dataStart]))
        return try parseHeader(json, dataStart: dataStart, dataSize: mapping.count - dataStart, path: path)
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
