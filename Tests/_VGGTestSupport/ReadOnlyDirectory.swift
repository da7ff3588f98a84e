import Foundation

/// Makes a directory and everything in it unwritable for this process, as a read-only
/// medium or share would be: by permissions for an ordinary user, and by a read-only bind
/// mount for root, whom permissions do not stop. `init` returns nil when neither works
/// here (root without the right to mount), and `restore()` undoes it.
public final class ReadOnlyDirectory: @unchecked Sendable {
    public let path: String
    private let mounted: Bool

    public init?(_ path: String) {
        self.path = path
        if geteuid() != 0 {
            mounted = false
            Self.setWritable(path, false)
            return
        }
        guard Self.mount(["--bind", path, path]) else { return nil }
        guard Self.mount(["-o", "remount,bind,ro", path]) else {
            _ = Self.run("/bin/umount", [path])
            return nil
        }
        mounted = true
    }

    /// Whether a write test file can be created (false once read-only took effect).
    public var isReadOnly: Bool {
        let probe = path + "/.probe"
        let created = FileManager.default.createFile(atPath: probe, contents: Data())
        if created { try? FileManager.default.removeItem(atPath: probe) }
        return !created
    }

    public func restore() {
        if mounted { _ = Self.run("/bin/umount", [path]) } else { Self.setWritable(path, true) }
    }

    private static func setWritable(_ path: String, _ writable: Bool) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for entry in entries { chmod(path + "/" + entry, writable ? 0o644 : 0o444) }
        chmod(path, writable ? 0o755 : 0o555)
    }

    private static func mount(_ arguments: [String]) -> Bool { run("/bin/mount", arguments) }

    private static func run(_ executable: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
