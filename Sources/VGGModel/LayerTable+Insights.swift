import VGGCommon

/// The questions people ask about VGG16, answered with the table's own numbers.
extension LayerTable {
    /// One answer: what it is about and the sentence, every number in it computed.
    public struct Insight: Sendable, Codable, Equatable {
        public var topic: String
        public var text: String
    }

    public var insights: [Insight] {
        var answers = [Insight]()
        answers += stackedConvolutions()
        if let answer = everyFilterSeesEveryChannel() { answers.append(answer) }
        answers.append(whereTheParametersAre())
        if let answer = whatTheLastConvolutionSees() { answers.append(answer) }
        return answers
    }

    /// Two and three stacked 3×3 convolutions against one larger kernel, from the first block
    /// with that many: the receptive field they reach over the block's input and their weights.
    private func stackedConvolutions() -> [Insight] {
        var answers = [Insight]()
        for depth in [2, 3] {
            guard let block = blockConvolutions().first(where: { $0.count >= depth && $0.prefix(depth).allSatisfy { kernelSize($0) == 3 } }),
                  let first = block.first?.receptiveField, let last = block[depth - 1].receptiveField
            else { continue }
            // Over the block's own input, whose pixels are `first.jump` image pixels apart and
            // whose units see `first.size − 2·jump` of the image.
            let reach = (last.size - (first.size - 2 * first.jump)) / first.jump + 1
            let channels = block[depth - 1].output.channels
            let stacked = depth * 9 * channels * channels
            let single = reach * reach * channels * channels
            let saving = 100 * Double(single - stacked) / Double(single)
            answers.append(Insight(
                topic: "\(depth) stacked 3×3 convolutions",
                text: "\(depth) stacked 3×3 convolutions (\(block.prefix(depth).map(\.name).joined(separator: ", "))) see \(reach)×\(reach) of "
                    + "their input, as one \(reach)×\(reach) convolution would, with \(depth)·9·C² = \(grouped(stacked)) weights at C = \(channels) "
                    + "against \(reach * reach)·C² = \(grouped(single)) (\(String(format: "%.0f", saving)) % fewer), and \(depth) ReLUs instead of 1."))
        }
        return answers
    }

    /// conv1_2: each of its filters spans all input channels.
    private func everyFilterSeesEveryChannel() -> Insight? {
        guard let row = rows.first(where: { $0.kind == .convolution && $0.input.channels > 3 }) else { return nil }
        let kernel = kernelSize(row)
        return Insight(
            topic: "filters and channels",
            text: "\(row.name) takes \(row.input.channels) channels and gives \(row.output.channels): each of its \(row.output.channels) filters is "
                + "\(kernel)×\(kernel)×\(row.input.channels) and sums over all \(row.input.channels) input channels, "
                + "so it holds \(row.output.channels) × \(kernel * kernel * row.input.channels) = \(grouped(row.weights)) weights (file shape \(row.weightShape ?? [])) "
                + "and makes \(row.output.channels) maps, not \(row.output.channels)×\(row.input.channels).")
    }

    private func whereTheParametersAre() -> Insight {
        let convolutions = totals(of: .convolution)
        let connected = totals(of: .fullyConnected)
        let largest = rows.max { $0.parameters < $1.parameters }
        let percent = { (part: Int, whole: Int) in String(format: "%.1f", 100 * Double(part) / Double(max(whole, 1))) }
        return Insight(
            topic: "where the parameters are",
            text: "\(largest?.name ?? "") holds \(percent(largest?.parameters ?? 0, parameters)) % of all \(grouped(parameters)) parameters "
                + "(\(largest?.weightMeaning ?? "")); the fully connected layers hold \(percent(connected.parameters, parameters)) % of the parameters "
                + "but do \(percent(connected.multiplyAdds, multiplyAdds)) % of the multiply-adds, the convolutions "
                + "\(percent(convolutions.multiplyAdds, multiplyAdds)) % of the \(String(format: "%.2f", Double(multiplyAdds) / 1e9)) G.")
    }

    private func whatTheLastConvolutionSees() -> Insight? {
        guard let row = rows.last(where: { $0.kind == .convolution }), let field = row.receptiveField else { return nil }
        let span = field.span(of: row.output.width / 2)
        return Insight(
            topic: "what a deep unit sees",
            text: "a unit of \(row.name) (\(row.output.height)×\(row.output.width) map) sees \(field.size)×\(field.size) pixels of the "
                + "\(input.height)×\(input.width) image; neighbouring units are \(field.jump) pixels apart, so the centre unit "
                + "(\(row.output.width / 2), \(row.output.width / 2)) covers pixels \(span.lowerBound)…\(span.upperBound) on each axis.")
    }

    /// A convolution's kernel side, from its weight count.
    private func kernelSize(_ row: Row) -> Int {
        Int(Double(row.weights / max(row.output.channels * row.input.channels, 1)).squareRoot().rounded())
    }

    /// The convolutions of each block, in order.
    private func blockConvolutions() -> [[Row]] {
        var blocks = [[Row]]()
        var current = [Row]()
        for row in rows {
            if row.kind == .convolution {
                current.append(row)
            } else if !current.isEmpty {
                blocks.append(current)
                current = []
            }
        }
        return blocks
    }
}
