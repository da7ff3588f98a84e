import Foundation

/// This process's memory, as benchmarks and `--verbose` report it.
public enum ProcessMemory {
    /// The peak resident memory in bytes: the kernel's high-water mark of this program's
    /// memory (`VmHWM`; `ru_maxrss` would also count the parent's memory before the program
    /// was started in a forked process), or `ru_maxrss` where there is no /proc.
    public static func peakResidentBytes() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ Int($0) })
        {
            return kilobytes * 1024
        }
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return usage.ru_maxrss * 1024
    }
}
