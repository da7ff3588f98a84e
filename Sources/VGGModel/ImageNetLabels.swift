import Foundation

/// One ImageNet-1k class. Names are not unique ("crane" is a bird and a machine), so results
/// always carry the index and the WordNet id too.
public struct ImageNetClass: Sendable, Equatable, Codable {
    /// Class index, 0...999, as the network's outputs are ordered.
    public var index: Int
    /// WordNet synset id, e.g. "n02123045".
    public var wnid: String
    /// Short readable name (the synset's first lemma), e.g. "tabby".
    public var label: String
    /// All lemmas of the synset, e.g. "tabby, tabby cat".
    public var lemmas: String

    public init(index: Int, wnid: String, label: String, lemmas: String) {
        self.index = index
        self.wnid = wnid
        self.label = label
        self.lemmas = lemmas
    }
}

/// The 1000 ImageNet-1k classes, built into the binary.
public enum ImageNetLabels {
    /// Number of classes.
    public static var count: Int { entries.count }

    /// The class at `index`, or nil when out of range.
    public static func at(_ index: Int) -> ImageNetClass? {
        guard entries.indices.contains(index) else { return nil }
        let entry = entries[index]
        return ImageNetClass(index: index, wnid: entry.wnid, label: entry.name, lemmas: entry.lemmas)
    }

    /// Classes whose label, a lemma or the wnid equals `name` (case-insensitive).
    public static func matching(_ name: String) -> [ImageNetClass] {
        let wanted = name.lowercased()
        return entries.indices.compactMap { index -> ImageNetClass? in
            let entry = entries[index]
            let lemmas = entry.lemmas.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard entry.wnid == wanted || entry.name.lowercased() == wanted || lemmas.contains(wanted) else { return nil }
            return at(index)
        }
    }
}
