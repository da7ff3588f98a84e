import ArgumentParser
import Foundation
import VGGCommon
import VGGImaging
import VGGInference
import VGGModel
import VGGReport

extension VGGBatch.Explain {
    /// `explain photo.jpg`: one forward pass keeping every layer, printed or drawn.
    func explain(_ path: String) throws {
        let started = Date()
        let remembered = try database.rememberedModel(id: indexModel, weightsNamed: model.weights != nil)
        let loaded = try model.load(engine: try engine.options(maxBatchSize: 1, model: remembered), remembered: remembered)
        guard loaded.network.architecture.hasClassifier else {
            throw CommandFailure("\(loaded.identity.path) has no fc6-fc8 (a _notop file): explaining a photo needs the classifier")
        }
        let preparation = try imageOptions.preparation(for: loaded)
        let prepared: PreparedImage
        do throws(ImagingError) {
            prepared = try preparation.prepare(contentsOf: path)
        } catch {
            throw CommandFailure("\(path): \(error.reason)")
        }
        let opened: OpenedWeights
        let fullyConnected: [LayerWeights]
        let firstFilters: [Float]
        do throws(ModelError) {
            opened = try OpenedWeights.open(loaded.identity.path, environment: ProcessInfo.processInfo.environment)
            fullyConnected = try (0..<3).map { index throws(ModelError) in try opened.source.fullyConnected(index) }
            firstFilters = try opened.source.convolution(0).weight
        } catch {
            throw CommandFailure(error.reason)
        }
        let input = loaded.network.architecture.inputHeight
        let table = LayerTable(layout: opened.layout, inputSize: input)
        let explanation = PhotoExplanation.explain(
            network: loaded.network, tensor: loaded.preset.tensor(from: prepared.resized), names: table.rows.map(\.name),
            fullyConnected: fullyConnected)
        let chosenUnit = unit.flatMap(Self.parseUnit) ?? ("conv5_3", 7, 7)
        let drawing = Drawing(
            explanation: explanation, table: table, photo: prepared.resized, colour: !grey, channels: channels, unit: chosenUnit)
        if let html {
            try drawing.writePage(photoName: (path as NSString).lastPathComponent, firstFilters: firstFilters, into: html)
            print("wrote \(html)/index.html: \(explanation.layers.count) layers, Grad-CAM for \(Self.label(explanation.topClasses[0].index)) "
                + "in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        } else {
            print(text(explanation, table: table, path: path))
        }
        if let layer {
            let file = (html ?? ".") + "/explain-\(layer).png"
            try Drawing.writePNG(drawing.featureMaps(layer), to: file)
            print("wrote \(file)")
        }
    }

    static func label(_ index: Int) -> String { ImageNetLabels.at(index)?.label ?? "class \(index)" }

    func text(_ explanation: PhotoExplanation, table: LayerTable, path: String) -> String {
        var lines = ["\(path): " + explanation.topClasses.enumerated().map { "\($0 + 1). \(Self.label($1.index)) \(String(format: "%.1f", 100 * $1.probability)) %" }
            .joined(separator: ", "), ""]
        lines.append("Grad-CAM for \(Self.label(explanation.topClasses[0].index)) on conv5_3 (\(explanation.camHeight)×\(explanation.camWidth) over "
            + "the \(table.input.height)×\(table.input.width) input, each cell \(table.input.height / explanation.camHeight) pixels; denser = more of the class's evidence):")
        let shades = Array(" .:-=+*#%@")
        for y in 0..<explanation.camHeight {
            let row = (0..<explanation.camWidth).map { x in
                let value = explanation.gradCAM[y * explanation.camWidth + x]
                return String(repeating: shades[min(shades.count - 1, Int(value * Float(shades.count - 1) + 0.5))], count: 2)
            }
            lines.append("  " + row.joined())
        }
        lines.append("")
        lines += ExplainReport.columns(
            ["layer", "output", "mean", "max", "zeros", "strongest channels"],
            explanation.layers.map { layer in
                [layer.name, table.row(named: layer.name)?.kind == .fullyConnected ? "\(layer.channels)" : "\(layer.height)×\(layer.width)×\(layer.channels)", String(format: "%.3f", layer.mean),
                 String(format: "%.2f", layer.maximum), String(format: "%.0f %%", 100 * layer.zeroFraction),
                 layer.strongestChannels.prefix(5).map(String.init).joined(separator: ", ")]
            })
        return lines.joined(separator: "\n")
    }
}

/// The pictures of one explained photo.
struct Drawing {
    var explanation: PhotoExplanation
    var table: LayerTable
    var photo: RGBImage
    var colour: Bool
    var channels: Int
    /// The unit whose receptive field is drawn: layer, row, column.
    var unit: (layer: String, row: Int, column: Int)

