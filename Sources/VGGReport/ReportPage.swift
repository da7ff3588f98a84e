import Foundation
import VGGCommon

/// One photo on a page.
public struct ReportPhoto: Sendable {
    /// Absolute path bytes of the original.
    public var path: [UInt8]
    /// The thumbnail's URL (relative to the page, or a file:// URL), or nil when none could be made.
    public var thumbnail: String?
    /// Top labels with probabilities, best first (empty for weights without a classifier).
    public var top: [(label: String, probability: Double)]
    /// A similarity score to show, if any.
    public var score: Double?

    public init(path: [UInt8], thumbnail: String?, top: [(label: String, probability: Double)], score: Double? = nil) {
        self.path = path
        self.thumbnail = thumbnail
        self.top = top
        self.score = score
    }

    /// The path for display (bytes that are not UTF-8 shown as U+FFFD).
    public var displayPath: String { String(decoding: path, as: UTF8.self) }
    public var fileName: String { (displayPath as NSString).lastPathComponent }
}

/// A titled set of photos, possibly cut short.
public struct ReportGroup: Sendable {
    public var title: String
    public var photos: [ReportPhoto]
    /// Photos of the group not shown.
    public var more: Int
    /// Lines shown under the title (pair scores of a duplicate group, say).
    public var notes: [String]

    public init(title: String, photos: [ReportPhoto], more: Int = 0, notes: [String] = []) {
        self.title = title
        self.photos = photos
        self.more = more
        self.notes = notes
    }
}

/// Static HTML pages (no script, no network, no inline images) that open from `file://`:
/// the library report, a `similar` answer and a `duplicates` answer share one look.
public enum ReportPage {
    /// The library report: a summary, photos grouped by top-1 label, then failed files.
    public static func library(
        summary: [(String, String)], groups: [ReportGroup], failures: [(path: [UInt8], reason: String)], footer: String
    ) -> String {
        var body = "<h1>vggbatch report</h1>\n" + summaryTable(summary)
        if !groups.isEmpty {
            body += "<nav aria-label=\"labels\"><h2>Labels</h2>\n<ul class=\"toc\">\n"
            for (index, group) in groups.enumerated() {
                body += "<li><a href=\"#g\(index + 1)\">\(HTML.text(group.title))</a> <span class=\"count\">\(group.photos.count + group.more)</span></li>\n"
            }
            body += "</ul>\n</nav>\n"
        }
        for (index, group) in groups.enumerated() { body += section(group, id: "g\(index + 1)") }
        body += failureList(failures)
        return document(title: "vggbatch report", body: body, footer: footer)
    }

    /// A `similar` answer: the query images, then the matches with their scores.
    public static func similar(query: [ReportPhoto], results: [ReportPhoto], summary: [(String, String)], footer: String) -> String {
        var body = "<h1>Similar photos</h1>\n" + summaryTable(summary)
        body += section(ReportGroup(title: query.count == 1 ? "Query" : "Queries (searched by their mean direction)", photos: query), id: "query")
        body += section(ReportGroup(title: "Matches, most similar first", photos: results), id: "matches")
        if results.isEmpty { body += "<p>No photo matched.</p>\n" }
        return document(title: "vggbatch similar", body: body, footer: footer)
    }

    /// A `duplicates` answer: exact copies, then near-duplicate groups with their pair scores.
    public static func duplicates(exact: [ReportGroup], near: [ReportGroup], summary: [(String, String)], footer: String) -> String {
        var body = "<h1>Duplicates</h1>\n" + summaryTable(summary)
        body += "<h2>Exact duplicates (same content): \(counted(exact.count, "group"))</h2>\n"
        for (index, group) in exact.enumerated() { body += section(group, id: "e\(index + 1)", level: 3) }
        body += "<h2>Near duplicates: \(counted(near.count, "group"))</h2>\n"
        for (index, group) in near.enumerated() { body += section(group, id: "n\(index + 1)", level: 3) }
        return document(title: "vggbatch duplicates", body: body, footer: footer)
    }

    // MARK: - Pieces

    static func summaryTable(_ rows: [(String, String)]) -> String {
        guard !rows.isEmpty else { return "" }
        var html = "<table class=\"summary\">\n"
        for (key, value) in rows { html += "<tr><th scope=\"row\">\(HTML.text(key))</th><td>\(HTML.text(value))</td></tr>\n" }
        return html + "</table>\n"
    }

