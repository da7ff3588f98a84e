import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads a generated page strictly (as XML, which HTML written with every element closed
/// and every attribute quoted also is): a stray "<" from an unescaped file name, an
/// unclosed tag or a bad entity fails. Returns the `src` of every img and the `href` of
/// every link, or the parser's error.
public enum HTMLCheck {
    public struct Page {
        public var images: [String] = []
        public var links: [String] = []
        public var elements: [String] = []
        public var text = ""
    }

    public static func parse(_ html: String) -> Result<Page, Error> {
        // The one piece of HTML that is not XML.
        let xml = html.replacingOccurrences(of: "<!DOCTYPE html>", with: "")
        let parser = XMLParser(data: Data(xml.utf8))
        let delegate = Collector()
        parser.delegate = delegate
        guard parser.parse() else {
            return .failure(parser.parserError ?? NSError(domain: "HTMLCheck", code: 1))
        }
        return .success(delegate.page)
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var page = Page()

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            page.elements.append(name)
            if name == "img", let src = attributes["src"] { page.images.append(src) }
            if name == "a", let href = attributes["href"] { page.links.append(href) }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            page.text += string
        }
    }
}
