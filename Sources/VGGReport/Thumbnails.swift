import Foundation
import VGGCommon
import VGGImaging

/// Upright JPEG thumbnails of indexed photos, made with libjpeg and cached in a folder by
/// content fingerprint: a second report over the same photos decodes nothing, and a photo
/// that changes gets a new thumbnail because its fingerprint changes. Every folder of
/// thumbnails holds the `GeneratedFolder` marker, so a scan never indexes them as photos.
public struct Thumbnails: Sendable {
    /// Longest side of a thumbnail, in pixels.
    public static let longSide = 256
    public static let quality = 82

    /// The folder the thumbnails live in.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// One photo to show.
    public struct Request: Sendable {
        public var path: [UInt8]
        /// The content fingerprint that names its thumbnail.
        public var fingerprint: [UInt8]

        public init(path: [UInt8], fingerprint: [UInt8]) {
            self.path = path
            self.fingerprint = fingerprint
        }
    }

    /// The thumbnail file name for a fingerprint (relative to `directory`).
    public static func fileName(_ fingerprint: [UInt8]) -> String {
        fingerprint.map { String(format: "%02x", $0) }.joined() + ".jpg"
    }

    /// Makes the missing thumbnails on `threads` threads. Returns the fingerprints whose
    /// thumbnail exists afterwards (a photo that no longer decodes gets none) and how many
    /// were made now.
    public func prepare(_ requests: [Request], threads: Int) throws -> (available: Set<[UInt8]>, made: Int) {
        try Self.createMarkedDirectory(directory)
        var unique = [[UInt8]: Request]()
        for request in requests where unique[request.fingerprint] == nil { unique[request.fingerprint] = request }
        let work = Array(unique.values)
        let results = ResultBox(count: work.count)
        let chunk = max(1, work.count / max(1, threads * 8))
        DispatchQueue.concurrentPerform(iterations: (work.count + chunk - 1) / chunk) { part in
            for index in (part * chunk)..<min(work.count, (part + 1) * chunk) {
                results.set(index, make(work[index]))
            }
        }
        var available = Set<[UInt8]>()
        var made = 0
        for (index, request) in work.enumerated() {
            switch results.get(index) {
            case .existing: available.insert(request.fingerprint)
            case .made:
                available.insert(request.fingerprint)
                made += 1
            case .failed, nil: break
            }
        }
        return (available, made)
    }

    /// The absolute path of a fingerprint's thumbnail.
    public func path(_ fingerprint: [UInt8]) -> String {
        (directory as NSString).appendingPathComponent(Self.fileName(fingerprint))
    }

    /// Puts these thumbnails into `folder` too (hard links where the file system allows,
    /// copies otherwise), for a page that must carry its pictures with it.
    public func copy(_ fingerprints: Set<[UInt8]>, to folder: String) throws {
        try Self.createMarkedDirectory(folder)
        for fingerprint in fingerprints {
            let target = (folder as NSString).appendingPathComponent(Self.fileName(fingerprint))
            if FileManager.default.fileExists(atPath: target) { continue }
            if link(path(fingerprint), target) != 0 { try FileManager.default.copyItem(atPath: path(fingerprint), toPath: target) }
        }
    }

    /// Creates `folder` (and its parents) with the marker that keeps scans out of it.
    static func createMarkedDirectory(_ folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let marker = (folder as NSString).appendingPathComponent(GeneratedFolder.markerName)
        if !FileManager.default.fileExists(atPath: marker) {
            try Data(GeneratedFolder.markerText.utf8).write(to: URL(fileURLWithPath: marker))
        }
    }

    enum Outcome { case existing, made, failed }

    private func make(_ request: Request) -> Outcome {
        let target = path(request.fingerprint)
        if FileManager.default.fileExists(atPath: target) { return .existing }
        do {
            let display = String(decoding: request.path, as: UTF8.self)
            let bytes = try ImageDecoder.readFile(pathBytes: request.path, displayPath: display)
            var options = DecodeOptions()
            options.minimumDecodedSide = Self.longSide
            let image = try ImageDecoder.decode(bytes: bytes, path: display, options: options).image
            let scale = min(1, Double(Self.longSide) / Double(max(image.width, image.height)))
            let width = max(1, Int((Double(image.width) * scale).rounded()))
            let height = max(1, Int((Double(image.height) * scale).rounded()))
            let small = scale < 1 ? Resampler.resize(image, width: width, height: height) : image
            let jpeg = try ImageEncoder.jpeg(small, quality: Self.quality)
            // Written beside, then renamed: a report killed half way leaves no broken thumbnail.
            let partial = target + ".part"
            guard FileManager.default.createFile(atPath: partial, contents: Data(jpeg)), rename(partial, target) == 0 else { return .failed }
            return .made
        } catch {
            return .failed
        }
    }
}

/// Results written by concurrent workers, each to its own slot.
private final class ResultBox: @unchecked Sendable {
    private var slots: [Thumbnails.Outcome?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Thumbnails.Outcome) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    func get(_ index: Int) -> Thumbnails.Outcome? {
        lock.lock()
        defer { lock.unlock() }
        return slots[index]
    }
}
