import CZlib
import Foundation
import VGGCommon

/// The files of results to import, as given: `.jsonl` files, `.jsonl.gz` files (any gzip
/// file, whatever its name), and directories of Spark output (`part-*` files, plain or
/// compressed, in name order; `_SUCCESS` and hidden files skipped).
public enum ResultFiles {
    /// Every file to read, in order; a reason for a path that is neither a file nor a folder.
    public static func expand(_ paths: [String]) throws(IndexingError) -> [String] {
        var files = [String]()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .input("\(path): no such file or folder")
            }
            if !isDirectory.boolValue {
                files.append(path)
                continue
            }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                throw .input("\(path): cannot list the folder")
            }
            let parts = names.filter { $0.hasPrefix("part-") }.sorted()
            if parts.isEmpty { throw .input("\(path): no part-* files in the folder") }
            files += parts.map { (path as NSString).appendingPathComponent($0) }
        }
        return files
    }

    /// Calls `body` with each non-empty line of `path` (decompressed if it is gzip) and its
    /// line number; stops early when `body` returns false.
    public static func forEachLine(in path: String, _ body: ([UInt8], Int) throws -> Bool) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw IndexingError.input("\(path): cannot open") }
        defer { try? handle.close() }
        var source = ChunkSource(handle: handle, path: path)
        var pending = [UInt8]()
        var number = 0
        while let chunk = try source.next() {
            var start = chunk.startIndex
            while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
                pending.append(contentsOf: chunk[start..<newline])
                start = newline + 1
                number += 1
                if !pending.isEmpty, try !body(pending, number) { return }
                pending.removeAll(keepingCapacity: true)
            }
            pending.append(contentsOf: chunk[start...])
        }
        if !pending.isEmpty {
            number += 1
            _ = try body(pending, number)
        }
    }

    /// Raw or inflated chunks of one file.
    private struct ChunkSource {
        let handle: FileHandle
        let path: String
        var inflater: Inflater?
        var decided = false

        init(handle: FileHandle, path: String) {
            self.handle = handle
            self.path = path
        }

        mutating func next() throws -> [UInt8]? {
            while true {
                let raw = try handle.read(upToCount: 1 << 20).map { [UInt8]($0) } ?? []
                if !decided {
                    decided = true
                    if raw.count >= 2 && raw[0] == 0x1F && raw[1] == 0x8B { inflater = try Inflater(path: path) }
                }
                guard let inflater else { return raw.isEmpty ? nil : raw }
                if raw.isEmpty {
                    try inflater.finish()
                    return nil
                }
                let out = try inflater.inflate(raw)
                if !out.isEmpty { return out }
            }
        }
    }

    /// zlib's streaming gzip decoder; concatenated gzip members are read as one stream.
    private final class Inflater {
        private var stream = z_stream()
        private let path: String
        private var ended = false

        init(path: String) throws {
            self.path = path
            // 15 + 16: gzip framing only.
            guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw IndexingError.input("\(path): cannot start gzip decoding")
            }
        }

        deinit { inflateEnd(&stream) }

        func inflate(_ input: [UInt8]) throws -> [UInt8] {
            var output = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 1 << 18)
            var offset = 0
            while offset < input.count {
                let status: Int32 = input.withUnsafeBufferPointer { inBytes in
                    buffer.withUnsafeMutableBufferPointer { outBytes in
                        // zlib only reads next_in; its type is not const.
                        stream.next_in = UnsafeMutablePointer(mutating: inBytes.baseAddress! + offset)
                        stream.avail_in = uInt(inBytes.count - offset)
                        stream.next_out = outBytes.baseAddress
                        stream.avail_out = uInt(outBytes.count)
                        let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                        offset = inBytes.count - Int(stream.avail_in)
                        output.append(contentsOf: outBytes[0..<(outBytes.count - Int(stream.avail_out))])
                        return status
                    }
                }
                switch status {
                case Z_OK, Z_BUF_ERROR:
                    ended = false
                case Z_STREAM_END:
                    // Another member may follow.
                    ended = true
                    inflateReset(&stream)
                default:
                    throw IndexingError.input("\(path): damaged gzip data (\(stream.msg.map { String(cString: $0) } ?? String(cString: zError(status))))")
                }
            }
            return output
        }

        func finish() throws {
            if !ended { throw IndexingError.input("\(path): the gzip data ends early (a truncated file?)") }
        }
    }
}
