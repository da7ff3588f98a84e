import Foundation
import Testing
import VGGCommon
import VGGIndexTypes
import _VGGTestSupport
@testable import VGGApproximate

@Suite("Approximate index: exact scores, rows written since, files that are never wrong")
struct ApproximateIndexTests {
    let dimension = 32

    /// The exact answer, as `similar --exact` gives it: every ok row but the query, by cosine.
    func exact(_ data: MemoryApproximateData, query id: Int64, limit: Int) -> [Int64] {
        let query = data.rows[id]!.vector
        var scored = [(id: Int64, score: Float)]()
        for (other, row) in data.rows where other != id && row.ok {
            scored.append((other, dot(query, row.vector)))
        }
        scored.sort { a, b in
            a.score != b.score ? a.score > b.score : MemoryApproximateData.path(a.id) < MemoryApproximateData.path(b.id)
        }
        return scored.prefix(limit).map(\.id)
    }

    func dot(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }

    func approximate(_ search: ApproximateSearch, _ data: MemoryApproximateData, query id: Int64, limit: Int) throws -> [Int64] {
        try search.nearest([data.rows[id]!.vector], limit: limit, excluded: [[id]], delta: search.delta())[0].map(\.imageID)
    }

    func built(_ data: MemoryApproximateData) throws -> ApproximateIndex {
        var build = ApproximateBuild(modelID: 1, kind: .rmac, dimension: dimension)
        build.checkQueries = 50
        return try build.run(data: data).index
    }

    /// An index of `count` clustered rows built and written to `model-1-rmac.faiss` in a new folder.
    func written(count: Int, subjects: Int, seed: UInt64) throws -> (folder: TemporaryDirectory, data: MemoryApproximateData, index: ApproximateIndex, path: String) {
        let folder = TemporaryDirectory()
        let data = MemoryApproximateData(databaseFile: nil)
        data.write(MemoryApproximateData.clustered(count: count, dimension: dimension, subjects: subjects, seed: seed))
        let index = try built(data)
        let path = folder.path("model-1-rmac.faiss")
        try index.write(path: path)
        return (folder, data, index, path)
    }

    @Test func probingEveryListGivesTheExactAnswerWithExactScores() throws {
        let data = MemoryApproximateData(databaseFile: nil)
        data.write(MemoryApproximateData.clustered(count: 2000, dimension: dimension, subjects: 20, seed: 1))
        let index = try built(data)
        #expect(index.count == 2000 && index.header.lists == ApproximateBuild.lists(for: 2000) && index.header.revision == 1)
        let search = ApproximateSearch(index: index, data: data, probes: index.header.lists)
        for id: Int64 in [1, 77, 1500] {
            #expect(try approximate(search, data, query: id, limit: 10) == exact(data, query: id, limit: 10))
            let scores = try search.nearest([data.rows[id]!.vector], limit: 3, delta: search.delta())[0]
            for match in scores {
                let expected = dot(data.rows[id]!.vector, data.rows[match.imageID]!.vector)
                #expect(abs(match.score - expected) < 1e-5)
            }
        }
    }

