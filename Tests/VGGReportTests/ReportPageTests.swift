import Foundation
import Testing
import VGGReport
import _VGGTestSupport

@Suite("Report pages")
struct ReportPageTests {
    static let hostile: [UInt8] = Array("/photos/<script>alert('x')</script> & \"q\".jpg".utf8)

    @Test func textAndAttributesAreEscaped() {
        #expect(HTML.text("<b>&\"'") == "&lt;b&gt;&amp;&quot;&#39;")
        #expect(HTML.text("line\nbreak\u{7F}") == "line\u{FFFD}break\u{FFFD}")
    }

    @Test func fileURLsEncodeEveryAwkwardByte() {
        #expect(HTML.fileURL(Array("/a b/c#d?.jpg".utf8)) == "file:///a%20b/c%23d%3F.jpg")
        // Not UTF-8: the byte itself, percent-encoded, so the link opens that very file.
        #expect(HTML.fileURL([0x2F, 0x66, 0xFF, 0x2E]) == "file:///f%FF.")
        #expect(HTML.fileURL(Array("/é".utf8)) == "file:///%C3%A9")
    }

    @Test func aLibraryPageWithHostileNamesAndLabelsIsWellFormed() throws {
        let photo = ReportPhoto(
            path: Self.hostile, thumbnail: "thumbs/ab.jpg", top: [(label: "<img src=x onerror=alert(1)>", probability: 0.5)])
        let page = ReportPage.library(
            summary: [("Folders", "<folder>")],
            groups: [ReportGroup(title: "</section><script>", photos: [photo], more: 3)],
            failures: [(path: Self.hostile, reason: "bad <data>")], footer: "made & done")
        #expect(!page.contains("<script") && !page.contains("<img src=x"))
        let parsed = try HTMLCheck.parse(page).get()
        #expect(parsed.images == ["thumbs/ab.jpg"])
        #expect(parsed.links.contains(HTML.fileURL(Self.hostile)))
        #expect(parsed.text.contains("<script>alert('x')</script> & \"q\".jpg"), "the name reads as text")
        #expect(parsed.text.contains("and 3 more"))
        #expect(!parsed.elements.contains("script"))
    }

    @Test func similarAndDuplicatePagesAreWellFormed() throws {
        let a = ReportPhoto(path: Array("/p/a.jpg".utf8), thumbnail: "thumbs/a.jpg", top: [], score: 0.97)
        let b = ReportPhoto(path: Self.hostile, thumbnail: nil, top: [(label: "tabby", probability: 0.9)])
        let similar = try HTMLCheck.parse(ReportPage.similar(query: [a], results: [b], summary: [], footer: "")).get()
        #expect(similar.images == ["thumbs/a.jpg"] && similar.text.contains("score 0.9700") && similar.text.contains("no preview"))
        let duplicates = try HTMLCheck.parse(ReportPage.duplicates(
            exact: [ReportGroup(title: "Group 1", photos: [a, a])], near: [ReportGroup(title: "Group 1", photos: [a, b], notes: ["0.95  a ~ <b>"])],
            summary: [("Near-duplicate threshold", "0.92")], footer: "")).get()
        #expect(duplicates.images.count == 3 && duplicates.text.contains("0.95  a ~ <b>"))
    }

    @Test func everyImageHasAltText() throws {
        let page = ReportPage.library(
            summary: [], groups: [ReportGroup(title: "tabby", photos: [ReportPhoto(path: Array("/p/cat.jpg".utf8), thumbnail: "thumbs/c.jpg", top: [(label: "tabby", probability: 1)])])],
            failures: [], footer: "")
        #expect(page.contains("alt=\"cat.jpg — tabby\"") && page.contains("loading=\"lazy\""))
    }
}
