import VGGIndexTypes
import Foundation

extension ScanPipeline {
    /// Counters and outcomes shared by the stages, behind one lock.
    final class SharedState: @unchecked Sendable {
        private let lock = NSLock()
        private var progress = ScanProgress()
        private(set) var failureStorage: Error?
        private var problems: [(String, String)] = []
        private var unavailable: [(String, String)] = []
        private var incomplete: [(String, Int)] = []
        private var empty: [String] = []
        private var completed = [Int: [[UInt8]]]()
        private var writing = 0.0
        private var inference = 0.0
        private var decodeCPU = 0.0
        private var dry = false
        private var claimed = Set<ClaimKey>()
        private var foreignClaims = Set<ClaimKey>()

        private struct ClaimKey: Hashable {
            var rootID: Int64
            var relativePath: [UInt8]
        }

        /// At most this many walk problems are kept for the summary (all are counted).
        static let problemLimit = 1000

        func update(_ change: (inout ScanProgress) -> Void) {
            lock.lock()
            change(&progress)
            lock.unlock()
        }

        func snapshot(seconds: Double) -> ScanProgress {
            lock.lock()
            defer { lock.unlock() }
            var copy = progress
            copy.seconds = seconds
            return copy
        }

        /// Notes a file claimed from a work queue; `foreign` when another scan queued it.
        func markClaimed(_ file: FoundFile, foreign: Bool) {
            lock.lock()
            claimed.insert(ClaimKey(rootID: file.rootID, relativePath: file.relativePath))
            if foreign { foreignClaims.insert(ClaimKey(rootID: file.rootID, relativePath: file.relativePath)) }
            lock.unlock()
        }

        func recordWritten(_ records: [ScanRecord], seconds: Double) {
            lock.lock()
            defer { lock.unlock() }
            writing += seconds
            for record in records {
                let key = ClaimKey(rootID: record.file.rootID, relativePath: record.file.relativePath)
                if claimed.remove(key) != nil {
                    // Files of other scans are counted apart: they were not found by this one.
                    if foreignClaims.remove(key) != nil {
                        progress.forOthers += 1
                        continue
                    }
                    progress.writtenFromQueue += 1
                }
                progress.done += 1
                switch record {
                case .unchanged: progress.unchanged += 1
                case .metadataChanged: progress.touched += 1
                case .moved: progress.moved += 1
                case .indexed(_, let replacing, let fingerprint, _, _, _, _):
                    // Same content seen again (results for another model, a retried file) is not a change.
                    if replacing == nil {
                        progress.new += 1
                    } else if replacing?.fingerprint == fingerprint {
                        progress.unchanged += 1
                    } else {
                        progress.changed += 1
                    }
                case .failed: progress.failed += 1
                }
            }
        }

        func addDecodeCPU(_ seconds: Double) {
            lock.lock()
            decodeCPU += seconds
            lock.unlock()
        }

        var decodeCoreSeconds: Double {
            lock.lock()
            defer { lock.unlock() }
            return decodeCPU
        }

        func addInference(_ seconds: Double, images: Int) {
            lock.lock()
            inference += seconds
            progress.inferred += images
            lock.unlock()
        }

        func fail(_ error: Error) {
            lock.lock()
            if failureStorage == nil { failureStorage = error }
            lock.unlock()
        }

        var failure: Error? {
            lock.lock()
            defer { lock.unlock() }
            return failureStorage
        }

        func addProblem(_ path: String, _ reason: String) {
            lock.lock()
            if problems.count < Self.problemLimit { problems.append((path, reason)) }
            lock.unlock()
        }

        func addUnavailable(_ path: String, _ reason: String) {
            lock.lock()
            unavailable.append((path, reason))
            lock.unlock()
        }

        func addIncomplete(_ path: String, places: Int) {
            lock.lock()
            incomplete.append((path, places))
            lock.unlock()
        }

        func addEmpty(_ path: String) {
            lock.lock()
            empty.append(path)
            lock.unlock()
        }

        var emptyFolders: [String] {
            lock.lock()
            defer { lock.unlock() }
            return empty
        }

        var incompleteRoots: [(path: String, places: Int)] {
            lock.lock()
            defer { lock.unlock() }
            return incomplete.map { ($0.0, $0.1) }
        }

        /// Marks target number `target` (in scan order) as walked to its end, but for the
        /// places `unwalked` (relative to its root).
        func markCompleted(_ target: Int, unwalked: [[UInt8]]) {
            lock.lock()
            completed[target] = unwalked
            lock.unlock()
        }

        /// The targets walked to their end, with the places each did not enter.
        var completedRoots: [Int: [[UInt8]]] {
            lock.lock()
            defer { lock.unlock() }
            return completed
        }

        var walkProblems: [(path: String, reason: String)] {
            lock.lock()
            defer { lock.unlock() }
            return problems.map { ($0.0, $0.1) }
        }

        var unavailableRoots: [(path: String, reason: String)] {
            lock.lock()
            defer { lock.unlock() }
            return unavailable.map { ($0.0, $0.1) }
        }

        /// With a work queue: the last claim got fewer files than it asked for.
        var queueDry: Bool {
            get {
                lock.lock()
                defer { lock.unlock() }
                return dry
            }
            set {
                lock.lock()
                dry = newValue
                lock.unlock()
            }
        }

        var writeSeconds: Double {
            lock.lock()
            defer { lock.unlock() }
            return writing
        }

        var inferenceSeconds: Double {
            lock.lock()
            defer { lock.unlock() }
            return inference
        }
    }
}