    @Test func theBuildChoosesProbesThatReachItsTargetRecall() throws {
        let data = MemoryApproximateData(databaseFile: nil)
        data.write(MemoryApproximateData.clustered(count: 3000, dimension: dimension, subjects: 30, seed: 2))
        var build = ApproximateBuild(modelID: 1, kind: .rmac, dimension: dimension)
        build.checkQueries = 100
        let report = try build.run(data: data)
        let chosen = try #require(report.recall.last)
        #expect(chosen.probes == report.index.header.probes && chosen.queries == 100)
        #expect(chosen.recallAt10 >= build.targetRecall || chosen.probes == report.index.header.lists)
        // The ladder stops at the first number of probes that reaches the target ...
        let reaching = try #require(report.recall.firstIndex { $0.recallAt10 >= build.targetRecall })
        for figure in report.recall[..<reaching] { #expect(figure.recallAt10 < build.targetRecall) }
        #expect(reaching >= report.recall.count - 2)
        // ... and an index this small probes every list anyway (a query scans 3,000 codes).
        #expect(chosen.probes == report.index.header.lists && chosen.recallAt10 == 1)
    }

    @Test func rowsWrittenAfterTheBuildAreFoundChangedOnesScoreAsTheyAreNowAndGoneOnesVanish() throws {
        let data = MemoryApproximateData(databaseFile: nil)
        data.write(MemoryApproximateData.clustered(count: 1000, dimension: dimension, subjects: 10, seed: 3))
        let index = try built(data)
        let search = ApproximateSearch(index: index, data: data, probes: index.header.lists)
        // A new near copy of image 5, image 6 changed into a copy of image 5, image 7 gone
        // (missing) though it was image 5's nearest.
        var copy = data.rows[5]!.vector
        copy[0] += 0.01
        _ = UnitVector.normalise(&copy)
        let before = try approximate(search, data, query: 5, limit: 1)
        data.write([5000: copy, 6: copy])
        data.rows[before[0]]!.ok = false
        let delta = try search.delta()
        #expect(Set(delta.imageIDs) == [5000, 6])
        let answer = try search.nearest([data.rows[5]!.vector], limit: 10, excluded: [[5]], delta: delta)[0]
        #expect(answer.map(\.imageID) == exact(data, query: 5, limit: 10))
        #expect(Set(answer.prefix(2).map(\.imageID)) == [5000, 6] && !answer.contains { $0.imageID == before[0] })
    }

    @Test func aMergeTakesInTheNewRowsAndDropsTheirOldEntries() throws {
        let data = MemoryApproximateData(databaseFile: nil)
        data.write(MemoryApproximateData.clustered(count: 1000, dimension: dimension, subjects: 10, seed: 4))
        let index = try built(data)
        data.write(MemoryApproximateData.clustered(count: 100, dimension: dimension, subjects: 10, seed: 5, firstID: 2001))
        data.write([3: data.rows[4]!.vector])
        #expect(try index.merge(from: data) == 101)
        #expect(index.count == 1100 && index.header.revision == data.revision && index.header.mergedRows == 101)
        let search = ApproximateSearch(index: index, data: data, probes: index.header.lists)
        #expect(try search.delta().count == 0)
        for id: Int64 in [3, 2050] { #expect(try approximate(search, data, query: id, limit: 10) == exact(data, query: id, limit: 10)) }
        #expect(try index.merge(from: data) == 0)
        #expect(!index.suggestsRebuild(waiting: 0) && index.suggestsRebuild(waiting: 200))
    }

    @Test func aFileReadsBackAsWrittenAndSaysWhenItServesAnotherIndex() throws {
        let directory = TemporaryDirectory()
        let data = MemoryApproximateData(databaseFile: directory.path("index.sqlite"))
        data.write(MemoryApproximateData.clustered(count: 500, dimension: dimension, subjects: 5, seed: 6))
        let index = try built(data)
        let path = ApproximateIndex.path(databaseFile: data.databaseFile, cacheDirectory: "/unused", instance: data.instance, modelID: 1, kind: .rmac)
        #expect(path == directory.path("index.sqlite.approximate/model-1-rmac.faiss"))
        #expect(try ApproximateIndex.read(path: path) == nil)
        try index.write(path: path)
        let read = try #require(try ApproximateIndex.read(path: path))
        #expect(read.header == index.header && read.count == 500)
        let state = try #require(try data.revisionState(committed: true))
        #expect(read.staleness(state: state, modelID: 1, kind: .rmac, dimension: dimension) == nil)
        #expect(read.staleness(state: RevisionState(instance: "other", revision: 9), modelID: 1, kind: .rmac, dimension: dimension) != nil)
        #expect(read.staleness(state: RevisionState(instance: data.instance, revision: 0), modelID: 1, kind: .rmac, dimension: dimension) != nil)
        #expect(read.staleness(state: state, modelID: 2, kind: .rmac, dimension: dimension) != nil)
        #expect(read.staleness(state: state, modelID: 1, kind: .gem, dimension: dimension) != nil)
        // A server's copy lives in the cache, by instance.
        #expect(
            ApproximateIndex.path(databaseFile: nil, cacheDirectory: "/c", instance: "abc", modelID: 2, kind: .gem)
                == "/c/approximate/abc/model-2-gem.faiss")
    }

    @Test func aDamagedFileIsRefusedWithItsReasonAndAbandonedPartialsAreRemoved() throws {
        let (folder, _, index, path) = try written(count: 300, subjects: 3, seed: 7)
        defer { withExtendedLifetime(folder) {} }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for damaged in [Data("not an index".utf8), bytes.prefix(bytes.count / 2), bytes.prefix(20)] {
            try damaged.write(to: URL(fileURLWithPath: path))
            #expect(throws: ApproximateError.self) { _ = try ApproximateIndex.read(path: path) }
        }
        // A writer killed before its rename leaves a partial file; the next write removes it
        // (its process is gone), and never a live writer's.
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let own = path + ".partial-\(ApproximateIndex.host)-"
        try Data("partial".utf8).write(to: URL(fileURLWithPath: own + "\(dead.processIdentifier)-7"))
        try Data("partial".utf8).write(to: URL(fileURLWithPath: own + "1-7"))
        try Data("partial".utf8).write(to: URL(fileURLWithPath: path + ".partial-otherhost-\(dead.processIdentifier)-7"))
        try index.write(path: path)
        #expect(!FileManager.default.fileExists(atPath: own + "\(dead.processIdentifier)-7"))
        #expect(FileManager.default.fileExists(atPath: own + "1-7"))
        #expect(FileManager.default.fileExists(atPath: path + ".partial-otherhost-\(dead.processIdentifier)-7"))
        #expect(try ApproximateIndex.read(path: path)?.count == 300)
    }

    /// Every byte of a file matters: a flip anywhere (magic, header, FAISS bytes, checksum),
    /// a cut at any length or bytes appended is refused, mapped or read whole, before FAISS
    /// sees the bytes (a damaged file once crashed searches or answered wrongly).
    @Test func aFileChangedAnywhereIsRefusedBeforeFAISSReadsIt() throws {
        let (folder, _, _, path) = try written(count: 200, subjects: 4, seed: 17)
        defer { withExtendedLifetime(folder) {} }
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(try ApproximateIndex.read(path: path, mapped: true)?.count == 200)
        var refused = 0
        var tried = 0
        func attempt(_ damaged: Data) throws {
            try damaged.write(to: URL(fileURLWithPath: path))
            tried += 1
            for mapped in [true, false] {
                do {
                    _ = try ApproximateIndex.read(path: path, mapped: mapped)
                } catch {
                    refused += 1
                }
            }
        }
        // Every byte of the first 400 (magic, length, header), then every 13th, and the last 8.
        let positions = Array(0..<400) + Array(stride(from: 400, to: good.count - 8, by: 13)) + Array((good.count - 8)..<good.count)
        for position in positions {
            var damaged = good
            damaged[position] ^= 0x10
            try attempt(damaged)
        }
        for cut in [1, 8, 9, 100, good.count / 2, good.count - 9, good.count - 1] { try attempt(good.prefix(cut)) }
        try attempt(good + Data([0]))
        #expect(refused == 2 * tried)
        try good.write(to: URL(fileURLWithPath: path))
        #expect(try ApproximateIndex.read(path: path)?.count == 200)
    }

    /// A mapped read checks the bytes once per state of the file: the record of it is kept
    /// once the file has settled, and any change of the file makes the next read check again.
    @Test func aMappedReadChecksAFileOnceAndAgainWhenItChanges() throws {
        let (folder, data, _, path) = try written(count: 200, subjects: 4, seed: 18)
        defer { withExtendedLifetime(folder) {} }
        let record = path + ".verified"
        #expect(try ApproximateIndex.read(path: path, mapped: true) != nil)
        #expect(!FileManager.default.fileExists(atPath: record))  // too fresh to record
        Thread.sleep(forTimeInterval: Double(ApproximateIndex.Verified.settle) + 1.1)
        #expect(try ApproximateIndex.read(path: path, mapped: true) != nil)
        #expect(FileManager.default.fileExists(atPath: record))
        // Changed in place (same size, same inode): its change time moves, so it is checked again.
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: 600)
        let byte = try #require(try handle.read(upToCount: 1))
        try handle.seek(toOffset: 600)
        try handle.write(contentsOf: Data([byte[0] ^ 0x01]))
        try handle.close()
        #expect(throws: ApproximateError.self) { _ = try ApproximateIndex.read(path: path, mapped: true) }
        // A rebuild replaces the file and forgets the record.
        try built(data).write(path: path)
        #expect(!FileManager.default.fileExists(atPath: record))
        #expect(try ApproximateIndex.read(path: path, mapped: true, recheck: true) != nil)
    }

