import Foundation
import VGGCommon

/// Where vggbatch looks for weights: an explicit path, then `VGGBATCH_WEIGHTS`, then the
/// weights cache (`$XDG_CACHE_HOME/vggbatch`, else `~/.cache/vggbatch`).
public enum WeightsLocator {
    /// The weights cache directory for this environment.
    public static func cacheDirectory(environment: [String: String]) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return (xdg as NSString).appendingPathComponent("vggbatch")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".cache/vggbatch")
    }

    /// The weights file to use, or `weightsNotFound` saying exactly where to put one.
    public static func resolve(explicit: String?, environment: [String: String]) throws(ModelError) -> String {
        if let explicit { return try existing(explicit) }
        if let fromEnvironment = environment["VGGBATCH_WEIGHTS"], !fromEnvironment.isEmpty {
            return try existing(fromEnvironment)
        }
        let directory = cacheDirectory(environment: environment)
        let candidate = (directory as NSString).appendingPathComponent(KnownWeights.defaultWeights.fileName)
        if FileManager.default.fileExists(atPath: candidate) { return candidate }
        let known = KnownWeights.defaultWeights
        throw .weightsNotFound(
            searched: [candidate],
            advice: "Run `vggbatch weights fetch`, or download \(known.name) (model.safetensors, about 553 MB) from \(known.url) and save it as \(candidate), "
                + "or pass --weights PATH or set VGGBATCH_WEIGHTS. For a quick test without a download, "
                + "`vggbatch weights random --output FILE` writes random weights (meaningless labels).")
    }

    private static func existing(_ path: String) throws(ModelError) -> String {
        switch PathBytes.kind(path) {
        case .missing: throw .unreadable(path: path, reason: "no such file")
        case .directory: throw .unreadable(path: path, reason: "a directory, not a weights file")
        case .file, .other: return path
        }
    }
}
