import Foundation
import VGGModel

/// Downloads a weights file, resuming and verifying it (`WeightsDownload`), and turns its
/// failures into one line that says what to do.
public enum WeightsDownloader {
    /// A mirror for the default file's URL (a proxy, a local copy on an offline network).
    public static let mirrorVariable = "VGGBATCH_MIRROR"
    /// Set to 1 to never download.
    public static let offlineVariable = "VGGBATCH_OFFLINE"

    public static func isOffline(_ environment: [String: String]) -> Bool {
        ["1", "true", "yes"].contains(environment[offlineVariable]?.lowercased() ?? "")
    }

    /// Downloads `url` to `destination`, checked against `checksum` (and `bytes` when known).
    /// `progress(done, total)` is called as bytes arrive (the first call means the server
    /// answered), from the downloading thread.
    public static func fetch(
        url: String, destination: String, checksum: WeightsDownload.Checksum, bytes: Int?,
        progress: @escaping @Sendable (Int64, Int64?) -> Void
    ) throws(InferenceError) {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? "") else {
            throw .download(reason: "\(url) is not an http or https URL")
        }
        let download = WeightsDownload(url: parsed, destination: destination, checksum: checksum, bytes: bytes.map(Int64.init))
        do throws(DownloadError) {
            try download.run(progress: progress)
        } catch {
            var message = error.reason
            if case .network = error {
                let partial = FileManager.default.fileExists(atPath: download.partialPath)
                message += partial ? "; run the same command again to resume" : ""
                message += "; or download \(url) yourself and save it as \(destination)"
            }
            throw .download(reason: message)
        }
    }
}
