import VGGIndexTypes
/// One schema change: the SQL of `Migrations/<identifier>.sql`, compiled into the binary.
public struct Migration: Sendable, Equatable {
    /// The file's stem, `NNNN_verb_noun`; migrations apply in the lexical order of identifiers.
    public let identifier: String
    /// The file's text, verbatim; may hold several statements, but never BEGIN or COMMIT.
    public let sql: String
    /// Lowercase hex SHA-256 of the file's bytes; tests use it to keep landed migrations unedited.
    public let sha256: String

    /// A migration; tests build their own lists with it, the binary uses `Migrator.embedded`.
    public init(identifier: String, sql: String, sha256: String) {
        self.identifier = identifier
        self.sql = sql
        self.sha256 = sha256
    }
}

extension Migration {
    /// Refuses a database that records migrations not in `known`: it was written by a newer
    /// vggbatch, and nothing may be written to it.
    public static func refuseUnknown(_ applied: [String], known: [Migration], location: String) throws(StoreError) {
        let identifiers = Set(known.map(\.identifier))
        let unknown = applied.filter { !identifiers.contains($0) }
        if !unknown.isEmpty { throw .newerSchema(path: location, unknownMigrations: unknown) }
    }
}
