import Foundation
import VGGIndexTypes

extension MemoryIndex {
    /// A run's per-file traffic.
    final class Files: ScanIndex {
        let base: MemoryIndex
        let runID: Int64
        let modelID: Int64
        private var claimed = Set<Int64>()
        private(set) var folded: [FoldedRoot] = []

        init(_ base: MemoryIndex, runID: Int64, modelID: Int64) {
            self.base = base
            self.runID = runID
            self.modelID = modelID
        }

        func target(for absolutePath: [UInt8]) throws -> ScanTarget {
            base.locked {
                if let root = base.rootRows.first(where: { PathBytes.isWithin(absolutePath, folder: $0.path) }) {
                    return ScanTarget(rootID: root.id, rootPath: root.path, subpath: PathBytes.relative(absolutePath, to: root.path) ?? [])
                }
                let root = StoredRoot(id: base.newID(), path: absolutePath)
                base.rootRows.append(root)
                return ScanTarget(rootID: root.id, rootPath: root.path, subpath: [])
            }
        }

        func known(_ id: Int64, _ row: Row) -> KnownFile {
            let result = base.results[modelID]?[id]
            return KnownFile(
                imageID: id, rootID: row.rootID, relativePath: row.relativePath, absolutePath: base.path(of: row), stat: row.stat,
                fingerprint: row.fingerprint, status: row.status, hasResults: result != nil,
                hasDescriptors: result.map { !$0.gem.isEmpty } ?? false)
        }

        func knownFile(rootID: Int64, relativePath: [UInt8]) throws -> KnownFile? {
            base.locked {
                base.rows.first { $0.value.rootID == rootID && $0.value.relativePath == relativePath }.map { known($0.key, $0.value) }
            }
        }

        func claimVanishedFile(fingerprint: [UInt8]) throws -> KnownFile? {
            base.locked {
                for (id, row) in base.rows.sorted(by: { $0.key < $1.key })
                where row.fingerprint == fingerprint && row.lastRun != runID && !claimed.contains(id) && base.results[modelID]?[id] != nil {
                    guard PathBytes.presence(base.path(of: row)) == .gone else { continue }
                    claimed.insert(id)
                    return known(id, row)
                }
                return nil
            }
        }

        func write(_ records: [ScanRecord]) throws {
            base.locked { for record in records { apply(record) } }
        }

        private func apply(_ record: ScanRecord) {
            switch record {
            case .unchanged(let known):
                base.rows[known.imageID]?.lastRun = runID
            case .metadataChanged(let known, let stat):
                base.rows[known.imageID]?.stat = stat
                base.rows[known.imageID]?.status = .ok
                base.rows[known.imageID]?.lastRun = runID
            case .moved(let from, let to):
                base.rows[from.imageID]?.rootID = to.rootID
                base.rows[from.imageID]?.relativePath = to.relativePath
                base.rows[from.imageID]?.stat = to.stat
                base.rows[from.imageID]?.status = .ok
                base.rows[from.imageID]?.lastRun = runID
            case .indexed(let file, let replacing, let fingerprint, _, _, let result, let format):
                let id = replacing?.imageID ?? base.newID()
                if base.rows[id]?.fingerprint != fingerprint { base.dropResults(id) }
                base.rows[id] = Row(
                    rootID: file.rootID, relativePath: file.relativePath, stat: file.stat, fingerprint: fingerprint, status: .ok,
                    reason: nil, lastRun: runID, format: format)
                base.results[modelID, default: [:]][id] = result
                if let code = result.searchCode { base.codes[modelID, default: [:]][id] = code }
            case .failed(let file, let replacing, let fingerprint, let reason):
                let id = replacing?.imageID ?? base.newID()
                var row = base.rows[id] ?? Row(
                    rootID: file.rootID, relativePath: file.relativePath, stat: file.stat, fingerprint: nil, status: .failed,
                    reason: nil, lastRun: runID)
                // Unreadable: what is known of the content stays.
                if let fingerprint {
                    if row.fingerprint != fingerprint { base.dropResults(id) }
                    row.fingerprint = fingerprint
                    row.stat = file.stat
                }
                row.status = .failed
                row.reason = reason
                row.lastRun = runID
                base.rows[id] = row
            }
        }

        private func unseen(in target: ScanTarget, unwalked: [[UInt8]]) -> (unseen: [Int64], known: Int) {
            let inScope = base.rows.filter { id, row in
                row.rootID == target.rootID && row.status != .missing && PathBytes.isWithin(row.relativePath, folder: target.subpath)
                    || (target.subpath.isEmpty && row.rootID == target.rootID && row.status != .missing)
            }
            let unseen = inScope.filter { _, row in
                row.lastRun != runID && !unwalked.contains { PathBytes.isWithin(row.relativePath, folder: $0) }
            }
            return (unseen.map(\.key), inScope.count)
        }

        func vanished(in target: ScanTarget, unwalked: [[UInt8]]) throws -> (vanished: Int, known: Int) {
            base.locked {
                let found = unseen(in: target, unwalked: unwalked)
                return (found.unseen.count, found.known)
            }
        }

        func markVanishedMissing(in target: ScanTarget, unwalked: [[UInt8]]) throws -> Int {
            base.locked {
                let ids = unseen(in: target, unwalked: unwalked).unseen
                for id in ids { base.rows[id]?.status = .missing }
                return ids.count
            }
        }
    }
}
