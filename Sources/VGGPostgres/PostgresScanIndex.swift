import Foundation
import VGGCommon
import VGGIndexTypes
import VGGSQL

/// The PostgreSQL index as a scan or a worker sees it: the SQL index's lookups and writes,
/// plus the work queue. A file that came from a claim is written only while the claim is
/// still this process's, in the transaction that marks it done, so a file claimed twice (a
/// lease that ran out while its first worker was still busy) is written once.
final class PostgresScanIndex: SQLScanIndex, WorkQueue {
    /// The queue's own connection, shared by the walker (enqueue) and the claimer.
    private let queue: PostgresConnection?
    private let queueLock = NSLock()
    private let workerID: String
    private let lease: Double
    /// Claims not written yet, by file: the queue row and the run that queued the file.
    private var claims: [FileKey: (item: Int64, runID: Int64)] = [:]
    private let claimsLock = NSLock()
    private let openFailure: StoreError?
    /// When this process last renewed its leases (writer thread only), and files written since.
    private var lastRenewal = Date.distantPast
    private var written = 0

    private struct FileKey: Hashable {
        var rootID: Int64
        var relativePath: [UInt8]
    }

    init(
        writer: SQLIndex, reader: SQLIndex, runID: Int64, modelID: Int64, url: String, workerID: String, lease: Double,
        reconnect: ReconnectPolicy?
    ) {
        do throws(StoreError) {
            let connection = try PostgresConnection(url: url)
            connection.reconnect = reconnect
            queue = connection
            openFailure = nil
        } catch {
            queue = nil
            openFailure = error
        }
        self.workerID = workerID
        self.lease = lease
        super.init(writer: writer, reader: reader, runID: runID, modelID: modelID)
    }

    deinit { queue?.close() }

    /// A worker walks nothing: a file's old path counts as gone when its root is there to
    /// look in (mounted) and the file is not.
    override func mayHaveVanished(fromRoot rootID: Int64, at path: [UInt8]) -> Bool {
        super.mayHaveVanished(fromRoot: rootID, at: path) || PathBytes.presence(path, followingSymlinks: true) == .directory
    }

    // MARK: WorkQueue

    /// A queue row still waiting or claimed (in an upsert, the row already there).
    private static let open = "work_item.state IN ('pending', 'claimed')"

    private func withQueue<R>(_ body: (PostgresConnection) throws(StoreError) -> R) throws(StoreError) -> R {
        guard let queue else { throw openFailure ?? .cannotOpen(path: writer.location, reason: "no queue connection") }
        queueLock.lock()
        defer { queueLock.unlock() }
        return try body(queue)
    }

    func enqueue(_ files: [FoundFile], settings: DecodeSettings) throws {
        try withQueue { (queue) throws(StoreError) in
            try queue.writeTransaction { () throws(StoreError) in
                for file in files {
                    // A file already waiting or claimed keeps its place and its claim, but now
                    // belongs to this run: whoever writes it, this scan has seen it (an
                    // interrupted scan's files are not vanished to the next one). A finished
                    // one is queued again.
                    try queue.run(
                        """
                        INSERT INTO work_item (model_id, run_id, root_id, relative_path, size, mtime_ns, inode, device,
                            max_pixels, dct_scaling, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')
                        ON CONFLICT (model_id, root_id, relative_path) DO UPDATE SET run_id = excluded.run_id,
                            size = CASE WHEN \(Self.open) THEN work_item.size ELSE excluded.size END,
                            mtime_ns = CASE WHEN \(Self.open) THEN work_item.mtime_ns ELSE excluded.mtime_ns END,
                            inode = CASE WHEN \(Self.open) THEN work_item.inode ELSE excluded.inode END,
                            device = CASE WHEN \(Self.open) THEN work_item.device ELSE excluded.device END,
                            max_pixels = CASE WHEN \(Self.open) THEN work_item.max_pixels ELSE excluded.max_pixels END,
                            dct_scaling = CASE WHEN \(Self.open) THEN work_item.dct_scaling ELSE excluded.dct_scaling END,
                            state = CASE WHEN \(Self.open) THEN work_item.state ELSE 'pending' END,
                            claimed_by = CASE WHEN \(Self.open) THEN work_item.claimed_by END,
                            lease_until = CASE WHEN \(Self.open) THEN work_item.lease_until END,
                            attempts = CASE WHEN \(Self.open) THEN work_item.attempts ELSE 0 END,
                            enqueued_at = CASE WHEN \(Self.open) THEN work_item.enqueued_at ELSE now() END,
                            finished_at = CASE WHEN \(Self.open) THEN work_item.finished_at END
                        """,
                        [.integer(modelID), .integer(runID), .integer(file.rootID), .blob(file.relativePath)]
                            + SQLFiles.statValues(file.stat)
                            + [.integer(Int64(settings.maxPixels)), .text(settings.dctScaling ? "true" : "false")])
                }
            }
        }
    }

