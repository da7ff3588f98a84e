import Testing
import VGGIndexTypes
@testable import VGGApproximate
@testable import VGGQuery

/// What `index build` says of the recall it measured, decided in the library.
@Suite("Approximate index targets")
struct ApproximateTargetTests {
    static func figure(_ recallAt10: Double, queries: Int = 200) -> RecallCheck.Figure {
        RecallCheck.Figure(queries: queries, probes: 8, recallAt1: recallAt10, recallAt10: recallAt10, secondsPerQuery: 0.001)
    }

    @Test func aLowRecallIsSaidWithWhatSimilarMakesOfIt() {
        #expect(ApproximateTarget.recallWarning(Self.figure(0.97), name: "rmac") == nil)
        #expect(ApproximateTarget.recallWarning(Self.figure(0.93), name: "rmac")
            == "rmac: recall@10 stays below 0.95 even probing every list; `similar --exact` gives the exact answer")
        #expect(ApproximateTarget.recallWarning(Self.figure(0.85), name: "fc7")
            == "fc7: recall@10 stays below 0.95 even probing every list; below 0.90, `similar` will not use it and compares every vector")
        #expect(ApproximateTarget.recallWarning(Self.figure(0.5, queries: 0), name: "fc7") == nil)
    }

    @Test func aRecordedCheckCarriesTheFigureAndTheBuild() {
        let check = ApproximateCheck(Self.figure(0.93), build: "b1")
        #expect(check.build == "b1" && check.queries == 200 && check.probes == 8 && check.recallAt10 == 0.93 && !check.checkedAt.isEmpty)
    }
}
