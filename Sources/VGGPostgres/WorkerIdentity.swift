import Foundation

/// How the queue names a process: `host:pid:random:machine`, where `machine` tells this
/// kernel boot and process namespace apart from any other (two containers or network
/// namespaces may share a host name; a process id means something only in its own
/// namespace). From it a scan can tell that a claim belongs to a process of this machine
/// that is no longer running, and hand the claim back without waiting for its lease.
enum WorkerIdentity {
    /// A new identity for this process.
    static func make() -> String {
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(ProcessInfo.processInfo.hostName):\(getpid()):\(random):\(machine)"
    }

    /// This kernel boot and process namespace: the boot id's first 16 hex digits and the
    /// namespace's inode ("unknown" where /proc cannot tell, which never matches).
    static let machine: String = {
        let boot = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .filter(\.isHexDigit).prefix(16)
        let namespace = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid"))?
            .filter(\.isNumber)
        guard let boot, !boot.isEmpty, let namespace, !namespace.isEmpty else { return "unknown" }
        return "\(boot)-\(namespace)"
    }()

    /// Whether `identity` is a process of this machine that is no longer running.
    static func isStoppedLocalProcess(_ identity: String) -> Bool {
        let parts = identity.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 4, machine != "unknown", parts[parts.count - 1] == machine,
            let pid = Int32(parts[parts.count - 3]), pid > 0, pid != getpid()
        else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
