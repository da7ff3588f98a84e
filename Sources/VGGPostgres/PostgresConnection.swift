import CLibPQ
import Foundation
import VGGIndexTypes
import VGGSQL

/// One PostgreSQL connection through libpq: a thin wrapper over the C API.
///
/// This file and `PostgresRow` are the only places that hold libpq pointers. Statements are
/// written with `?` placeholders, as for SQLite, and numbered here. Parameters go as text,
/// except byte strings, which go as binary; results come back binary and are read by column
/// type (integers, booleans, floats, text, bytea).
///
/// Not thread-safe, as libpq connections are not: one thread uses it at a time.
public final class PostgresConnection: SQLDatabase {
    /// The URL without its password, for messages.
    public let location: String
    /// What to do when the connection is lost (nil: fail at once, as short commands do).
    public var reconnect: ReconnectPolicy?
    private let url: String
    private var handle: OpaquePointer?
    /// `SET` statements run outside a transaction, run again on a new connection.
    private var sessionSettings = [String]()
    /// The session advisory lock this connection holds (`takeSessionLock`), taken again on a
    /// new connection; `holder` names who else would hold it, `session` is the server session
    /// that took it last (its pid and start time).
    var sessionLock: (key: (Int32, Int32), holder: String, session: [SQLValue])?
    /// Statements `run` prepared on the server, by SQL.
    private var prepared: [String: String] = [:]
    private var cursors = 0
    private var inTransaction = false
    /// When a statement last succeeded: whether a loss belongs to an outage already reported.
    private var workedAt = Date()

    public var dialect: SQLDialect { .postgresql }

