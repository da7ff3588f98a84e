import Foundation
import VGGIndexTypes
import VGGModel
import VGGReport

/// `report`: the library as one page, grouped by top-1 label (largest groups first, each
/// capped), with the failed files and their reasons.
public struct LibraryReport {
    /// The folder the page (index.html) goes in.
    public var directory: String
    /// Only photos whose top label matches this ImageNet label or WordNet id.
    public var label: String?
    /// Photos shown per label (the rest are counted).
    public var perLabel: Int
    public var selfContained: Bool

    public init(directory: String, label: String? = nil, perLabel: Int = 24, selfContained: Bool = false) {
        self.directory = directory
        self.label = label
        self.perLabel = perLabel
        self.selfContained = selfContained
    }

    /// What was written.
    public struct Outcome {
        /// The page, or nil when nothing matched the label (then `emptyReason` says so).
        public var page: String?
        public var emptyReason: String?
        public var photos: Int
        public var groups: Int
        public var thumbnailsMade: Int
        public var thumbnailsReused: Int
    }

    public func write(_ context: SearchContext, threads: Int, cacheDirectory: String) throws(QueryError) -> Outcome {
        let wanted = try label.map { label throws(QueryError) in try ImageNetLabels.classes(named: label) }
        if wanted != nil && !context.hasLabels {
            throw .invalidArgument("--label: model \(context.model.id) has no labels (its weights end at pool5).")
        }
        var builder = try ReportBuilder(
            index: context.index, model: context.model, directory: directory, selfContained: selfContained, threads: threads,
            cacheDirectory: cacheDirectory)
        let rows = context.rows
        var members = [Int: [Int]]()
        for row in 0..<rows.count {
            let top = builder.predictions[rows.imageIDs[row]]?.first?.index ?? -1
            if let wanted, !wanted.contains(top) { continue }
            members[top, default: []].append(row)
        }
        if let label, members.isEmpty {
            return Outcome(
                page: nil, emptyReason: "no photo of model \(context.model.id) has \"\(label)\" as its top label; no page written",
                photos: 0, groups: 0, thumbnailsMade: 0, thumbnailsReused: 0)
        }
        let order = members.keys.sorted { (members[$0]?.count ?? 0, $1) > (members[$1]?.count ?? 0, $0) }
        var groups = [ReportGroup]()
        for classIndex in order {
            let all = members[classIndex] ?? []
            let shown = Array(all.prefix(perLabel))
            let photos = try builder.photos(shown.map { (rows.paths[$0], rows.fingerprints[$0], rows.imageIDs[$0]) })
            let title = classIndex < 0 ? "No labels (weights without a classifier)" : (ImageNetLabels.at(classIndex)?.label ?? "class \(classIndex)")
            groups.append(ReportGroup(title: title, photos: photos, more: all.count - shown.count))
        }
        let failures: [(path: [UInt8], reason: String)]
        do throws(StoreError) {
            failures = try context.index.roots.failures()
        } catch {
            throw .store(error)
        }
        let html = ReportPage.library(summary: try builder.summary(), groups: groups, failures: failures, footer: builder.footer)
        let path = (directory as NSString).appendingPathComponent("index.html")
        try ReportBuilder.write(html, to: path)
        return Outcome(
            page: path, emptyReason: nil, photos: groups.reduce(0) { $0 + $1.photos.count }, groups: groups.count,
            thumbnailsMade: builder.thumbnailsMade, thumbnailsReused: builder.thumbnailsReused)
    }
}
