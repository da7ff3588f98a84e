import Foundation
import VGGCommon

/// A fixed set of dedicated threads that run one data-parallel job at a time.
///
/// `run` calls `body(threadIndex, threadCount)` once on every thread (the caller is thread
/// 0) and returns when all have finished: a barrier per call. Each kernel uses the index to
/// pick a static slice of its outputs, so which thread computes an output never changes
/// the result. The threads are not Swift concurrency's cooperative pool, which must never
/// be blocked; `run` must not be called from two threads at once.
public final class ThreadPool {
    public let threadCount: Int
    private let shared: SharedState

    /// Starts `threadCount - 1` worker threads.
    public init(threadCount: Int) {
        precondition(threadCount >= 1, "a pool needs at least one thread")
        self.threadCount = threadCount
        let shared = SharedState(threadCount: threadCount)
        self.shared = shared
        for index in 1..<threadCount {
            // The workers hold the shared state, not the pool, so the pool can go away first.
            let thread = Thread { shared.workerLoop(index: index) }
            thread.name = "vggbatch-engine-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit { shared.shutDown() }

    /// Processor seconds all the pool's threads have spent in `run` bodies (waiting at the
    /// barrier costs none): the core time of the work given to the pool.
    public var cpuSeconds: Double {
        shared.condition.lock()
        defer { shared.condition.unlock() }
        return shared.cpuSeconds
    }

    /// Runs `body(threadIndex, threadCount)` on every thread and waits for all of them.
    public func run(_ body: (Int, Int) -> Void) {
        let before = CPUTime.thread()
        defer { shared.add(CPUTime.thread() - before) }
        if threadCount == 1 {
            body(0, 1)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            shared.start(escapable)
            escapable(0, threadCount)
            shared.waitForWorkers()
        }
    }

    /// Splits `0..<count` into `threads` contiguous ranges and returns thread `index`'s.
    @inline(__always)
    public static func slice(_ count: Int, thread index: Int, of threads: Int) -> Range<Int> {
        (count * index / threads)..<(count * (index + 1) / threads)
    }

    /// The job hand-off between the caller and the workers, guarded by one condition.
    private final class SharedState: @unchecked Sendable {
        let threadCount: Int
        let condition = NSCondition()
        var generation = 0
        var pending = 0
        var job: ((Int, Int) -> Void)?
        var shuttingDown = false
        var cpuSeconds = 0.0

        init(threadCount: Int) { self.threadCount = threadCount }

        func add(_ seconds: Double) {
            condition.lock()
            cpuSeconds += seconds
            condition.unlock()
        }

        func start(_ body: @escaping (Int, Int) -> Void) {
            condition.lock()
            job = body
            pending = threadCount - 1
            generation += 1
            condition.broadcast()
            condition.unlock()
        }

        func waitForWorkers() {
            condition.lock()
            while pending > 0 { condition.wait() }
            job = nil
            condition.unlock()
        }

        func shutDown() {
            condition.lock()
            shuttingDown = true
            condition.broadcast()
            condition.unlock()
        }

        func workerLoop(index: Int) {
            var seen = 0
            condition.lock()
            while true {
                while generation == seen && !shuttingDown { condition.wait() }
                if shuttingDown { break }
                seen = generation
                guard let work = job else { continue }
                condition.unlock()
                let before = CPUTime.thread()
                work(index, threadCount)
                let spent = CPUTime.thread() - before
                condition.lock()
                cpuSeconds += spent
                pending -= 1
                if pending == 0 { condition.broadcast() }
            }
            condition.unlock()
        }
    }
}
