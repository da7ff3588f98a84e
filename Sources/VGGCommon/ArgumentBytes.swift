import Foundation

/// The process's command-line arguments as the bytes the kernel passed. A program gets its
/// arguments as Strings, with every byte that is not UTF-8 replaced by U+FFFD, so a file name
/// holding such a byte would name no file (or another one). Where a path given as text is
/// turned into file-system bytes (`PathBytes.absolute`, `PathBytes.kind`, `RegularFile`),
/// a text that came from the command line gets its bytes back from here.
public enum ArgumentBytes {
    /// Every argument's bytes (the program's name first).
    private static let raw: [[UInt8]] = (0..<Int(CommandLine.argc)).map { index in
        guard let argument = CommandLine.unsafeArgv[index] else { return [] }
        // Safe: argv holds NUL-terminated strings for the life of the process.
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(argument).assumingMemoryBound(to: UInt8.self), count: strlen(argument)))
    }

    /// The bytes `text` was given as: those of the first argument (or `--option=value`'s value)
    /// that reads as `text`, when `text` holds a replacement character; else its UTF-8.
    public static func bytes(of text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard text.unicodeScalars.contains("\u{FFFD}") else { return utf8 }
        for argument in raw.dropFirst() {
            if String(decoding: argument, as: UTF8.self) == text { return argument }
            if argument.first == UInt8(ascii: "-"), let equals = argument.firstIndex(of: UInt8(ascii: "=")) {
                let value = Array(argument[(equals + 1)...])
                if String(decoding: value, as: UTF8.self) == text { return value }
            }
        }
        return utf8
    }
}