    static func section(_ group: ReportGroup, id: String, level: Int = 2) -> String {
        var html = "<section id=\"\(id)\">\n<h\(level)>\(HTML.text(group.title)) <span class=\"count\">\(group.photos.count + group.more)</span></h\(level)>\n"
        for note in group.notes { html += "<p class=\"note\">\(HTML.text(note))</p>\n" }
        html += "<ul class=\"grid\">\n"
        for photo in group.photos { html += card(photo) }
        html += "</ul>\n"
        if group.more > 0 { html += "<p class=\"more\">and \(group.more) more</p>\n" }
        return html + "</section>\n"
    }

    static func card(_ photo: ReportPhoto) -> String {
        let link = HTML.attribute(HTML.fileURL(photo.path))
        let best = photo.top.first.map { " — \($0.label)" } ?? ""
        var html = "<li class=\"card\"><a href=\"\(link)\" title=\"\(HTML.attribute(photo.displayPath))\">"
        if let thumbnail = photo.thumbnail {
            html += "<img src=\"\(HTML.attribute(thumbnail))\" alt=\"\(HTML.attribute(photo.fileName + best))\" loading=\"lazy\" decoding=\"async\"/>"
        } else {
            html += "<span class=\"nothumb\">no preview</span>"
        }
        html += "</a>\n<div class=\"name\">\(HTML.text(photo.fileName))</div>\n"
        if let score = photo.score { html += "<div class=\"score\">score \(String(format: "%.4f", score))</div>\n" }
        if !photo.top.isEmpty {
            html += "<ol class=\"top\">"
            for entry in photo.top {
                html += "<li><span>\(HTML.text(entry.label))</span> <span class=\"p\">\(String(format: "%.1f%%", entry.probability * 100))</span></li>"
            }
            html += "</ol>\n"
        }
        return html + "</li>\n"
    }

    static func failureList(_ failures: [(path: [UInt8], reason: String)]) -> String {
        var html = "<section id=\"failed\">\n<h2>Files that could not be indexed <span class=\"count\">\(failures.count)</span></h2>\n"
        if failures.isEmpty { return html + "<p>None.</p>\n</section>\n" }
        html += "<table class=\"failed\">\n<tr><th scope=\"col\">file</th><th scope=\"col\">reason</th></tr>\n"
        for failure in failures {
            html += "<tr><td>\(HTML.text(String(decoding: failure.path, as: UTF8.self)))</td><td>\(HTML.text(failure.reason))</td></tr>\n"
        }
        return html + "</table>\n</section>\n"
    }

    static func document(title: String, body: String, footer: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(HTML.text(title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        <main>
        \(body)</main>
        <footer>\(HTML.text(footer))</footer>
        </body>
        </html>

        """
    }

    static let style = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
        main { padding: 1em; max-width: 1400px; margin: 0 auto; }
        h1 { margin: 0.2em 0 0.5em; }
        h2, h3 { margin: 1.5em 0 0.5em; border-bottom: 1px solid #ddd; }
        .count { color: #777; font-weight: normal; font-size: 0.8em; }
        table.summary th { text-align: left; padding-right: 1em; font-weight: 600; }
        ul.toc { columns: 14em; list-style: none; padding: 0; }
        ul.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; list-style: none; padding: 0; }
        li.card { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 6px; overflow-wrap: anywhere; }
        li.card img, li.card .nothumb { display: block; width: 100%; height: 160px; object-fit: contain; background: #eee; }
        li.card .nothumb { line-height: 160px; text-align: center; color: #888; }
        .name { font-weight: 600; margin-top: 4px; }
        .score { color: #06c; }
        ol.top { margin: 4px 0 0; padding-left: 1.4em; font-size: 12px; }
        ol.top .p { color: #777; }
        .more, .note { color: #555; }
        table.failed { border-collapse: collapse; width: 100%; }
        table.failed td, table.failed th { border-top: 1px solid #ddd; padding: 4px; text-align: left; overflow-wrap: anywhere; }
        footer { color: #888; padding: 1em; text-align: center; }
        """
}
