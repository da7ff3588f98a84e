import VGGIndexTypes
import VGGQuery

/// A read-only `IndexDatabase` answers the reading commands.
extension IndexDatabase: IndexReader {
    public var location: String { path }
    public var storedBytes: Int64? { fileBytes }
}