    static func writePNG(_ image: RGBImage, to path: String) throws {
        let bytes: [UInt8]
        do throws(ImagingError) {
            bytes = try ImageEncoder.png(image)
        } catch {
            throw CommandFailure(error.reason)
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw CommandFailure("cannot write \(path)") }
    }

    func featureMaps(_ name: String) -> RGBImage {
        let layer = explanation.layers.first { $0.name == name } ?? explanation.layers[0]
        return ExplainImages.featureGrid(
            channels: Array(layer.strongestChannels.prefix(channels)), height: layer.height, width: layer.width, map: layer.map, colour: colour)
    }

    func writePage(photoName: String, firstFilters: [Float], into folder: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure("cannot create \(folder): \(error.localizedDescription)")
        }
        let top = explanation.topClasses[0]
        let explain = VGGBatch.Explain.self
        let field = table.row(named: unit.layer)?.receptiveField
        let (rows, columns) = (field?.span(of: unit.row) ?? 0...0, field?.span(of: unit.column) ?? 0...0)
        try Self.writePNG(ExplainImages.heatOverlay(photo, heat: explanation.gradCAM, height: explanation.camHeight, width: explanation.camWidth), to: folder + "/gradcam.png")
        try Self.writePNG(ExplainImages.firstLayerFilters(firstFilters, filters: firstFilters.count / 27), to: folder + "/filters.png")
        try Self.writePNG(ExplainImages.box(photo, rows: rows, columns: columns), to: folder + "/field.png")
        var sections = [ExplainPage.Section]()
        for layer in explanation.layers where table.row(named: layer.name)?.kind != .fullyConnected {
            try Self.writePNG(featureMaps(layer.name), to: folder + "/\(layer.name).png")
            let row = table.row(named: layer.name)
            sections.append(ExplainPage.Section(
                title: layer.name,
                caption: "\(row?.paperName ?? ""), \(layer.height)×\(layer.width)×\(layer.channels): the \(min(channels, layer.channels)) strongest of \(layer.channels) maps; "
                    + "mean \(String(format: "%.3f", layer.mean)), max \(String(format: "%.2f", layer.maximum)), \(String(format: "%.0f", 100 * layer.zeroFraction)) % zeros"
                    + (row?.receptiveField.map { "; each unit sees \($0.size)×\($0.size) pixels" } ?? ""),
                image: "\(layer.name).png"))
        }
        let page = ExplainPage(
            photoName: photoName,
            topClasses: explanation.topClasses.map { "\(explain.label($0.index)): \(String(format: "%.1f", 100 * $0.probability)) %" },
            overview: [
                .init(title: "Grad-CAM", caption: "where \(explain.label(top.index)) comes from (conv5_3, \(explanation.camHeight)×\(explanation.camWidth))", image: "gradcam.png"),
                .init(title: "conv1_1's filters", caption: "\(firstFilters.count / 27) filters of 3×3×3, each stretched to its own range", image: "filters.png"),
                .init(title: "A receptive field", caption: "what \(unit.layer)'s unit (\(unit.row), \(unit.column)) sees: rows \(rows.lowerBound)…\(rows.upperBound), "
                    + "columns \(columns.lowerBound)…\(columns.upperBound) (\(field?.size ?? 0)×\(field?.size ?? 0), padding included)", image: "field.png"),
            ],
            layers: sections)
        guard FileManager.default.createFile(atPath: folder + "/index.html", contents: Data(page.html.utf8)) else {
            throw CommandFailure("cannot write \(folder)/index.html")
        }
    }
}