    /// Claims of this process whose lease ran out are not taken again by it: it is still
    /// working on them, and its write will tell whether they are still its own. Claims taken
    /// over from another worker are recorded for `status` (inserted, so that a claim never
    /// waits for a lock a frozen worker holds).
    func claim(limit: Int, onlyQueuedHere: Bool) throws -> [ClaimedFile] {
        // Claimed, and what the index holds for each file, in one statement.
        let rows = try withQueue { (queue) throws(StoreError) in
            try queue.query(
                """
                WITH picked AS (
                    SELECT id, CASE WHEN state = 'claimed' THEN claimed_by END AS previous FROM work_item
                    WHERE model_id = ? AND (state = 'pending'
                        OR (state = 'claimed' AND lease_until < now() AND claimed_by IS DISTINCT FROM ?))
                        AND (? = 0 OR run_id = ?)
                    ORDER BY enqueued_at, id LIMIT ? FOR UPDATE SKIP LOCKED),
                claimed AS (
                    UPDATE work_item SET state = 'claimed', claimed_by = ?, lease_until = now() + make_interval(secs => ?),
                        attempts = attempts + 1
                    FROM picked WHERE work_item.id = picked.id
                    RETURNING work_item.id, run_id, root_id, relative_path, size, mtime_ns, inode, device, max_pixels, dct_scaling,
                        attempts, picked.previous),
                taken AS (
                    INSERT INTO worker_takeover (worker_id, files)
                    SELECT previous, COUNT(*) FROM claimed WHERE previous IS NOT NULL GROUP BY previous)
                SELECT claimed.id, claimed.run_id, claimed.root_id, root.path, claimed.relative_path, claimed.size, claimed.mtime_ns,
                    claimed.inode, claimed.device, claimed.max_pixels, CASE WHEN claimed.dct_scaling THEN 1 ELSE 0 END, claimed.attempts,
                    \(SQLFiles.imageColumns)
                FROM claimed JOIN root ON root.id = claimed.root_id
                LEFT JOIN image ON image.root_id = claimed.root_id AND image.relative_path = claimed.relative_path
                """, [.integer(modelID), .text(workerID), .integer(onlyQueuedHere ? 1 : 0), .integer(runID), .integer(Int64(limit)),
                    .text(workerID), .real(lease), .integer(modelID)])
        }
        var files = [(file: FoundFile, maxPixels: Int, dctScaling: Bool, attempts: Int)]()
        var owned = [FileKey: (item: Int64, runID: Int64)]()
        var known = [FileKey: KnownFile]()
        for row in rows {
            guard let item = row[0].integer, let run = row[1].integer, let rootID = row[2].integer, let rootPath = row[3].blob,
                let relative = row[4].blob, let size = row[5].integer, let mtime = row[6].integer, let inode = row[7].integer,
                let device = row[8].integer, let maxPixels = row[9].integer, let dct = row[10].integer, let attempts = row[11].integer
            else { continue }
            let stat = FileStat(size: size, mtimeNanoseconds: mtime, inode: UInt64(bitPattern: inode), device: UInt64(bitPattern: device))
            let file = FoundFile(rootID: rootID, relativePath: relative, absolutePath: PathBytes.join(rootPath, relative), stat: stat)
            files.append((file, Int(maxPixels), dct != 0, Int(attempts)))
            owned[FileKey(rootID: rootID, relativePath: relative)] = (item, run)
            if let image = try SQLFiles.storedImage(Array(row[12...])) {
                known[FileKey(rootID: rootID, relativePath: relative)] = Self.knownFile(image)
            }
        }
        claimsLock.lock()
        claims.merge(owned) { $1 }
        claimsLock.unlock()
        let claimed = files.map { entry in
            ClaimedFile(
                file: entry.file, known: known[FileKey(rootID: entry.file.rootID, relativePath: entry.file.relativePath)],
                settings: DecodeSettings(maxPixels: entry.maxPixels, dctScaling: entry.dctScaling), attempts: entry.attempts,
                queuedHere: owned[FileKey(rootID: entry.file.rootID, relativePath: entry.file.relativePath)]?.runID == runID)
        }
        return claimed
    }

    var hasClaimsInFlight: Bool {
        claimsLock.lock()
        defer { claimsLock.unlock() }
        return !claims.isEmpty
    }

    func isFinished() throws -> Bool {
        try withQueue { (queue) throws(StoreError) in
            try queue.query(
                "SELECT COUNT(*) FROM work_item WHERE model_id = ? AND state IN ('pending', 'claimed')", [.integer(modelID)]
            ).first?.first?.integer == 0
        }
    }