    /// A file is recorded in the index before it takes its path: killed between the two, the
    /// old file stays in place and known, and the new one was never seen.
    @Test func aFileIsRecordedBeforeItTakesItsPathAndEveryStateStaysKnown() throws {
        let (directory, data, first, path) = try written(count: 300, subjects: 3, seed: 19)
        try first.save(path: path, in: data)
        let state = try #require(try data.revisionState(committed: true))
        // A merge of the same build, killed after recording its new state, before the rename.
        data.write(MemoryApproximateData.clustered(count: 20, dimension: dimension, subjects: 3, seed: 20, firstID: 5001))
        let merged = try #require(try ApproximateIndex.read(path: path))
        #expect(try merged.merge(from: data) == 20)
        #expect(throws: ApproximateError.self) {
            try merged.write(path: path) { () throws(ApproximateError) in
                try? data.registerFile(build: merged.header.build, revision: merged.header.revision, modelID: 1, kind: .rmac)
                throw .file(path: path, reason: "killed")
            }
        }
        let left = try #require(try ApproximateIndex.read(path: path))
        #expect(left.count == 300 && left.header.revision == first.header.revision)
        #expect(try left.unusable(data: data, state: try #require(try data.revisionState(committed: true)), modelID: 1, kind: .rmac, dimension: dimension) == nil)
        // Saved for real, the newer state is used; the older one, copied back, is still correct and known.
        try merged.save(path: path, in: data)
        #expect(try ApproximateIndex.read(path: path)?.count == 320)
        #expect(try data.knowsFile(build: first.header.build, revision: state.revision))
        // Nothing but a regular file is read.
        let fifo = directory.path("fifo.faiss")
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(throws: ApproximateError.self) { _ = try ApproximateIndex.read(path: fifo, mapped: true) }
        #expect(throws: ApproximateError.self) { _ = try ApproximateIndex.read(path: directory.path("")) }
    }

    @Test func aCheckMeasuresTheIndexAsItAnswersNow() throws {
        let data = MemoryApproximateData(databaseFile: nil)
        data.write(MemoryApproximateData.clustered(count: 1500, dimension: dimension, subjects: 15, seed: 8))
        let index = try built(data)
        let full = try ApproximateIndexCheck(queries: 60, probes: index.header.lists).run(index: index, data: data)
        #expect(full.recallAt10 > 0.999 && full.recallAt1 > 0.999 && full.queries == 60)
        let one = try ApproximateIndexCheck(queries: 60, probes: 1).run(index: index, data: data)
        #expect(one.recallAt10 < full.recallAt10)
        // Rows written since are scored in full: the check still finds them.
        data.write(MemoryApproximateData.clustered(count: 300, dimension: dimension, subjects: 15, seed: 9, firstID: 5001))
        #expect(try ApproximateIndexCheck(queries: 60, probes: index.header.lists).run(index: index, data: data).recallAt10 > 0.999)
    }

    @Test func pairsWithinTheNearestCellsAreThoseOfBruteForceWithTheirExactScores() throws {
        let data = MemoryApproximateData(databaseFile: nil)
        var vectors = MemoryApproximateData.clustered(count: 1500, dimension: dimension, subjects: 15, seed: 10)
        // A near copy of every 10th vector.
        var random = SplitMix64(seed: 11)
        for id in stride(from: Int64(1), through: 1500, by: 10) {
            var copy = vectors[id]!.map { $0 + 0.02 * Float(random.nextUnit() - 0.5) }
            _ = UnitVector.normalise(&copy)
            vectors[10_000 + id] = copy
        }
        data.write(vectors)
        let index = try built(data)
        let ids = vectors.keys.sorted()
        let flat = ids.flatMap { vectors[$0]! }
        let threshold: Float = 0.9
        var brute = Set<[Int]>()
        for a in ids.indices {
            for b in (a + 1)..<ids.count where dot(vectors[ids[a]]!, vectors[ids[b]]!) >= threshold { brute.insert([a, b]) }
        }
        #expect(brute.count >= 150)
        let everywhere = try ApproximatePairs(index: index, visits: index.header.lists).pairs(vectors: flat, count: ids.count, threshold: threshold)
        #expect(Set(everywhere.map { [$0.a, $0.b] }) == brute)
        for pair in everywhere.prefix(20) { #expect(abs(pair.score - dot(vectors[ids[pair.a]]!, vectors[ids[pair.b]]!)) < 1e-5) }
        // Loose pairs (cosine 0.5, across cells) need more visits than near copies; the
        // measured choice finds every sampled pair either way.
        let loose = try ApproximatePairs(index: index).chooseVisits(vectors: flat, count: ids.count, threshold: 0.5, sample: 300)
        let tight = try ApproximatePairs(index: index).chooseVisits(vectors: flat, count: ids.count, threshold: threshold, sample: 300)
        #expect(loose.sampledPairs > tight.sampledPairs && tight.sampledPairs > 0)
        #expect(loose.visits >= tight.visits && tight.recall == 1 && (loose.recall == 1 || loose.visits == 32))
        // With every row sampled, each near pair is counted once, not once from each side.
        let every = try ApproximatePairs(index: index).chooseVisits(vectors: flat, count: ids.count, threshold: threshold, sample: ids.count)
        #expect(every.sampledPairs == brute.count)
        // Fewer sampled pairs than vouch for the others: one cell more than they needed; every
        // row sampled (every pair known) or enough pairs: none.
        #expect(tight.sampledPairs < ApproximatePairs.vouchingPairs && tight.visits == min(tight.minimum + 1, 32), "\(tight)")
        #expect(every.visits == every.minimum && every.recall == 1, "\(every)")
        let many = try ApproximatePairs(index: index).chooseVisits(vectors: flat, count: ids.count, threshold: 0.5, sample: 1000)
        #expect(many.sampledPairs >= ApproximatePairs.vouchingPairs && many.visits == many.minimum, "\(many)")
        var measured = ApproximatePairs(index: index)
        measured.visits = loose.visits
        let looseBrute = try ApproximatePairs(index: index, visits: index.header.lists).pairs(vectors: flat, count: ids.count, threshold: 0.5)
        let looseFound = try measured.pairs(vectors: flat, count: ids.count, threshold: 0.5)
        #expect(Double(looseFound.count) >= 0.98 * Double(looseBrute.count), "\(looseFound.count) of \(looseBrute.count)")
        let near = try ApproximatePairs(index: index, visits: 3).pairs(vectors: flat, count: ids.count, threshold: threshold)
        let planted = brute.filter { ids[$0[1]] >= 10_000 && ids[$0[1]] - 10_000 == ids[$0[0]] }
        #expect(planted.count == 150)
        #expect(Set(near.map { [$0.a, $0.b] }).isSubset(of: brute))
        #expect(Double(planted.filter { Set(near.map { [$0.a, $0.b] }).contains($0) }.count) >= 0.99 * Double(planted.count))
    }

    @Test func longVectorsGoThroughAPCAAndStillFindTheirNeighbours() throws {
        let long = 640
        let data = MemoryApproximateData(databaseFile: nil, kind: .network)
        data.write(MemoryApproximateData.clustered(count: 1500, dimension: long, subjects: 12, seed: 12))
        var build = ApproximateBuild(modelID: 1, kind: .network, dimension: long)
        build.checkQueries = 60
        let report = try build.run(data: data)
        #expect(report.index.header.reduced == ApproximateBuild.reducedDimension && ApproximateBuild.reduced(for: 512) == nil)
        let full = try ApproximateIndexCheck(queries: 60, probes: report.index.header.lists).run(index: report.index, data: data)
        #expect(full.recallAt10 >= 0.95, "\(full)")
        // Written and read back with its PCA.
        let directory = TemporaryDirectory()
        try report.index.write(path: directory.path("fc7.faiss"))
        let read = try #require(try ApproximateIndex.read(path: directory.path("fc7.faiss")))
        let search = ApproximateSearch(index: read, data: data, probes: read.header.lists)
        #expect(try approximate(search, data, query: 9, limit: 5) == exact(data, query: 9, limit: 5))
    }

    @Test func anIndexWithNoDescriptorsOrNoRevisionsSaysSo() throws {
        let data = MemoryApproximateData(databaseFile: nil)
        #expect(throws: ApproximateError.self) { _ = try built(data) }
        do {
            _ = try built(data)
        } catch let error as ApproximateError {
            #expect(error.reason.contains("no rmac vectors to index"))
        }
    }
}

/// The build keeps the best recall it measured, not only the last.
@Suite("Probe choice")
struct ProbeChoiceTests {
    func figure(_ probes: Int, _ recall: Double) -> RecallCheck.Figure {
        RecallCheck.Figure(queries: 200, probes: probes, recallAt1: recall, recallAt10: recall, secondsPerQuery: 0.001)
    }

    @Test func theBestMeasuredRecallWinsWithTheFewestProbes() {
        // Recall that falls as the probes grow (near-identical vectors): the best is chosen.
        let falling = ApproximateBuild.choosing([figure(1, 0.963), figure(2, 0.963), figure(12, 0.891)])
        #expect(falling.last?.probes == 1 && falling.count == 4)
        // Rising, or tied with the last (a small index probed whole): the last stays chosen.
        #expect(ApproximateBuild.choosing([figure(1, 0.8), figure(2, 0.97)]).map(\.probes) == [1, 2])
        #expect(ApproximateBuild.choosing([figure(8, 1), figure(12, 1)]).last?.probes == 12)
        #expect(ApproximateBuild.choosing([]).isEmpty)
    }
}
