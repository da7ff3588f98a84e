import Foundation
import VGGCommon
import VGGReport

extension SimilarSearch {
    /// Writes the queries and their matches as a page at `path`, in the report's look.
    public func writePage(_ answer: Answer, context: SearchContext, page: PageOptions) throws(QueryError) {
        var builder = try ReportBuilder.page(page, context: context)
        let rows = context.rows
        var queryRows = [(path: [UInt8], fingerprint: [UInt8]?, imageID: Int64?)]()
        for image in queries {
            let absolute = PathBytes.absolute(image)
            if let row = answer.queryRows.first(where: { rows.paths[$0] == absolute }) {
                queryRows.append((rows.paths[row], rows.fingerprints[row], rows.imageIDs[row]))
            } else {
                queryRows.append((absolute, nil, nil))
            }
        }
        let query = try builder.photos(queryRows)
        let matches = try builder.photos(
            answer.results.map { (rows.paths[$0.row], rows.fingerprints[$0.row], rows.imageIDs[$0.row]) },
            scores: answer.results.map { Double($0.score) })
        var summary = try builder.summary().filter { ["Model", "Preprocessing"].contains($0.0) }
        summary.insert(("Searched", "\(counted(rows.count, "image")), \(answer.results.count) shown (limit \(limit), minimum score \(minimumScore))"), at: 0)
        try ReportBuilder.write(ReportPage.similar(query: query, results: matches, summary: summary, footer: builder.footer), to: page.path)
    }
}
