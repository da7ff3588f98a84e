import Foundation
import VGGIndexTypes

/// An index opened for writing: the right to write (SQLite's scan lock, PostgreSQL's
/// advisory lock), the writer connection, and a read connection beside it for the scan's
/// lookups.
open class SQLIndexWriter: IndexWriter {
    public let writer: SQLIndex
    public let reader: SQLIndex
    /// Held while the writer is open; released with it.
    private let lock: AnyObject?
    private let recordInterruption: @Sendable (Int64) -> Void

    /// `recordInterruption` records a run as interrupted through a connection of its own.
    public init(writer: SQLIndex, reader: SQLIndex, lock: AnyObject?, recordInterruption: @escaping @Sendable (Int64) -> Void) {
        self.writer = writer
        self.reader = reader
        self.lock = lock
        self.recordInterruption = recordInterruption
    }

    /// Takes the scan lock on the SQLite index at `path` and opens it (creating and
    /// migrating it; its folder must exist unless `createDirectory`, the default location's
    /// case).
    public static func open(path: String, createDirectory: Bool) throws(StoreError) -> SQLIndexWriter {
        try IndexDatabase.prepareDirectory(for: path, create: createDirectory)
        let lock = try ScanLock(databasePath: path)
        let writer = try IndexDatabase(path: path, readOnly: false)
        let reader = try IndexDatabase(path: path, readOnly: true)
        return SQLIndexWriter(writer: writer, reader: reader, lock: lock) { IndexDatabase.markInterrupted(path: path, runID: $0) }
    }

    public var location: String { writer.location }

    public func roots() throws(StoreError) -> [StoredRoot] { try writer.roots() }
    public func defaultModel() throws(StoreError) -> StoredModel? { try writer.defaultModel() }
    public func models() throws(StoreError) -> [StoredModel] { try writer.models() }

    public func foldNestedRoots() throws(StoreError) -> [FoldedRoot] {
        try writer.writeTransaction { () throws(StoreError) in try writer.foldNestedRoots() }
    }

    public func registerModel(_ registration: ModelRegistration) throws(StoreError) -> Int64 {
        try writer.modelID(
            weightsSHA256: registration.weightsSHA256, name: registration.name, architecture: registration.architecture,
            preprocessing: registration.preprocessing, resizePolicy: registration.resizePolicy,
            featureDimension: registration.featureDimension, convolutionBase: registration.convolutionBase,
            precision: registration.precision)
    }

    public func recordWeightsLocation(modelID: Int64, _ location: WeightsLocation) throws(StoreError) {
        try writer.recordWeightsLocation(modelID: modelID, path: location.path, size: location.size, mtimeNanoseconds: location.mtimeNanoseconds)
    }

    public func beginRun(options: String, modelID: Int64) throws(StoreError) -> Int64 {
        try writer.beginRun(options: options, modelID: modelID)
    }

    public func finishRun(_ id: Int64, status: String, counts: RunCounts) throws(StoreError) {
        try writer.finishRun(id, status: status, counts: counts)
    }

    public func interruptionRecorder(runID: Int64) -> @Sendable () -> Void {
        let record = recordInterruption
        return { record(runID) }
    }

    open func scanIndex(runID: Int64, modelID: Int64) -> any RunScanIndex {
        SQLScanIndex(writer: writer, reader: reader, runID: runID, modelID: modelID)
    }

    public func featureCount(modelID: Int64) throws(StoreError) -> Int { try writer.featureCount(modelID: modelID) }

    public func featuresWithoutCode(modelID: Int64, limit: Int) throws(StoreError) -> [(imageID: Int64, vector: [Float])] {
        try writer.featuresWithoutCode(modelID: modelID, limit: limit)
    }

    public func storeCodes(_ codes: [(imageID: Int64, code: FeatureCode)], modelID: Int64) throws(StoreError) {
        try writer.writeTransaction { () throws(StoreError) in
            for item in codes { try writer.storeCode(item.code, imageID: item.imageID, modelID: modelID) }
        }
    }

    public func basis(modelID: Int64) throws(StoreError) -> StoredBasis? { try writer.basis(modelID: modelID) }

    public func sampleFeatures(modelID: Int64, limit: Int) throws(StoreError) -> [[Float]] {
        try writer.sampleFeatures(modelID: modelID, limit: limit)
    }

    public func replaceBasis(modelID: Int64, _ basis: StoredBasis) throws(StoreError) {
        try writer.writeTransaction { () throws(StoreError) in try writer.replaceBasis(modelID: modelID, basis) }
    }

    public func featuresWithoutProjection(modelID: Int64, limit: Int) throws(StoreError) -> [(imageID: Int64, vector: [Float])] {
        try writer.featuresWithoutProjection(modelID: modelID, limit: limit)
    }

    public func storeProjections(_ rows: [(imageID: Int64, coordinates: [Float], residual: Float)], modelID: Int64) throws(StoreError) {
        try writer.writeTransaction { () throws(StoreError) in
            for row in rows {
                try writer.storeProjection(imageID: row.imageID, modelID: modelID, coordinates: row.coordinates, residual: row.residual)
            }
        }
    }

    public func rootStatuses() throws(StoreError) -> [RootStatus] { try writer.rootStatuses() }

    public func pruneMissing() throws(StoreError) -> Int {
        try writer.writeTransaction { () throws(StoreError) in try writer.pruneMissing() }
    }

    public func removeRoot(_ root: StoredRoot) throws(StoreError) -> Int {
        try writer.writeTransaction { () throws(StoreError) in try writer.removeRoot(root) }
    }

    open func close() {
        reader.close()
        writer.close()
        withExtendedLifetime(lock) {}
    }
}
