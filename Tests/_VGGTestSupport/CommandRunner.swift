import Foundation

/// The outcome of running a command to completion.
public struct CommandResult: Sendable {
    public let status: Int32
    /// Standard output as bytes, exactly.
    public let standardOutputBytes: Data
    public let standardError: String

    /// Standard output as text (bytes that are not UTF-8 become U+FFFD).
    public var standardOutput: String { String(decoding: standardOutputBytes, as: UTF8.self) }
}

/// Runs the built `vggbatch` binary the way a user would, capturing output and exit status.
public enum CommandRunner {
    public static func vggbatch(_ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws -> CommandResult {
        try run(FixturePaths.vggbatchExecutable, arguments, environment: environment, input: input)
    }

    /// Starts `vggbatch` in the background, its output discarded, for tests that signal or
    /// kill it while it runs.
    /// With `standardError`, what the command prints there goes to that file (created empty).
    public static func start(_ arguments: [String], environment: [String: String] = [:], standardError: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = FixturePaths.vggbatchExecutable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        if let standardError {
            _ = FileManager.default.createFile(atPath: standardError.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: standardError)
        }
        try process.run()
        return process
    }

    /// Runs `executable` with `input` (or nothing) on stdin; output goes through files, so a
    /// chatty child can never block on a full pipe.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws -> CommandResult {
        let directory = TemporaryDirectory()
        let inURL = directory.url.appendingPathComponent("stdin")
        try (input ?? Data()).write(to: inURL)
        let stdin = try FileHandle(forReadingFrom: inURL)
        defer { try? stdin.close() }
        let outURL = directory.url.appendingPathComponent("stdout")
        let errURL = directory.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus,
            standardOutputBytes: try Data(contentsOf: outURL),
            standardError: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}
