import Foundation
import VGGReport
import VGGSearch

/// `duplicates`: exact copies (same content fingerprint) and near-duplicates (every pair at
/// or above a cosine threshold, exactly, grouped transitively).
public struct DuplicateSearch {
    public var threshold: Float
    /// Only exact copies.
    public var exactOnly: Bool

    public init(threshold: Float, exactOnly: Bool = false) {
        self.threshold = threshold
        self.exactOnly = exactOnly
    }

    /// A group of near-duplicates with the pairs that joined it.
    public struct NearGroup {
        public var rows: [Int]
        public var pairs: [(a: Int, b: Int, score: Float)]

        /// Each member's best score within its group.
        public func bestScore(of row: Int) -> Float {
            pairs.filter { $0.a == row || $0.b == row }.map(\.score).max() ?? 0
        }
    }

    public struct Answer {
        /// Groups of rows with the same content, each sorted.
        public var exact: [[Int]]
        /// Groups that are not only byte-identical copies (those are in `exact`).
        public var near: [NearGroup]
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
        var near = [NearGroup]()
        if !exactOnly {
            let projections = try context.projections()
            // GeM and R-MAC coordinates are the unit vectors themselves: the verification reads
            // them from memory rather than from the index again.
            let rank = projections.rank
            let fullVectors: ([Int]) throws -> [[Float]] = context.kind == .network
                ? { try context.fullVectors($0) }
                : { rows in rows.map { Array(projections.coordinates[($0 * rank)..<(($0 + 1) * rank)]) } }
            let found: [(a: Int, b: Int, score: Float)]
            do {
                found = try DuplicateFinder.pairs(
                    coordinates: projections.coordinates, residuals: projections.residuals, rank: rank,
                    threshold: threshold, fullVectors: fullVectors, pool: context.pool, kernels: context.kernels)
            } catch let error as QueryError {
                throw error
            } catch {
                throw .inconsistent("\(error)")
            }
            let pairs = found.filter { rows.paths[$0.a] != rows.paths[$0.b] }
            let sameContent = { (a: Int, b: Int) in rows.fingerprints[a] != nil && rows.fingerprints[a] == rows.fingerprints[b] }
            for group in DuplicateFinder.groups(pairs: pairs, count: rows.count) {
                let members = Set(group)
                let groupPairs = pairs.filter { members.contains($0.a) }
                // A group made only of byte-identical copies is already in the exact list.
                if groupPairs.allSatisfy({ sameContent($0.a, $0.b) }) { continue }
                near.append(NearGroup(rows: group, pairs: groupPairs.sorted { ($0.a, $0.b) < ($1.a, $1.b) }))
            }
        }
        return Answer(exact: exact, near: near)
    }

    /// Writes the groups as a page at `path`, side by side, in the report's look.
    public func writePage(
        _ answer: Answer, context: SearchContext, to path: String, selfContained: Bool, threads: Int, cacheDirectory: String
    ) throws(QueryError) {
        var builder = try ReportBuilder.page(
            at: path, context: context, selfContained: selfContained, threads: threads, cacheDirectory: cacheDirectory)
        let rows = context.rows
        var exactGroups = [ReportGroup]()
        for (index, group) in answer.exact.enumerated() {
            let photos = try builder.photos(group.map { (rows.paths[$0], rows.fingerprints[$0], rows.imageIDs[$0]) })
            exactGroups.append(ReportGroup(title: "Group \(index + 1): \(group.count) identical files", photos: photos))
        }
        var nearGroups = [ReportGroup]()
        for (index, group) in answer.near.enumerated() {
            let photos = try builder.photos(
                group.rows.map { (rows.paths[$0], rows.fingerprints[$0], rows.imageIDs[$0]) },
                scores: group.rows.map { Double(group.bestScore(of: $0)) })
            let notes = group.pairs.map { String(format: "%.4f  ", $0.score) + context.display($0.a) + "  ~  " + context.display($0.b) }
            nearGroups.append(ReportGroup(title: "Group \(index + 1): \(group.rows.count) photos", photos: photos, notes: notes))
        }
        var summary = try builder.summary().filter { ["Images indexed", "Model", "Preprocessing"].contains($0.0) }
        summary.append((
            "Near-duplicate threshold",
            exactOnly ? "not searched (--exact-only)" : String(format: "%@ cosine ≥ %.3f", context.featureName, threshold)))
        try ReportBuilder.write(ReportPage.duplicates(exact: exactGroups, near: nearGroups, summary: summary, footer: builder.footer), to: path)
    }
}
