import VGGIndexTypes

/// An index opened for reading answers the reading commands.
extension SQLIndex: IndexReader {}
