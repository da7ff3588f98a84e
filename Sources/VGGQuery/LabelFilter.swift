import VGGModel

extension ImageNetLabels {
    /// The class indices a `--label` argument names (an ImageNet label or a WordNet id).
    public static func classes(named label: String) throws(QueryError) -> Set<Int> {
        let matches = matching(label)
        if matches.isEmpty {
            throw .unknownLabel("unknown label \"\(label)\" (use an ImageNet label such as \"tabby\" or a WordNet id)")
        }
        return Set(matches.map(\.index))
    }
}
