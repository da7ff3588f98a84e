#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif
import VGGCommon

/// Writes F32 safetensors files byte-for-byte reproducibly.
///
/// The header is compact JSON with `__metadata__` first (when there is any) and tensors
/// sorted by the UTF-8 bytes of their names; the data follows in the same order. The header
/// is padded with spaces to a multiple of 8 bytes, as the Python safetensors library does, so
/// the data section starts 8-byte aligned.
public enum SafetensorsWriter {
    /// Writes `tensors` as little-endian F32 to `path`, through `path + ".tmp"` and a rename,
    /// so a reader never sees a half-written file under the final name.
    ///
    /// Each tensor's values are written straight from its array, one tensor at a time, so
    /// writing ~550 MB of weights needs no second copy in memory.
    ///
    /// Preconditions (caller bugs, not file problems): names are unique and not
    /// `__metadata__`, dimensions are non-negative, and `values.count` equals the product
    /// of `shape`.
    public static func write(
        _ tensors: [(name: String, shape: [Int], values: [Float])],
        metadata: [String: String] = [:],
        to path: String
    ) throws(ModelError) {
        let order = tensors.indices.sorted { utf8Precedes(tensors[$0].name, tensors[$1].name) }
        for (position, index) in order.enumerated() {
            let tensor = tensors[index]
            precondition(tensor.name != "__metadata__", "__metadata__ is reserved and cannot name a tensor")
            precondition(
                position == 0 || tensors[order[position - 1]].name != tensor.name,
                "tensor name \(tensor.name) appears twice")
            precondition(tensor.shape.allSatisfy { $0 >= 0 }, "tensor \(tensor.name) has a negative dimension")
            let product = tensor.shape.reduce(1) { partial, dimension in
                let (next, overflow) = partial.multipliedReportingOverflow(by: dimension)
                precondition(!overflow, "tensor \(tensor.name) shape \(tensor.shape) overflows Int")
                return next
            }
            precondition(
                product == tensor.values.count,
                "tensor \(tensor.name) has \(tensor.values.count) values for shape \(tensor.shape)")
        }

        let header = headerBytes(order.map { tensors[$0] }, metadata: metadata)
        var prefix = withUnsafeBytes(of: UInt64(header.count).littleEndian) { [UInt8]($0) }
        prefix += header

        let temporaryPath = path + ".tmp"
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw .unwritable(path: temporaryPath, reason: errnoText()) }
        var failure: String?
        if let reason = writeAll(fd, prefix) {
            failure = reason
        } else {
            for index in order {
                if let reason = writeAll(fd, tensors[index].values) {
                    failure = reason
                    break
                }
            }
        }
        // fsync before rename so a crash cannot leave the final name pointing at missing data.
        if failure == nil, fsync(fd) != 0 { failure = "fsync: \(errnoText())" }
        if close(fd) != 0, failure == nil { failure = "close: \(errnoText())" }
        if let failure {
            unlink(temporaryPath)
            throw .unwritable(path: temporaryPath, reason: failure)
        }
        if rename(temporaryPath, path) != 0 {
            let reason = "rename from \(temporaryPath): \(errnoText())"
            unlink(temporaryPath)
            throw .unwritable(path: path, reason: reason)
        }
    }

    // MARK: - Header

    /// The compact JSON header, padded with spaces to a multiple of 8 bytes.
    private static func headerBytes(
        _ sorted: [(name: String, shape: [Int], values: [Float])], metadata: [String: String]
    ) -> [UInt8] {
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted(by: utf8Precedes).map { key in
                "\(JSONText.string(key)):\(JSONText.string(metadata[key] ?? ""))"
            }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in sorted {
            let end = offset + tensor.values.count * MemoryLayout<Float>.size
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\(JSONText.string(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var bytes = Array("{\(entries.joined(separator: ","))}".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8)
        return bytes
    }

    /// Byte order of UTF-8, which is what other safetensors writers sort by; `String`'s own
    /// `<` compares by Unicode canonical equivalence and could order names differently.
    private static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    // MARK: - Output

    /// Writes all of `bytes`, retrying short writes and EINTR; returns why it failed, or nil.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// Writes `values` as little-endian F32.
    private static func writeAll(_ fd: Int32, _ values: [Float]) -> String? {
        #if _endian(little)
        return values.withUnsafeBytes { writeAll(fd, $0) }
        #else
        // Big-endian hosts swap through a bounded chunk rather than a copy of the whole tensor.
        let chunkSize = 1 << 16
        var start = 0
        while start < values.count {
            let end = min(start + chunkSize, values.count)
            let chunk = FloatCodec.encode(values[start..<end])
            if let failure = chunk.withUnsafeBytes({ writeAll(fd, $0) }) { return failure }
            start = end
        }
        return nil
        #endif
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> String? {
        guard let base = buffer.baseAddress else { return nil }
        var written = 0
        while written < buffer.count {
            // Safe: written < buffer.count, so base + written and the remaining length stay inside buffer.
            let n = systemWrite(fd, base + written, buffer.count - written)
            if n > 0 {
                written += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return n == 0 ? "write made no progress" : errnoText()
            }
        }
        return nil
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
