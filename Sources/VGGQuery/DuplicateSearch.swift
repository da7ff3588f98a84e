import Foundation
import VGGApproximate
import VGGEngine
import VGGIndexTypes
import VGGReport
import VGGCommon
import VGGSearch

/// `duplicates`: exact copies (same content fingerprint) and near-duplicates (every pair at
/// or above a cosine threshold, exactly, in groups that never chain: see
/// `DuplicateFinder.groups`).
public struct DuplicateSearch {
    public var threshold: Float
    /// Only exact copies.
    public var exactOnly: Bool

    /// Pairs through an approximate index's cells instead of every pair (GeM, R-MAC).
    public var approximate: ApproximatePairs?

    public init(threshold: Float, exactOnly: Bool = false, approximate: ApproximatePairs? = nil) {
        self.threshold = threshold
        self.exactOnly = exactOnly
        self.approximate = approximate
    }

    public struct Answer {
        /// Groups of rows with the same content, each sorted.
        public var exact: [[Int]]
        /// Near-duplicate groups, each a representative and the rows near it, but for groups
        /// made only of byte-identical copies (those are in `exact`).
        public var near: [DuplicateFinder.Group]
        /// Every pair at or above the threshold (two paths, never one file with itself), most
        /// similar first.
        public var pairs: [(a: Int, b: Int, score: Float)]
        /// How the cells of an approximate index were used, when they were.
        public var cells: Cells?
    }

    /// The cells an approximate `duplicates` compared in.
    public struct Cells: Sendable {
        /// Cells each photo was compared in, of `lists`.
        public var visits: Int
        public var lists: Int
        /// Near pairs of sampled photos (found exactly) that chose `visits`, and the share of
        /// them those visits find.
        public var sampledPairs: Int
        public var sampledRecall: Double
        /// The fewest visits that found every sampled pair: `visits`, or one less when too
        /// few pairs were sampled to vouch for the others (`ApproximatePairs.vouchingPairs`).
        public var sampledMinimum: Int
    }

    public func run(_ context: SearchContext) throws(QueryError) -> Answer {
        let rows = context.rows
        // One row per file is the index's rule; rows with the same path (an index written
        // before it, not yet rescanned) still count as one file, never as two copies.
        var byFingerprint = [[UInt8]: [Int]]()
        var seenPaths = Set<[UInt8]>()
        for (row, fingerprint) in rows.fingerprints.enumerated() where seenPaths.insert(rows.paths[row]).inserted {
            if let fingerprint { byFingerprint[fingerprint, default: []].append(row) }
        }
        let exact = byFingerprint.values.filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] }
        var near = [DuplicateFinder.Group]()
        var pairs = [(a: Int, b: Int, score: Float)]()
        var cells: Cells?
        if !exactOnly {
            let projections = try context.projections()
            let rank = projections.rank
            let fullVectors: ([Int]) throws -> [[Float]] = { try context.exactVectors($0, projections: projections) }
            var found: [(a: Int, b: Int, score: Float)]
            if var approximate, context.kind != .network {
                do throws(ApproximateError) {
                    let choice = try approximate.chooseVisits(vectors: projections.coordinates, count: rows.count, threshold: threshold)
                    approximate.visits = choice.visits
                    cells = Cells(
                        visits: choice.visits, lists: approximate.index.header.lists, sampledPairs: choice.sampledPairs,
                        sampledRecall: choice.recall, sampledMinimum: choice.minimum)
                    found = try approximate.pairs(vectors: projections.coordinates, count: rows.count, threshold: threshold)
                } catch {
                    throw .approximate(error)
                }
                // Scored as the exact search scores them, so both report the same numbers.
                let dimension = projections.rank
                let bar = Double(threshold)
                found = found.compactMap { pair in
                    let a = Array(projections.coordinates[(pair.a * dimension)..<((pair.a + 1) * dimension)])
                    let b = Array(projections.coordinates[(pair.b * dimension)..<((pair.b + 1) * dimension)])
                    let cosine = DuplicateFinder.cosine(a, b, kernels: context.kernels)
                    return cosine >= bar ? (pair.a, pair.b, Float(cosine)) : nil
                }
                // In the exact search's order: the groups are drawn from the pairs in it.
                found.sort { ($0.a, $0.b) < ($1.a, $1.b) }
            } else {
            do {
                found = try DuplicateFinder.pairs(
                    coordinates: projections.coordinates, residuals: projections.residuals, rank: rank,
                    threshold: threshold, fullVectors: fullVectors, pool: context.pool, kernels: context.kernels)
            } catch let error as QueryError {
                throw error
            } catch {
                throw .inconsistent("\(error)")
            }
            }
            pairs = found.filter { rows.paths[$0.a] != rows.paths[$0.b] }
            let sameContent = { (a: Int, b: Int) in rows.fingerprints[a] != nil && rows.fingerprints[a] == rows.fingerprints[b] }
            // A group made only of byte-identical copies is already in the exact list.
            near = DuplicateFinder.groups(pairs: pairs, count: rows.count).filter { group in
                !group.members.allSatisfy { sameContent(group.representative, $0.row) }
            }
            pairs.sort { $0.score != $1.score ? $0.score > $1.score : ($0.a, $0.b) < ($1.a, $1.b) }
        }
        return Answer(exact: exact, near: near, pairs: pairs, cells: cells)
    }

    /// Writes the groups as a page at `path`, side by side, in the report's look.
    public func writePage(_ answer: Answer, context: SearchContext, page: PageOptions) throws(QueryError) {
        var builder = try ReportBuilder.page(page, context: context)
        let rows = context.rows
        var exactGroups = [ReportGroup]()
        for (index, group) in answer.exact.enumerated() {
            let photos = try builder.photos(group.map { (rows.paths[$0], rows.fingerprints[$0], rows.imageIDs[$0]) })
            exactGroups.append(ReportGroup(title: "Group \(index + 1): \(group.count) identical files", photos: photos))
        }
        var nearGroups = [ReportGroup]()
        for (index, group) in answer.near.enumerated() {
            // The representative first (its own score is 1), then each member with its cosine to it.
            let photos = try builder.photos(
                group.rows.map { (rows.paths[$0], rows.fingerprints[$0], rows.imageIDs[$0]) },
                scores: [1] + group.members.map { Double($0.score) })
            nearGroups.append(ReportGroup(
                title: "Group \(index + 1): \(counted(group.rows.count, "photo")), each near the first", photos: photos))
        }
        var summary = try builder.summary().filter { ["Images indexed", "Model", "Preprocessing"].contains($0.0) }
        summary.append((
            "Near-duplicate threshold",
            exactOnly ? "not searched (--exact-only)" : "\(context.featureName) cosine ≥ \(decimals(threshold))"))
        try ReportBuilder.write(ReportPage.duplicates(exact: exactGroups, near: nearGroups, summary: summary, footer: builder.footer), to: page.path)
    }
}
