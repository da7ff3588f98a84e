import Foundation
import VGGCommon
import VGGIndexTypes
import VGGSQL
import _VGGTestSupport

/// A fresh index on one backend, opened for writing, with a model registered.
struct SQLFixture {
    let location: TestLocation
    let index: SQLIndex
    let modelID: Int64
    let stat = FileStat(size: 10, mtimeNanoseconds: 20, inode: 30, device: 40)

    init(_ backend: TestBackend) throws {
        location = try backend.freshLocation()
        index = try location.openWriter()
        modelID = try index.models.register(Self.registration(sha: String(repeating: "a", count: 64)))
    }

    static func registration(sha: String, precision: ComputePrecision = .f32) -> ModelRegistration {
        ModelRegistration(
            weightsSHA256: sha, name: nil, architecture: .tiny, preprocessing: .torch, resizePolicy: .squash, featureDimension: 4,
            precision: precision)
    }

    /// A result with one prediction, a 4-d feature and both descriptors.
    static func result(_ features: [Float] = [1, 2, 3, 4], top: Int = 7) -> ImageResult {
        ImageResult(top: [(index: top, probability: 0.5)], features: features, gem: [0.6, 0.8], rmac: [0.8, 0.6])
    }

    func file(_ relative: String, root: Int64) -> FoundFile {
        FoundFile(rootID: root, relativePath: Array(relative.utf8), absolutePath: Array("/r/\(relative)".utf8), stat: stat)
    }

    func scope(_ path: String) throws -> (scope: RootScope, folded: [FoldedRoot]) {
        try index.writeTransaction { () throws(StoreError) in try index.roots.scope(for: Array(path.utf8)) }
    }

    /// Stores a new file with `result` (its fingerprint its name unless given); returns its id.
    @discardableResult
    func store(
        _ relative: String, root: Int64, run: Int64, model: Int64? = nil, fingerprint: [UInt8]? = nil, result: ImageResult = result()
    ) throws -> Int64 {
        let indexed = SQLFiles.Indexed(
            file: file(relative, root: root), fingerprint: fingerprint ?? Array(relative.utf8), width: 4, height: 3, result: result)
        try index.writeTransaction { () throws(StoreError) in try index.files.storeNewIndexed([indexed], runID: run, modelID: model ?? modelID) }
        return try requireNonNil(try index.files.image(rootID: root, relativePath: Array(relative.utf8), modelID: modelID)?.id)
    }

    func count(_ table: String) throws -> Int64? {
        try index.database.query("SELECT COUNT(*) FROM \(table)", []).first?.first?.integer
    }

    /// The feature vector stored for an image and model.
    func features(_ imageID: Int64, model: Int64? = nil) throws -> [Float]? {
        try index.search.features(imageIDs: [imageID], modelID: model ?? modelID).first ?? nil
    }
}

struct MissingValue: Error {}

/// The value, or a thrown error that fails the test.
func requireNonNil<T>(_ value: T?) throws -> T {
    guard let value else { throw MissingValue() }
    return value
}
