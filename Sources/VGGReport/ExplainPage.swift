/// The page `vggbatch explain photo.jpg --html DIR` writes: the photo's top classes, where
/// the top one comes from, the first layer's filters, a deep unit's receptive field, and each
/// layer's strongest feature maps. Self-contained: its images are files beside it, nothing
/// is fetched.
public struct ExplainPage {
    public struct Section {
        public var title: String
        public var caption: String
        public var image: String

        public init(title: String, caption: String, image: String) {
            self.title = title
            self.caption = caption
            self.image = image
        }
    }

    public var photoName: String
    /// "label: 93.1 %" lines, most probable first.
    public var topClasses: [String]
    /// Grad-CAM, filters, receptive field: pictures about the whole network.
    public var overview: [Section]
    /// One per layer, in network order.
    public var layers: [Section]

    public init(photoName: String, topClasses: [String], overview: [Section], layers: [Section]) {
        self.photoName = photoName
        self.topClasses = topClasses
        self.overview = overview
        self.layers = layers
    }

    public var html: String {
        let figure = { (section: Section) in
            """
            <figure><img src="\(HTML.attribute(HTML.relativeURL(section.image)))" alt="\(HTML.attribute(section.title))"/>\
            <figcaption><b>\(HTML.text(section.title))</b> \(HTML.text(section.caption))</figcaption></figure>
            """
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>What VGG16 sees in \(HTML.text(photoName))</title>
            <style>
            body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #222; }
            h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
            ol { padding-left: 1.5rem; } figure { margin: 1rem 0; } img { max-width: 100%; image-rendering: pixelated; }
            figcaption { color: #555; margin-top: .3rem; } .overview { display: flex; flex-wrap: wrap; gap: 1.5rem; }
            .overview figure { flex: 1 1 18rem; }
            </style></head><body>
            <h1>What VGG16 sees in \(HTML.text(photoName))</h1>
            <ol>\(topClasses.map { "<li>\(HTML.text($0))</li>" }.joined())</ol>
            <div class="overview">\(overview.map(figure).joined(separator: "\n"))</div>
            <h2>Layer by layer: the strongest feature maps</h2>
            \(layers.map(figure).joined(separator: "\n"))
            </body></html>

            """
    }
}
