import Foundation
import VGGCommon
import VGGIndexTypes

/// A list of indexed photos given in a file (`index check --paths-from`).
public enum PathList {
    /// The image ids of the paths listed in `file` (one a line, LF or CRLF; bytes, as file
    /// names need not be UTF-8), each required to be an indexed photo that is ok. Read as a
    /// stream: /dev/stdin, a pipe or a FIFO serve as well as a file.
    public static func imageIDs(listedIn file: String, index: IndexReader) throws(QueryError) -> [Int64] {
        let contents: Data
        do {
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw QueryError.invalidArgument("--paths-from \(file): cannot read it (\(String(cString: strerror(errno))))")
            }
            defer { try? handle.close() }
            contents = try handle.readToEnd() ?? Data()
        } catch let error as QueryError {
            throw error
        } catch {
            throw .invalidArgument("--paths-from \(file): cannot read it (\((error as NSError).localizedDescription))")
        }
        var ids = [Int64]()
        for (number, piece) in contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var line = Array(piece)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            guard !line.isEmpty else { continue }
            guard !line.contains(0) else { throw .invalidArgument("--paths-from \(file): line \(number + 1) holds a NUL byte, which no path can") }
            let id: Int64?
            do throws(StoreError) {
                id = try index.results.imageID(absolutePath: PathBytes.absolute(bytes: line))
            } catch {
                throw .store(error)
            }
            guard let id else {
                let shown = line.count > 300 ? PathBytes.display(Array(line.prefix(300))) + "… (\(line.count) bytes)" : PathBytes.display(line)
                throw .invalidArgument("--paths-from \(file): line \(number + 1), \(shown), is not an indexed photo that is ok")
            }
            ids.append(id)
        }
        guard !ids.isEmpty else { throw .invalidArgument("--paths-from \(file): no paths in it") }
        return ids
    }
}
