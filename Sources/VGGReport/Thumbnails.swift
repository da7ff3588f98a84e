import Foundation
import VGGImaging

/// Upright JPEG thumbnails of indexed photos, made with libjpeg and cached in a folder by
/// content fingerprint: a second report over the same photos decodes nothing, and a photo
/// that changes gets a new thumbnail because its fingerprint changes.
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
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
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

    enum Outcome { case existing, made, failed }

    private func make(_ request: Request) -> Outcome {
        let target = (directory as NSString).appendingPathComponent(Self.fileName(request.fingerprint))
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
