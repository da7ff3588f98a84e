#if canImport(Glibc)
import Glibc
#endif

/// The fuzzer's bytes as an array, optionally forced to start with a format's signature so
/// that mutations explore the decoder rather than the format sniffing in front of it.
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ count: Int, signature: [UInt8] = []) -> [UInt8] {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    return input.starts(with: signature) ? input : signature + input
}

/// A per-process scratch file for parsers that only read from paths (memory-backed when
/// /dev/shm exists), rewritten for each input.
public final class ScratchFile: Sendable {
    public let path: String

    public init(suffix: String) {
        let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        path = "\(directory)/vggbatch-fuzz-\(getpid())\(suffix)"
    }

    deinit { unlink(path) }

    /// Replaces the file's contents with `count` bytes at `data`.
    public func write(_ data: UnsafePointer<UInt8>?, _ count: Int) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(fd >= 0, "cannot create \(path)")
        var written = 0
        while written < count {
            let n = Glibc.write(fd, data! + written, count - written)
            precondition(n > 0, "cannot write \(path)")
            written += n
        }
        close(fd)
    }
}

/// One fuzzer input: the bytes and their count (libFuzzer may pass a null pointer for 0).
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ target: FuzzTarget
) -> CInt

/// Hands the command line to libFuzzer, which runs `target` on every input it generates or
/// is given, and exits with its status. Needs a `-sanitize=fuzzer` build.
public func runFuzzer(_ target: FuzzTarget) -> Never {
    var argc = CommandLine.argc
    var argv = Optional(CommandLine.unsafeArgv)
    exit(LLVMFuzzerRunDriver(&argc, &argv, target))
}
