#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Processor time, as opposed to wall time: what a stage costs in core-seconds, whatever
/// else shares the cores.
public enum CPUTime {
    /// Seconds of processor time the calling thread has used.
    public static func thread() -> Double { seconds(CLOCK_THREAD_CPUTIME_ID) }

    /// Seconds of processor time every thread of the process has used.
    public static func process() -> Double { seconds(CLOCK_PROCESS_CPUTIME_ID) }

    private static func seconds(_ clock: clockid_t) -> Double {
        var time = timespec()
        guard clock_gettime(clock, &time) == 0 else { return 0 }
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