    func claimsElsewhere() throws -> ClaimsElsewhere {
        try withQueue { (queue) throws(StoreError) in
            // Claims of a process of this machine (same kernel boot, same process namespace)
            // that is no longer running cannot be finished: they go back at once.
            var released = 0
            let holders = try queue.query(
                "SELECT DISTINCT claimed_by FROM work_item WHERE model_id = ? AND state = 'claimed' AND claimed_by IS DISTINCT FROM ?",
                [.integer(modelID), .text(workerID)])
            for holder in holders.compactMap({ $0.first?.text }) where WorkerIdentity.isStoppedLocalProcess(holder) {
                released += try queue.run(
                    "UPDATE work_item SET state = 'pending', claimed_by = NULL, lease_until = NULL WHERE claimed_by = ? AND state = 'claimed'",
                    [.text(holder)])
            }
            let row = try queue.query(
                """
                SELECT COUNT(*), COALESCE(CAST(CEIL(EXTRACT(EPOCH FROM MAX(lease_until) - now())) AS BIGINT), 0) FROM work_item
                WHERE model_id = ? AND state = 'claimed' AND claimed_by IS DISTINCT FROM ?
                """, [.integer(modelID), .text(workerID)]).first
            return ClaimsElsewhere(
                files: Int(row?[0].integer ?? 0), secondsLeft: max(0, Double(row?[1].integer ?? 0)), released: released)
        }
    }

    func releaseClaims() throws {
        _ = try withQueue { (queue) throws(StoreError) in
            try queue.run(
                "UPDATE work_item SET state = 'pending', claimed_by = NULL, lease_until = NULL WHERE claimed_by = ? AND state = 'claimed'",
                [.text(workerID)])
        }
        claimsLock.lock()
        claims.removeAll()
        claimsLock.unlock()
    }

    // MARK: Writing through claims

    override func write(_ records: [ScanRecord]) throws {
        claimsLock.lock()
        let claimed = records.map { claims[Self.key($0)] }
        claimsLock.unlock()
        let renew = Date().timeIntervalSince(lastRenewal) > lease / 4
        try writer.writeTransaction { () throws(StoreError) in
            // Mark the claims still this process's done (or failed), and learn which they are:
            // the rows stay locked until the results are in, and a claim another worker took
            // over is left to that worker.
            var done = [Int64]()
            var failed = [Int64]()
            for (record, claim) in zip(records, claimed) {
                guard let claim else { continue }
                if case .failed = record { failed.append(claim.item) } else { done.append(claim.item) }
            }
            // Each held claim with the run its queue row names now (a scan that found the file
            // again since it was claimed made it its own).
            var held = [Int64: Int64]()
            for (state, ids) in [("done", done), ("failed", failed)] {
                for start in stride(from: 0, to: ids.count, by: 500) {
                    let chunk = ids[start..<min(start + 500, ids.count)]
                    let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    let rows = try writer.database.query(
                        """
                        UPDATE work_item SET state = '\(state)', finished_at = now(), lease_until = NULL
                        WHERE id IN (\(placeholders)) AND claimed_by = ? AND state = 'claimed' RETURNING id, run_id
                        """, chunk.map { .integer($0) } + [.text(workerID)])
                    for row in rows { if let id = row[0].integer, let run = row[1].integer { held[id] = run } }
                }
            }
            // Records of this process's own walk, then each claim still held, as seen by the
            // run that queued its file.
            var byRun = [Int64: [ScanRecord]]()
            for (record, claim) in zip(records, claimed) {
                if let claim {
                    if let run = held[claim.item] { byRun[run, default: []].append(record) }
                } else {
                    byRun[runID, default: []].append(record)
                }
            }
            for (run, group) in byRun.sorted(by: { $0.key < $1.key }) { try writeRecords(group, runID: run) }
            written += held.count
            // Writing is this worker's sign of life: now and then its other claims get their
            // lease again, and `status` hears of it.
            if renew {
                try writer.database.run(
                    "UPDATE work_item SET lease_until = now() + make_interval(secs => ?) WHERE claimed_by = ? AND state = 'claimed'",
                    [.real(lease), .text(workerID)])
                try writer.database.run(
                    "UPDATE worker SET last_seen_at = now(), images = images + ? WHERE id = ?", [.integer(Int64(written)), .text(workerID)])
            }
        }
        if renew {
            lastRenewal = Date()
            written = 0
        }
        claimsLock.lock()
        for record in records { claims[Self.key(record)] = nil }
        claimsLock.unlock()
    }

    /// The file a record is about.
    private static func key(_ record: ScanRecord) -> FileKey {
        FileKey(rootID: record.file.rootID, relativePath: record.file.relativePath)
    }
}