    /// Connects to `url` (`postgresql://USER@HOST:PORT/DB`, or any form libpq accepts).
    public init(url: String) throws(StoreError) {
        location = Self.redacted(url)
        self.url = url
        handle = try Self.connect(url: url, location: location)
        do throws(StoreError) {
            try execute("SET client_min_messages = warning; SET application_name = 'vggbatch'")
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    public func close() {
        guard let handle else { return }
        PQfinish(handle)
        self.handle = nil
    }

    private static func connect(url: String, location: String) throws(StoreError) -> OpaquePointer {
        guard let connection = PQconnectdb(url) else { throw .cannotOpen(path: location, reason: "out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            throw .cannotOpen(path: location, reason: message)
        }
        // Notices (an IF NOT EXISTS that found the table) are the server talking to itself.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        return connection
    }

    /// Runs one or more `;`-separated statements without parameters (migrations, settings).
    public func execute(_ sql: String) throws(StoreError) {
        try resilient { () throws(StoreError) in
            let result = PQexec(try openHandle(), sql)
            defer { PQclear(result) }
            try check(result, sql: sql)
        }
        if !inTransaction && sql.hasPrefix("SET ") && !sessionSettings.contains(sql) { sessionSettings.append(sql) }
    }

    public func query(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> [[SQLValue]] {
        try resilient { () throws(StoreError) in try queryOnce(sql, values) }
    }

    private func queryOnce(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> [[SQLValue]] {
        let result = try send(Self.numbered(sql), values, sql: sql)
        defer { PQclear(result) }
        let row = PostgresRow(result: result, row: 0)
        return (0..<Int(PQntuples(result))).map { index in
            var current = row
            current.row = Int32(index)
            return (0..<Int(PQnfields(result))).map(current.value)
        }
    }

    @discardableResult
    public func run(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> Int {
        try resilient { () throws(StoreError) in try runOnce(sql, values) }
    }

    private func runOnce(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> Int {
        let connection = try openHandle()
        let name: String
        if let found = prepared[sql] {
            name = found
        } else {
            name = "vggbatch_\(prepared.count)"
            let result = PQprepare(connection, name, Self.numbered(sql), Int32(values.count), Self.types(values))
            defer { PQclear(result) }
            try check(result, sql: sql)
            prepared[sql] = name
        }
        let result = withParameters(values) { count, pointers, lengths, formats in
            PQexecPrepared(connection, name, count, pointers, lengths, formats, 1)
        }
        defer { PQclear(result) }
        try check(result, sql: sql)
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// Streams the rows through a server-side cursor, a page at a time, inside the current
    /// transaction or one of its own.
    /// A lost connection is recovered from only before the first row reached `body`.
    public func scanRows(_ sql: String, _ values: [SQLValue], _ body: (SQLRow) throws(StoreError) -> Bool) throws(StoreError) {
        var delivered = false
        var recovery = Recovery()
        while true {
            do throws(StoreError) {
                return try scanRowsOnce(sql, values) { row throws(StoreError) in
                    delivered = true
                    return try body(row)
                }
            } catch {
                guard !delivered, !inTransaction, try recovered(from: error, &recovery) else { throw error }
            }
        }
    }

    private func scanRowsOnce(_ sql: String, _ values: [SQLValue], _ body: (SQLRow) throws(StoreError) -> Bool) throws(StoreError) {
        let own = !inTransaction
        if own { try begin() }
        do throws(StoreError) {
            cursors += 1
            let cursor = "vggbatch_cursor_\(cursors)"
            PQclear(try send("DECLARE \(cursor) NO SCROLL CURSOR FOR " + Self.numbered(sql), values, sql: sql))
            var going = true
            while going {
                let fetch = "FETCH FORWARD \(Self.pageRows) FROM \(cursor)"
                let page = try send(fetch, [], sql: fetch)
                defer { PQclear(page) }
                let count = PQntuples(page)
                if count == 0 { break }
                var row = PostgresRow(result: page, row: 0)
                for index in 0..<count where going {
                    row.row = index
                    going = try body(row)
                }
            }
            try execute("CLOSE \(cursor)")
        } catch {
            if own { rollback() }
            throw error
        }
        if own { try commit() }
    }

    /// Rows fetched from a cursor at a time (feature vectors are 16 KB each).
    static let pageRows = 512

    /// A transaction that failed because the connection dropped is run again as a whole on a
    /// new connection (with a `reconnect` policy): the server rolled the broken one back.
    public func writeTransaction<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        precondition(!inTransaction, "transactions do not nest")
        var recovery = Recovery()
        while true {
            do throws(StoreError) {
                return try transactionOnce(body)
            } catch {
                guard try recovered(from: error, &recovery) else { throw error }
            }
        }
    }

    private func transactionOnce<R>(_ body: () throws(StoreError) -> R) throws(StoreError) -> R {
        try begin()
        do throws(StoreError) {
            let result = try body()
            try commit()
            return result
        } catch {
            rollback()
            throw error
        }
    }

    /// Takes the session advisory lock `key` without waiting, throwing `.locked` (naming
    /// `holder`, who else takes it: "another vggbatch scan") when another session has it. The server ends
    /// the lock with the session; with a `reconnect` policy it is taken again on the new
    /// connection before any statement runs there, and when another session took it in the
    /// meantime the reconnection fails with `.locked`: whatever this session was doing under
    /// the lock cannot go on.
    public func takeSessionLock(_ key: (Int32, Int32), holder: String) throws(StoreError) {
        let session = try resilient { () throws(StoreError) in try lockOnce(key, holder: holder) }
        sessionLock = (key, holder, session)
    }

    /// Takes the lock and returns this session's pid and start time.
    private func lockOnce(_ key: (Int32, Int32), holder: String) throws(StoreError) -> [SQLValue] {
        let taken = try queryOnce(
            """
            SELECT CASE WHEN pg_try_advisory_lock(?, ?) THEN 1 ELSE 0 END, pid, backend_start::text
            FROM pg_stat_activity WHERE pid = pg_backend_pid()
            """, [.integer(Int64(key.0)), .integer(Int64(key.1))])
        guard let row = taken.first, row.first?.integer == 1 else { throw .locked(path: location, reason: "\(holder) is writing to it") }
        return Array(row.dropFirst())
    }

    /// The lock again on a new connection. The session that held it may outlive its
    /// connection on the server for a while (a network outage is noticed by the server only
    /// when its TCP keepalive runs out): that session is this process's own, and is ended.
    private func retakeSessionLock() throws(StoreError) {
        guard let lock = sessionLock else { return }
        var ending = false
        let deadline = Date().addingTimeInterval(10)
        while true {
            do throws(StoreError) {
                sessionLock?.session = try lockOnce(lock.key, holder: lock.holder)
                return
            } catch {
                guard case .locked = error else { throw error }
            }
            let orphaned = try queryOnce(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE pid = ? AND backend_start = CAST(? AS TIMESTAMPTZ) AND pid <> pg_backend_pid()
                """, lock.session)
            if !orphaned.isEmpty { ending = true }
            if !ending || Date() > deadline { break }
            // Ending a session is asynchronous on the server.
            Thread.sleep(forTimeInterval: 0.1)
        }
        close()
        throw .locked(
            path: location,
            reason: ending
                ? "this process's own earlier session still holds it 10 s after it was ended"
                : "\(lock.holder) took it while this connection was lost")
    }

    /// Whether the connection is still usable (a server restart or a network failure ends it).
    public var isConnected: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    // MARK: - Lost connections

    /// Runs `operation` (one statement outside a transaction), again on a new connection when
    /// it failed because the connection was lost.
    private func resilient<R>(_ operation: () throws(StoreError) -> R) throws(StoreError) -> R {
        var recovery = Recovery()
        while true {
            do throws(StoreError) {
                return try operation()
            } catch {
                guard !inTransaction, try recovered(from: error, &recovery) else { throw error }
            }
        }
    }

    /// One operation's recovery from lost connections: when the first loss came and how
    /// many attempts it has cost. Its deadline holds across every loss of the operation, so
    /// a statement that breaks each new connection (a server process that crashes on it)
    /// ends with an error instead of running for ever.
    private struct Recovery {
        var started: Date?
        var attempts = 0
        /// Whether this operation's outage was reported: once, however often it breaks.
        var reported = false
    }

    /// Whether `error` lost the connection and a new one is ready: false when it is another
    /// kind of error or there is no policy; throws when the policy's time runs out or the
    /// server refuses for good (a password, a dropped database).
    private func recovered(from error: StoreError, _ recovery: inout Recovery) throws(StoreError) -> Bool {
        guard let policy = reconnect, ReconnectPolicy.isTransient(error) else { return false }
        let started = recovery.started ?? Date()
        recovery.started = started
        // A connection that has not worked since an outage that is over was broken by it:
        // a new one, at once and without a word, unless the server is gone again.
        if recovery.attempts == 0, policy.health.isOlderThanLastOutage(workedAt), (try? reopen()) != nil {
            recovery.attempts = 1
            return true
        }
        if !recovery.reported { policy.health.lost(self, reason: Self.cause(error)) }
        recovery.reported = true
        var last = error
        while true {
            // Waits before every attempt but the first of an operation: the statement that
            // failed may have failed on a connection just made.
            if recovery.attempts > 0 {
                let left = policy.giveUpAfter - Date().timeIntervalSince(started)
                if left <= 0 { break }
                Thread.sleep(forTimeInterval: min(left, policy.delay(attempt: recovery.attempts - 1, jitter: Double.random(in: 0...1))))
            }
            recovery.attempts += 1
            do throws(StoreError) {
                try reopen()
                policy.health.restored(self)
                return true
            } catch {
                guard ReconnectPolicy.isTransient(error) else { throw error }
                last = error
            }
        }
        throw .cannotOpen(path: location, reason: "unreachable for \(Int(policy.giveUpAfter)) s, giving up (\(Self.cause(last)))")
    }

    /// Why a connection was lost, in libpq's first clause ("server closed the connection
    /// unexpectedly", "Connection refused"), without the URL or libpq's guesses.
    static func cause(_ error: StoreError) -> String {
        let text: String
        switch error {
        case .cannotOpen(_, let reason): text = reason
        case .server(_, let message, _): text = message
        default: text = error.reason
        }
        var clause = text.split(separator: ";").first.map(String.init) ?? text
        // "connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused"
        if let failed = clause.range(of: "failed: ") { clause = String(clause[failed.upperBound...]) }
        return clause.replacingOccurrences(of: "FATAL:  ", with: "")
    }

    /// A new connection in place of the lost one, with this session's settings. Making it is
    /// not the connection working: `workedAt` stays when the last statement succeeded.
    private func reopen() throws(StoreError) {
        close()
        prepared = [:]
        inTransaction = false
        let worked = workedAt
        defer { workedAt = worked }
        let connection = try Self.connect(url: url, location: location)
        handle = connection
        for setting in sessionSettings {
            let result = PQexec(connection, setting)
            defer { PQclear(result) }
            try check(result, sql: setting)
        }
        try retakeSessionLock()
    }

    // MARK: - Internals

    private func begin() throws(StoreError) {
        try execute("BEGIN")
        inTransaction = true
    }

    /// Never run again by itself on a new connection (that would commit nothing and say
    /// nothing): a COMMIT lost with its connection fails the transaction, which
    /// `writeTransaction` then runs again as a whole.
    private func commit() throws(StoreError) {
        inTransaction = false
        let result = PQexec(try openHandle(), "COMMIT")
        defer { PQclear(result) }
        try check(result, sql: "COMMIT")
    }

    private func rollback() {
        inTransaction = false
        if let handle { PQclear(PQexec(handle, "ROLLBACK")) }
    }

    private func openHandle() throws(StoreError) -> OpaquePointer {
        guard let handle else { throw .cannotOpen(path: location, reason: "the connection is closed") }
        return handle
    }

    /// Sends one statement with parameters and returns its result (binary), which the
    /// caller clears; a failed one is cleared here.
    private func send(_ numbered: String, _ values: [SQLValue], sql: String) throws(StoreError) -> OpaquePointer? {
        let connection = try openHandle()
        let result = withParameters(values) { count, pointers, lengths, formats in
            PQexecParams(connection, numbered, count, Self.types(values), pointers, lengths, formats, 1)
        }
        do throws(StoreError) {
            try check(result, sql: sql)
        } catch {
            PQclear(result)
            throw error
        }
        return result
    }

    /// Throws the server's error for a failed result (the caller still clears it).
    private func check(_ result: OpaquePointer?, sql: String) throws(StoreError) {
        let status = PQresultStatus(result)
        guard status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK else {
            workedAt = Date()
            return
        }
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
        let message = Self.trimmed(result.flatMap { PQresultErrorMessage($0) } ?? handle.flatMap { PQerrorMessage($0) })
        throw Self.error(state: state, message: message.isEmpty ? "no answer from the server" : message, sql: sql, location: location)
    }

    /// A SQLSTATE as the case a user can act on; the one place that maps them.
    static func error(state: String, message: String, sql: String?, location: String) -> StoreError {
        switch state {
        case "53100": return .diskFull(path: location)
        case "25006": return .readOnly(path: location)
        case "55P03", "40P01", "57014": return .locked(path: location, reason: message)
        case "XX001", "XX002": return .corrupt(path: location, reason: message)
        default:
            // No state (the connection broke), connection, authorization, database or shutdown errors.
            if state.isEmpty || state.hasPrefix("08") || state.hasPrefix("28") || state == "3D000" || state.hasPrefix("57P") {
                return .cannotOpen(path: location, reason: message)
            }
            return .server(code: state, message: message, sql: sql)
        }
    }

    /// The parameter types: bytea for byte strings, left to the server for the rest.
    private static func types(_ values: [SQLValue]) -> [Oid] {
        values.map { if case .blob = $0 { return 17 } else { return 0 } }
    }

    /// Calls `body` with libpq's parameter arrays: text for numbers and strings, binary for
    /// byte strings, a null pointer for NULL.
    private func withParameters<R>(
        _ values: [SQLValue],
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> R
    ) -> R {
        let pointers = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: max(values.count, 1))
        var buffers = [UnsafeMutableRawPointer]()
        defer {
            for buffer in buffers { buffer.deallocate() }
            pointers.deallocate()
        }
        var lengths = [Int32]()
        var formats = [Int32]()
        for (index, value) in values.enumerated() {
            let bytes: [UInt8]
            switch value {
            case .null:
                pointers[index] = nil
                lengths.append(0)
                formats.append(0)
                continue
            case .integer(let n): bytes = Array("\(n)".utf8) + [0]
            case .real(let x): bytes = Array(Self.text(x).utf8) + [0]
            case .text(let t): bytes = Array(t.utf8) + [0]
            case .blob(let b): bytes = b
            }
            // Safe: each buffer holds the value's bytes (at least one byte, so that an empty
            // value is not a null pointer) and lives until libpq has sent them.
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffers.append(buffer)
            bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(buffer), byteCount: bytes.count) }
            pointers[index] = UnsafePointer(buffer.assumingMemoryBound(to: CChar.self))
            lengths.append(Int32(bytes.count))
            if case .blob = value { formats.append(1) } else { formats.append(0) }
        }
        return body(Int32(values.count), pointers, lengths, formats)
    }

    /// A double as text the server reads back to the same value (Swift prints the shortest
    /// round-trip form).
    private static func text(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        return "\(value)"
    }

    /// `?` placeholders as `$1`, `$2`, … (quoted text and identifiers left alone).
    static func numbered(_ sql: String) -> String {
        var out = ""
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "?" {
                number += 1
                out += "$\(number)"
                continue
            }
            out.append(character)
        }
        return out
    }

    /// The URL with any password replaced, so that messages and `status` never show it:
    /// `USER:PASSWORD@` of a URL's authority, and the values of `password` and `sslpassword`
    /// (a URL's parameters or a `key = value` string, quoted or not).
    static func redacted(_ url: String) -> String {
        var text = url
        if let scheme = text.range(of: "://") {
            let authorityEnd = text[scheme.upperBound...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
            if let at = text[scheme.upperBound..<authorityEnd].lastIndex(of: "@"),
                let colon = text[scheme.upperBound..<at].firstIndex(of: ":")
            {
                text = String(text[..<colon]) + ":***" + String(text[at...])
            }
        }
        let range = NSRange(text.startIndex..., in: text)
        return passwordValue.stringByReplacingMatches(in: text, range: range, withTemplate: "$1$2password=***")
    }

    /// `password=` or `sslpassword=` at the start, after `?`, `&` or a space, with its value.
    private static let passwordValue = try! NSRegularExpression(
        pattern: #"(^|[?&\s])(ssl)?password\s*=\s*('(?:[^'\\]|\\.)*'|[^&\s]*)"#, options: [.caseInsensitive])

    /// libpq's message on one line ("ERROR:" and the line breaks of its hints dropped).
    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "" }
        return String(cString: message).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .map { $0.hasPrefix("ERROR:") ? String($0.dropFirst("ERROR:".count)).trimmingCharacters(in: .whitespaces) : $0 }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}
