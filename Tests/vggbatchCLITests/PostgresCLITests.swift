import Foundation
import Testing
import VGGIndexTypes
import VGGPostgres
import _VGGTestSupport

/// Every command on a PostgreSQL index, answering as it does on SQLite; the shared queue
/// with workers that die; and the one-line refusals.
@Suite("vggbatch on PostgreSQL", .serialized, .enabled(if: TestPostgres.isAvailable, "set VGGBATCH_TEST_POSTGRES to run the PostgreSQL tests"))
struct PostgresCLITests {
    let directory = TemporaryDirectory()
    let server: TestPostgres.Database
    var url: String { server.url }
    var photos: String { directory.path("photos") }
    var weights: String { directory.path("tiny.safetensors") }
    var environment: [String: String] { ["XDG_CACHE_HOME": directory.path("cache"), "VGGBATCH_OFFLINE": "1"] }

    static let names = [
        "pillow-hopper.jpg", "ljt-testorig.jpg", "skimage-coins.png", "libpng-toucan.png", "sklearn-china.jpg", "skimage-chelsea.png",
    ]

    init() throws {
        server = try TestPostgres.freshDatabase()
        for copy in ["a", "b", "c", "d"] {
            try FileManager.default.createDirectory(atPath: directory.path("photos/\(copy)"), withIntermediateDirectories: true)
            for name in Self.names { try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: directory.path("photos/\(copy)/\(name)")) }
        }
        let result = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "5", "--output", weights])
        precondition(result.status == 0, result.standardError)
    }

    func vggbatch(_ arguments: [String], db: String? = nil) throws -> CommandResult {
        try CommandRunner.vggbatch(arguments + ["--db", db ?? url], environment: environment)
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Each reading machine keeps its own approximate index of a server's vectors, in its cache
    /// under the database's instance; rows the workers write after it are scored in full.
    @Test func anApproximateIndexOfAServerLivesInTheReadersCacheAndAnswersExactly() throws {
        #expect(try vggbatch(["scan", "--weights", weights, directory.path("photos/a"), directory.path("photos/b")]).status == 0)
        let build = try vggbatch(["index", "build", "--feature", "rmac"])
        #expect(build.status == 0, "\(build.standardError)")
        #expect(build.standardOutput.contains(directory.path("cache") + "/vggbatch/approximate/"), "\(build.standardOutput)")
        // Another machine scans more photos: this one's copy does not have them.
        let elsewhere = try CommandRunner.vggbatch(
            ["scan", "--weights", weights, directory.path("photos/c"), "--db", url],
            environment: environment.merging(["XDG_CACHE_HOME": directory.path("other-cache")]) { $1 })
        #expect(elsewhere.status == 0, "\(elsewhere.standardError)")
        for name in Self.names {
            let query = directory.path("photos/a/\(name)")
            let approximate = try CommandRunner.vggbatch(
                ["similar", "--feature", "rmac", "--limit", "5", query, "--db", url],
                environment: environment.merging(["VGGBATCH_APPROXIMATE_ABOVE": "0"]) { $1 })
            let exact = try vggbatch(["similar", "--feature", "rmac", "--limit", "5", "--exact", query])
            #expect(approximate.status == 0 && approximate.standardError.contains("approximately"), "\(approximate.standardError)")
            #expect(approximate.standardError.contains("6 rows written since it was built scored in full"), "\(approximate.standardError)")
            #expect(approximate.standardOutput == exact.standardOutput)
        }
    }

    @Test func everyCommandAnswersAsOnSQLite() throws {
        let sqlite = directory.path("index.sqlite")
        for db in [sqlite, url] {
            let scan = try vggbatch(["scan", "--weights", weights, photos], db: db)
            #expect(scan.status == 0, "\(db): \(scan.standardError)")
        }
        // The same rows, the same features, bit for bit.
        let exported = try [sqlite, url].map { try vggbatch(["export", "--features", "--format", "jsonl"], db: $0) }
        #expect(exported[0].status == 0 && exported[1].status == 0)
        #expect(exported[0].standardOutput == exported[1].standardOutput)
        #expect(exported[0].standardOutput.split(separator: "\n").count == 24)
        let query = directory.path("photos/a/libpng-toucan.png")
        for command in [["similar", "--json", query], ["duplicates", "--json"], ["roots", "--json"], ["show", "--json", query]] {
            let answers = try [sqlite, url].map { try vggbatch(command, db: $0) }
            #expect(answers.allSatisfy { $0.status == 0 }, "\(command): \(answers.map(\.standardError))")
            // The same answer, but for when each file was seen.
            let objects = try answers.map { answer -> NSObject in
                let parsed = try JSONSerialization.jsonObject(with: Data(answer.standardOutput.utf8))
                guard var object = parsed as? [String: Any] else { return try #require(parsed as? NSObject) }
                object["first_seen"] = nil
                object["last_seen"] = nil
                return object as NSDictionary
            }
            #expect(objects[0].isEqual(objects[1]), "\(command)")
        }
        let status = try json(try vggbatch(["status", "--json"]).standardOutput)
        #expect(status["ok"] as? Int == 24 && status["database"] as? String == url)
        let queue = try #require(status["queue"] as? [String: Any])
        #expect(queue["done"] as? Int == 24 && queue["pending"] as? Int == 0)
        #expect(try vggbatch(["report", "--output", directory.path("report")]).status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.path("report/index.html")))

        // A rescan opens nothing; a vanished file is missing, then pruned; a root forgotten.
        try FileManager.default.removeItem(atPath: directory.path("photos/b/skimage-coins.png"))
        let rescan = try vggbatch(["scan", "--json", photos])
        #expect(rescan.status == 0, "\(rescan.standardError)")
        let summary = try json(String(try #require(rescan.standardOutput.split(separator: "\n").last)))
        #expect(summary["unchanged"] as? Int == 23 && summary["missing"] as? Int == 1 && summary["computed"] as? Int == 0)
        #expect(try vggbatch(["prune"]).standardOutput == "deleted 1 missing entries\n")
        let removed = try vggbatch(["roots", "remove", "--yes", photos])
        #expect(removed.status == 0 && removed.standardOutput.contains("23 entries removed"), "\(removed.standardError)")
    }

    /// Three processes on one queue, one of them killed while it holds claims: every file
    /// ends with one row, as a single-machine scan would make it.
    @Test func workersShareTheQueueAndAKilledOneLosesNothing() throws {
        let sqlite = directory.path("index.sqlite")
        #expect(try vggbatch(["scan", "--weights", weights, photos], db: sqlite).status == 0)
        // The first worker waits for work, claims, and dies before writing anything.
        let doomed = try CommandRunner.start(
            ["work", "--db", url, "--follow", "--lease", "5", "--batch-size", "2", "--claim", "2", "--weights", weights], environment: environment)
        let survivor = try CommandRunner.start(
            ["work", "--db", url, "--follow", "--lease", "5", "--batch-size", "2", "--claim", "2", "--weights", weights], environment: environment)
        let scan = try CommandRunner.start(["scan", "--db", url, "--weights", weights, "--batch-size", "1", "--claim", "1", photos], environment: environment)
        let watcher = try PostgresConnection(url: url)
        var claimed = false
        for _ in 0..<400 where !claimed {
            let rows = try? watcher.query(
                "SELECT COUNT(*) FROM work_item WHERE state = 'claimed' AND claimed_by LIKE ?", [.text("%:\(doomed.processIdentifier):%")])
            claimed = (rows?.first?.first?.integer ?? 0) > 0
            if !claimed { Thread.sleep(forTimeInterval: 0.05) }
        }
        kill(doomed.processIdentifier, SIGKILL)
        doomed.waitUntilExit()
        #expect(claimed, "the first worker never claimed anything")
        scan.waitUntilExit()
        #expect(scan.terminationStatus == 0)
        kill(survivor.processIdentifier, SIGINT)
        survivor.waitUntilExit()
        let rows = try watcher.query("SELECT COUNT(*), COUNT(DISTINCT (root_id, relative_path)) FROM image", [])
        #expect(rows == [[.integer(24), .integer(24)]])
        #expect(try watcher.query("SELECT state, COUNT(*) FROM work_item GROUP BY state", []) == [[.text("done"), .integer(24)]])
        let exported = try [sqlite, url].map { try vggbatch(["export", "--features", "--format", "jsonl"], db: $0).standardOutput }
        #expect(exported[0] == exported[1])
    }

    @Test func aWorkerWithOtherWeightsRefusesInOneLine() throws {
        #expect(try vggbatch(["scan", "--weights", weights, photos]).status == 0)
        let connection = try PostgresConnection(url: url)
        try connection.run("UPDATE work_item SET state = 'pending' WHERE id IN (SELECT id FROM work_item LIMIT 2)", [])
        let other = directory.path("other.safetensors")
        #expect(try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "6", "--output", other]).status == 0)
        let refused = try vggbatch(["work", "--weights", other])
        #expect(refused.status == 2)
        #expect(refused.standardError.hasPrefix("vggbatch: error: these weights (\(other), sha256 "), "\(refused.standardError)")
        #expect(refused.standardError.contains("are not model 1, which the queue's files wait for"))
        #expect(refused.standardError.split(separator: "\n").count == 1)
        // A file is described as what it is (torch), not as the model it is not (caffe).
        let caffe = try PostgresConnection(url: url)
        try caffe.run("UPDATE model SET preprocessing = 'caffe'", [])
        let described = try vggbatch(["work", "--weights", other])
        #expect(described.standardError.contains("sha256 ") && described.standardError.contains("…, torch) are not model 1"), "\(described.standardError)")
        #expect(described.standardError.contains("caffe)"), "\(described.standardError)")
        try caffe.run("UPDATE model SET preprocessing = 'torch'", [])
        // Without --weights the worker finds the scan's file, and finishes the two files.
        let worked = try vggbatch(["work", "--json"])
        #expect(worked.status == 0, "\(worked.standardError)")
        #expect(try json(String(try #require(worked.standardOutput.split(separator: "\n").last)))["written"] as? Int == 2)
        #expect(try vggbatch(["work"]).standardError.contains("is empty: nothing to compute"))
    }

    /// A worker computes in the precision of the model the queue waits for, or refuses.
    @Test func aWorkerKeepsTheModelsPrecision() throws {
        #expect(try vggbatch(["scan", "--queue-only", "--precision", "bf16", "--weights", weights, photos]).status == 0)
        let refused = try vggbatch(["work", "--precision", "f32"])
        #expect(refused.status == 2 && refused.standardError.contains("is computed in bf16, not f32"), "\(refused.standardError)")
        let worked = try vggbatch(["work"])
        #expect(worked.status == 0 && worked.standardError.contains("precision: bf16"), "\(worked.standardError)")
    }

    /// A scan that only queues (the machine next to the disks), and a worker that computes.
    @Test func aQueueOnlyScanLeavesTheWorkToWorkers() throws {
        let queued = try vggbatch(["scan", "--queue-only", "--json", "--weights", weights, photos])
        #expect(queued.status == 0, "\(queued.standardError)")
        #expect(queued.standardError.contains("24 files queued for `vggbatch work` of model 1"), "\(queued.standardError)")
        #expect(!queued.standardError.contains("0 computed"), "\(queued.standardError)")
        let waiting = try #require(try json(try vggbatch(["status", "--json"]).standardOutput)["queue"] as? [String: Any])
        #expect(waiting["pending"] as? Int == 24 && waiting["done"] as? Int == 0)
        // The queue-only scan computed nothing: it is not counted as a worker.
        #expect(waiting["workers_last_minute"] as? Int == 0, "\(waiting)")
        // Finished, the queue-only scan says it computed nothing.
        let text = try vggbatch(["status"]).standardOutput
        #expect(text.contains("(finished; it only queued its files, for `vggbatch work` to compute)"), "\(text)")
        let lastScan = try #require(try json(try vggbatch(["status", "--json"]).standardOutput)["last_scan"] as? [String: Any])
        #expect(lastScan["queue_only"] as? Bool == true && lastScan["status"] as? String == "finished", "\(lastScan)")
        let worked = try vggbatch(["work", "--json"])
        #expect(worked.status == 0, "\(worked.standardError)")
        #expect(try json(String(try #require(worked.standardOutput.split(separator: "\n").last)))["computed"] as? Int == 24)
        let status = try json(try vggbatch(["status", "--json"]).standardOutput)
        #expect(status["ok"] as? Int == 24 && (status["queue"] as? [String: Any])?["done"] as? Int == 24)
        let sqlite = try vggbatch(["scan", "--queue-only", photos], db: directory.path("index.sqlite"))
        #expect(sqlite.status == 64 && sqlite.standardError.contains("--queue-only needs a PostgreSQL index"))
    }

    /// A worker meant to run for days outlives its server sessions being ended (a restart or
    /// a failover ends them all): one line when the database is lost, one when it is back,
    /// and the work queued meanwhile is done.
    @Test func aWorkerOutlivesLostConnections() throws {
        let first = directory.path("photos/a")
        #expect(try vggbatch(["scan", "--queue-only", "--weights", weights, first]).status == 0)
        let errors = directory.url.appendingPathComponent("worker.stderr")
        let process = try CommandRunner.start(["work", "--follow", "--db-retry", "30s", "--db", url], environment: environment, standardError: errors)
        defer { if process.isRunning { process.terminate() } }
        let connection = try PostgresConnection(url: url)
        let done = { () throws -> Int64 in
            try connection.query("SELECT COUNT(*) FROM work_item WHERE state = 'done'", []).first?.first?.integer ?? 0
        }
        let waitFor = { (count: Int64) throws -> Bool in
            for _ in 0..<600 where try done() < count { Thread.sleep(forTimeInterval: 0.1) }
            return try done() == count
        }
        #expect(try waitFor(6))
        // Every session but this one ends, as in a restart.
        _ = try connection.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", [])
        #expect(try vggbatch(["scan", "--queue-only", "--weights", weights, directory.path("photos/b")]).status == 0)
        #expect(try waitFor(12))
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let text = try String(contentsOf: errors, encoding: .utf8)
        #expect(text.components(separatedBy: "database unreachable since").count == 2, "\(text)")
        #expect(text.components(separatedBy: "reconnected after").count == 2, "\(text)")
        // Idle when interrupted: no batch in flight to speak of.
        #expect(text.contains("vggbatch: interrupted; finishing the files claimed, if any, and handing the rest back") && !text.contains("batch in flight"), "\(text)")
        #expect(try connection.query("SELECT COUNT(*) FROM work_item WHERE state <> 'done'", []) == [[.integer(0)]])
    }

    /// A database dropped under a worker is not waited out: the worker stops with the reason.
    @Test func aWorkerWhoseDatabaseWasDroppedStopsWithTheReason() throws {
        #expect(try vggbatch(["scan", "--queue-only", "--weights", weights, directory.path("photos/a")]).status == 0)
        let errors = directory.url.appendingPathComponent("dropped.stderr")
        let process = try CommandRunner.start(["work", "--follow", "--db-retry", "5m", "--db", url], environment: environment, standardError: errors)
        defer { if process.isRunning { process.terminate() } }
        let watcher = try PostgresConnection(url: url)
        for _ in 0..<600 where try watcher.query("SELECT COUNT(*) FROM work_item WHERE state = 'done'", []).first?.first?.integer ?? 0 < 6 {
            Thread.sleep(forTimeInterval: 0.1)
        }
        watcher.close()
        let admin = try PostgresConnection(url: try #require(TestPostgres.serverURL))
        let name = String(url[url.index(after: try #require(url.range(of: "/", options: .backwards)).lowerBound)...])
        try admin.execute("DROP DATABASE \(name) WITH (FORCE)")
        let started = Date()
        process.waitUntilExit()
        let text = try String(contentsOf: errors, encoding: .utf8)
        #expect(Date().timeIntervalSince(started) < 30, "\(text)")
        #expect(process.terminationStatus == 2, "\(text)")
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("vggbatch: error: ") && last.contains("does not exist"), "\(text)")
    }

    /// A scan that waits for the queue outlives a restart too, and holds its lock again after it.
    @Test func aScanOutlivesLostConnections() throws {
        let first = directory.path("photos/a")
        #expect(try vggbatch(["scan", "--queue-only", "--weights", weights, first]).status == 0)
        let connection = try PostgresConnection(url: url)
        // Two files held by a worker on another machine whose lease runs out in 4 s: the scan
        // waits for them, then takes them over.
        try connection.run("INSERT INTO worker (id, host, pid) VALUES ('far:4242:x', 'far-host', 4242)", [])
        try connection.run(
            """
            UPDATE work_item SET state = 'claimed', claimed_by = 'far:4242:x', lease_until = now() + interval '4 seconds', attempts = 1
            WHERE id IN (SELECT id FROM work_item ORDER BY id LIMIT 2)
            """, [])
        let errors = directory.url.appendingPathComponent("scan.stderr")
        let process = try CommandRunner.start(["scan", "--db-retry", "30s", "--weights", weights, "--db", url, first], environment: environment, standardError: errors)
        defer { if process.isRunning { process.terminate() } }
        let lockHeld = { () throws -> Bool in
            try connection.query("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ? AND objid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                [.integer(0x7667_6762)]).first?.first?.integer == 1
        }
        for _ in 0..<300 where try !lockHeld() { Thread.sleep(forTimeInterval: 0.01) }
        #expect(try lockHeld())
        _ = try connection.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", [])
        // The scan takes its lock again on its new connection, while it still waits.
        var heldAgain = false
        for _ in 0..<300 where process.isRunning && !heldAgain {
            Thread.sleep(forTimeInterval: 0.01)
            heldAgain = try lockHeld()
        }
        #expect(heldAgain)
        process.waitUntilExit()
        let text = try String(contentsOf: errors, encoding: .utf8)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.components(separatedBy: "database unreachable since").count == 2, "\(text)")
        #expect(text.components(separatedBy: "reconnected after").count == 2, "\(text)")
        #expect(try connection.query("SELECT COUNT(*) FROM work_item WHERE state <> 'done'", []) == [[.integer(0)]])
        #expect(try connection.query("SELECT COUNT(*) FROM image WHERE status = 'ok'", []).first?.first?.integer ?? 0 >= 6)
    }

    /// `status` names the workers that hold claims whose lease ran out (frozen, cut off, dead).
    @Test func statusNamesStalledWorkers() throws {
        #expect(try vggbatch(["scan", "--queue-only", "--weights", weights, directory.path("photos/a")]).status == 0)
        let connection = try PostgresConnection(url: url)
        try connection.run("INSERT INTO worker (id, host, pid, last_seen_at) VALUES ('far:4242:x', 'far-host', 4242, now() - interval '10 minutes')", [])
        try connection.run(
            """
            UPDATE work_item SET state = 'claimed', claimed_by = 'far:4242:x', lease_until = now() - interval '5 minutes', attempts = 1
            WHERE id IN (SELECT id FROM work_item ORDER BY id LIMIT 3)
            """, [])
        let text = try vggbatch(["status"]).standardOutput
        #expect(text.contains("stalled: far-host pid 4242, silent for 6") && text.contains("holding 3 expired claims"), "\(text)")
        let queue = try #require(try json(try vggbatch(["status", "--json"]).standardOutput)["queue"] as? [String: Any])
        let stalled = try #require(queue["stalled_workers"] as? [[String: Any]])
        #expect(stalled.count == 1 && stalled[0]["claims"] as? Int == 3 && stalled[0]["host"] as? String == "far-host")
        // Another worker takes the expired claims over: the silent worker is still named, with
        // what was taken from it, until it writes again.
        #expect(try vggbatch(["work", "--claim", "2", "--batch-size", "2"]).status == 0)
        let after = try vggbatch(["status"]).standardOutput
        #expect(after.contains("stalled: far-host pid 4242") && after.contains("3 claims taken over by others"), "\(after)")
        #expect(!after.contains("expired claim"), "\(after)")
        try connection.run("UPDATE worker SET last_seen_at = now() WHERE id = 'far:4242:x'", [])
        #expect(!(try vggbatch(["status"]).standardOutput.contains("stalled:")))
    }

    /// A file every worker died on is recorded as failed, not handed out for ever.
    @Test func aFileClaimedTooOftenIsRecordedAsFailed() throws {
        #expect(try vggbatch(["scan", "--weights", weights, photos]).status == 0)
        let connection = try PostgresConnection(url: url)
        let path = Array("a/ljt-testorig.jpg".utf8)
        try connection.run("UPDATE work_item SET state = 'pending', attempts = 5 WHERE relative_path = ?", [.blob(path)])
        let worked = try vggbatch(["work"])
        #expect(worked.status == 0, "\(worked.standardError)")
        let failures = try vggbatch(["status", "--failed"])
        #expect(failures.standardOutput.contains("a/ljt-testorig.jpg: claimed 6 times without a result"), "\(failures.standardOutput)")
        #expect(try connection.query("SELECT state FROM work_item WHERE relative_path = ?", [.blob(path)]) == [[.text("failed")]])
    }

    /// Lines from `classify --files-from` import into PostgreSQL as into SQLite, and equal a scan.
    @Test func importedLinesAreTheSameRowsAsOnSQLite() throws {
        let list = try CommandRunner.vggbatch(["list", photos])
        let lines = try CommandRunner.vggbatch(
            ["classify", "--files-from", "-", "--weights", weights, "--features"], environment: environment, input: Data(list.standardOutput.utf8))
        #expect(lines.status == 0)
        let file = directory.path("lines.jsonl")
        try lines.standardOutputBytes.write(to: URL(fileURLWithPath: file))
        let sqlite = directory.path("imported.sqlite")
        for db in [sqlite, url] {
            let imported = try vggbatch(["import", file], db: db)
            #expect(imported.status == 0 && imported.standardOutput.contains("24 lines: 24 new"), "\(db): \(imported.standardOutput) \(imported.standardError)")
            let again = try vggbatch(["import", file], db: db)
            #expect(again.standardOutput.contains("24 lines: 0 new, 0 changed, 24 unchanged"), "\(db): \(again.standardOutput)")
        }
        let scanned = directory.path("scanned.sqlite")
        #expect(try vggbatch(["scan", "--weights", weights, photos], db: scanned).status == 0)
        let exported = try [sqlite, url, scanned].map { try vggbatch(["export", "--features", "--format", "jsonl"], db: $0).standardOutput }
        #expect(exported[0] == exported[1] && exported[1] == exported[2])
    }

    /// Files an interrupted scan left in the queue (waiting, or claimed by a process that
    /// is gone) are there, not vanished: the next scan writes them as its own and marks
    /// nothing missing, even when told to accept a mass deletion.
    @Test func filesLeftInTheQueueAreNotVanished() throws {
        let queued = try vggbatch(["scan", "--queue-only", "--weights", weights, photos])
        #expect(queued.status == 0, "\(queued.standardError)")
        // Half of them claimed by a scan of this machine that was killed, with a long lease.
        let connection = try PostgresConnection(url: url)
        let dead = try stoppedProcessIdentity()
        try connection.run(
            """
            UPDATE work_item SET state = 'claimed', claimed_by = ?, lease_until = now() + interval '1 hour', attempts = 1
            WHERE id IN (SELECT id FROM work_item ORDER BY id LIMIT 12)
            """, [.text(dead)])
        let started = Date()
        let rescan = try vggbatch(["scan", "--json", "--accept-missing"])
        #expect(rescan.status == 0, "\(rescan.standardError)")
        #expect(Date().timeIntervalSince(started) < 120, "waited for the dead process's leases")
        let summary = try json(String(try #require(rescan.standardOutput.split(separator: "\n").last)))
        #expect(summary["missing"] as? Int == 0 && summary["new"] as? Int == 24, "\(summary)")
        #expect(summary["written_from_queue"] as? Int == 24 && summary["written_for_other_scans"] as? Int == 0, "\(summary)")
        #expect(rescan.standardError.contains("24 files went through the shared queue: 24 written by this process, 0 by other workers"))
        #expect(!rescan.standardError.contains("vanished"), "\(rescan.standardError)")
        let status = try json(try vggbatch(["status", "--json"]).standardOutput)
        #expect(status["ok"] as? Int == 24 && status["missing"] as? Int == 0, "\(status)")
    }

    /// While the queue waits for claims another machine holds, the scan says so.
    @Test func aScanSaysWhatItWaitsFor() throws {
        #expect(try vggbatch(["scan", "--queue-only", "--weights", weights, photos]).status == 0)
        let connection = try PostgresConnection(url: url)
        try connection.run(
            """
            UPDATE work_item SET state = 'claimed', claimed_by = 'elsewhere:1:x', lease_until = now() + interval '5 seconds'
            WHERE id IN (SELECT id FROM work_item ORDER BY id LIMIT 3)
            """, [])
        let rescan = try vggbatch(["scan", "--json"])
        #expect(rescan.status == 0, "\(rescan.standardError)")
        let events = try rescan.standardOutput.split(separator: "\n").map { try json(String($0)) }
        #expect(events.contains { $0["waiting_for_claimed"] as? Int == 3 }, "\(rescan.standardOutput)")
        let summary = try #require(events.last)
        #expect(summary["new"] as? Int == 24 && summary["missing"] as? Int == 0, "\(summary)")
    }

    /// A scan interrupted while the queue waits for another machine's claims says what it
    /// wrote before the interruption and what is left to the others, and exits 130.
    @Test func anInterruptedScanSaysWhatItWroteBeforeTheInterruption() throws {
        #expect(try vggbatch(["scan", "--queue-only", "--weights", weights, photos]).status == 0)
        let connection = try PostgresConnection(url: url)
        try connection.run(
            """
            UPDATE work_item SET state = 'claimed', claimed_by = 'elsewhere:1:x', lease_until = now() + interval '1 hour'
            WHERE id IN (SELECT id FROM work_item ORDER BY id LIMIT 3)
            """, [])
        let errors = directory.url.appendingPathComponent("interrupted.stderr")
        let process = try CommandRunner.start(["scan", "--db", url], environment: environment, standardError: errors)
        defer { if process.isRunning { process.terminate() } }
        let done = { () throws -> Int64 in
            try connection.query("SELECT COUNT(*) FROM work_item WHERE state = 'done'", []).first?.first?.integer ?? 0
        }
        for _ in 0..<600 where try done() < 21 { Thread.sleep(forTimeInterval: 0.1) }
        #expect(try done() == 21)
        Thread.sleep(forTimeInterval: 0.5)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let text = try String(contentsOf: errors, encoding: .utf8)
        #expect(process.terminationStatus == 130, "\(text)")
        #expect(text.contains("24 files queued; 21 written by this process before the interruption, the rest are written by other workers"), "\(text)")
        #expect(!text.contains("went through the shared queue") && !text.contains("vanished"), "\(text)")
    }

    /// Files another scan queued, computed by this one, are counted apart from its own.
    @Test func filesOfAnotherScanAreCountedApart() throws {
        let other = directory.path("other")
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        for name in Self.names.prefix(3) { try FileManager.default.copyItem(atPath: FixturePaths.sample(name), toPath: other + "/" + name) }
        #expect(try vggbatch(["scan", "--queue-only", "--weights", weights, other]).status == 0)
        let scan = try vggbatch(["scan", "--json", "--weights", weights, directory.path("photos/a")])
        #expect(scan.status == 0, "\(scan.standardError)")
        let summary = try json(String(try #require(scan.standardOutput.split(separator: "\n").last)))
        #expect(summary["new"] as? Int == 6 && summary["written_for_other_scans"] as? Int == 3, "\(summary)")
        #expect(scan.standardError.contains("also wrote 3 files that other scans had queued (among the computed above"), "\(scan.standardError)")
        #expect(scan.standardError.contains("; 9 computed for model 1;"), "\(scan.standardError)")
        // A worker's progress counts what it wrote: no total of found files.
        #expect(try vggbatch(["scan", "--queue-only", directory.path("photos/b")]).status == 0)
        let worked = try vggbatch(["work"])
        #expect(worked.status == 0 && worked.standardError.contains("6 files written (6 computed"), "\(worked.standardError)")
        #expect(!worked.standardError.contains("/0 files"))
        // One file is one file.
        let single = directory.path("single")
        try FileManager.default.createDirectory(atPath: single, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: FixturePaths.sample(Self.names[0]), toPath: single + "/one.jpg")
        #expect(try vggbatch(["scan", "--queue-only", single]).status == 0)
        let one = try vggbatch(["work"])
        #expect(one.status == 0 && one.standardError.contains("1 file written (1 computed"), "\(one.standardError)")
    }

    /// The identity of a process of this machine that has exited, as the queue writes it.
    func stoppedProcessIdentity() throws -> String {
        let writer = try PostgresIndexWriter.open(url: url, lease: 5, exclusive: false)
        defer { writer.close() }
        let parts = writer.workerID.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        return [parts[0], "\(child.processIdentifier)", "x", parts[parts.count - 1]].joined(separator: ":")
    }

    @Test func refusalsAreOneLine() throws {
        // No server there.
        let nowhere = try vggbatch(["status"], db: "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
        #expect(nowhere.status == 2 && nowhere.standardError.hasPrefix("vggbatch: error: cannot open postgresql://nobody@127.0.0.1:1/none"))
        #expect(nowhere.standardError.split(separator: "\n").count == 1)
        // An empty database is not an index yet.
        let empty = try vggbatch(["status"])
        #expect(empty.status == 2 && empty.standardError.contains("no vggbatch index in this database yet"), "\(empty.standardError)")
        // `work` needs a shared queue.
        let sqlite = try vggbatch(["work"], db: directory.path("index.sqlite"))
        #expect(sqlite.status == 64 && sqlite.standardError.contains("`vggbatch work` needs a PostgreSQL index"), "\(sqlite.standardError)")

        // One scan at a time, as with SQLite's lock.
        #expect(try vggbatch(["scan", "--weights", weights, photos]).status == 0)
        let holder = try PostgresConnection(url: url)
        _ = try holder.query("SELECT pg_advisory_lock(?, ?)", [.integer(0x7667_6762), .integer(1)])
        let locked = try vggbatch(["scan", photos])
        #expect(locked.status == 2 && locked.standardError.contains("is locked: another vggbatch scan"), "\(locked.standardError)")
        #expect(try vggbatch(["prune"]).status == 2)
        holder.close()

        // A schema from a newer vggbatch: refused, nothing written.
        let connection = try PostgresConnection(url: url)
        try connection.run("INSERT INTO schema_migration (identifier, applied_at) VALUES ('9999_from_the_future', 'then')", [])
        let before = try connection.query("SELECT COUNT(*) FROM scan_run", [])
        for command in [["scan", photos], ["status"]] {
            let newer = try vggbatch(command)
            #expect(newer.status == 2 && newer.standardError.contains("was written by a newer vggbatch"), "\(newer.standardError)")
        }
        #expect(try connection.query("SELECT COUNT(*) FROM scan_run", []) == before)
    }
}
