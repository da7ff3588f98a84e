/// Folders vggbatch writes itself (an HTML report, cached or copied thumbnails) hold a marker
/// file by this name, and the directory walker never enters a folder that holds one: a
/// report written inside a scanned folder must not turn its thumbnails into photos.
public enum GeneratedFolder {
    /// The marker's file name (hidden, so file managers do not show it).
    public static let markerName = ".vggbatch-generated"

    /// What the marker says to a person who opens it.
    public static let markerText = "This folder was written by vggbatch (a report or thumbnails); vggbatch scan does not index it.\n"
}
