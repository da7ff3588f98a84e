import Testing
import VGGPipeline

@Suite("Recent pace")
struct RecentPaceTests {
    func progress(seconds: Double, inferred: Int, done: Int, discovered: Int = 10_000, walkFinished: Bool = true) -> ScanProgress {
        var p = ScanProgress()
        p.seconds = seconds
        p.inferred = inferred
        p.done = done
        p.discovered = discovered
        p.walkFinished = walkFinished
        return p
    }

    /// A rescan that flies through 5,000 unchanged files in 10 s, then computes 1 file a
    /// second: after a minute the pace and the time left are the computing's, not the
    /// average's (84 files a second since the start would promise 60 s for the rest).
    @Test func thePaceIsTheLastHalfMinutesNotTheAverage() throws {
        var pace = RecentPace()
        var last = (imagesPerSecond: 0.0, filesPerSecond: 0.0)
        for second in stride(from: 1, through: 70, by: 1) {
            let fast = min(second, 10) * 500
            let slow = max(0, second - 10)
            last = pace.note(progress(seconds: Double(second), inferred: slow, done: fast + slow))
        }
        #expect(abs(last.imagesPerSecond - 1) < 1e-9 && abs(last.filesPerSecond - 1) < 1e-9, "\(last)")
        let left = try #require(RecentPace.secondsLeft(progress(seconds: 70, inferred: 60, done: 5_060), filesPerSecond: last.filesPerSecond))
        #expect(abs(left - 4_940) < 1e-6)
        // Until half a minute has passed, the pace is the run's so far.
        var early = RecentPace()
        _ = early.note(progress(seconds: 5, inferred: 10, done: 10))
        let second = early.note(progress(seconds: 10, inferred: 30, done: 30))
        #expect(second.imagesPerSecond == 3 && second.filesPerSecond == 3)
    }

    @Test func noTimeLeftIsPromisedWhileTheWalkGoesOnOrNothingMoves() {
        #expect(RecentPace.secondsLeft(progress(seconds: 5, inferred: 1, done: 1, walkFinished: false), filesPerSecond: 2) == nil)
        #expect(RecentPace.secondsLeft(progress(seconds: 5, inferred: 1, done: 1), filesPerSecond: 0) == nil)
        #expect(RecentPace.secondsLeft(progress(seconds: 5, inferred: 1, done: 10_001), filesPerSecond: 3) == 0)
    }
}
