import Foundation
import Testing
import VGGIndexTypes
import VGGPostgres
import _VGGTestSupport

/// A server that takes a role only over TLS and with a password, as a fleet's would:
/// `sslmode=verify-full` with the server's certificate, the password from a password file
/// (never on the command line). `scripts/test-postgres` makes the certificate and the role.
enum TLSServer {
    /// `postgresql://vggtls@localhost:PORT/postgres?sslmode=verify-full&sslrootcert=CERT`.
    static var url: String? {
        let value = ProcessInfo.processInfo.environment["VGGBATCH_TEST_POSTGRES_TLS"] ?? ""
        return value.isEmpty || !TestPostgres.isAvailable ? nil : value
    }
}

@Suite(
    "vggbatch on PostgreSQL over TLS", .serialized,
    .enabled(if: TLSServer.url != nil, "set VGGBATCH_TEST_POSTGRES_TLS (scripts/test-postgres does) to run the TLS tests"))
struct PostgresTLSTests {

    /// A certificate of another server for localhost: a root that did not sign this server's.
    static let otherRoot = """
        -----BEGIN CERTIFICATE-----
        MIIDJTCCAg2gAwIBAgIUE7POPvzBeXmuMpprL/IJjUWHMn8wDQYJKoZIhvcNAQEL
        BQAwFDESMBAGA1UEAwwJbG9jYWxob3N0MB4XDTI2MTIwNzA1MDczNFoXDTM2MTIw
        NDA1MDczNFowFDESMBAGA1UEAwwJbG9jYWxob3N0MIIBIjANBgkqhkiG9w0BAQEF
        AAOCAQ8AMIIBCgKCAQEA2ZFWzBvL1y6jTjHpKKHJopuECt2gW+kMYxvHMapieKA3
        YKqGl9tzcRgcMWvRLt/tKzu/tyedhhh2IdmCrAfIQNP9z1Upi/rVX+zioPlBAQ6O
        dHVuqpKORYP7lBiMi9oEAUVkjQSzCm75fwo8bE29vxWt3VZPuIWzqnZlt3U00RRk
        4cOdTX1oUREuMTADEPzA020os/n+ickFkU5ZPd4TQ6XRmy8A4DBf50YaU0Se0SsY
        aZwi7IMi9GEBz2jNt7Yv8P1dBZUqB8Eljlxrz6FbytngETefyLaLfkcQWVTdrjC6
        mJmBEJuzPqqojM2NDMkFE63NCUamKjN+SDiwsMPf/QIDAQABo28wbTAdBgNVHQ4E
        FgQURILs1/dDB2hneCMdLuv+8pCqdlkwHwYDVR0jBBgwFoAURILs1/dDB2hneCMd
        Luv+8pCqdlkwDwYDVR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SH
        BH8AAAEwDQYJKoZIhvcNAQELBQADggEBAKEXbpuNZix+oyXJhhXHTVqNuK86SU5R
        Co3zZ5R8+fquJ/vOQ0lYZzVgvZvQ2BvZdNjd3WsvdQFwxgAGTGNFBvtwnKykrVUK
        PI0jkSdmeuj2+678xGn6K6CYwkxmMm5HT9VFK1l6bpwHMYP/eKF/GIXTcmNuh3C8
        aUoYyLMBoQa/r6R68lVaHDXHuntBQw2jshOyjZWezaq+Bh1uEv08dhPnhEQo7zxf
        enKkQllHRFMhmJMTOxUl1B/z/GM/Yy8BMxrSI1vRgu1T+fbq1Sz2TfO0npihZQ35
        QuT35M76G1bC50cYPoLRTCs0dC2oQ2vh5cSbTMtUhwLIFjUcbNjl/Q0=
        -----END CERTIFICATE-----
        """

    let directory = TemporaryDirectory()
    let name = "vggbatch_tls_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
    let admin: PostgresConnection

    init() throws {
        admin = try PostgresConnection(url: try #require(TestPostgres.serverURL))
        try admin.execute("CREATE DATABASE \(name) OWNER vggtls")
        try FileManager.default.createDirectory(atPath: directory.path("photos"), withIntermediateDirectories: true)
        for sample in ["pillow-hopper.jpg", "skimage-coins.png"] {
            try FileManager.default.copyItem(atPath: FixturePaths.sample(sample), toPath: directory.path("photos/\(sample)"))
        }
        let result = try CommandRunner.vggbatch(["weights", "random", "--tiny", "--seed", "5", "--output", directory.path("tiny.safetensors")])
        precondition(result.status == 0, result.standardError)
        try passwordFile(password: ProcessInfo.processInfo.environment["VGGBATCH_TEST_POSTGRES_TLS_PASSWORD"] ?? "")
    }

    /// The server's URL for this test's database, with other connection options.
    func url(_ options: [String: String] = [:]) throws -> String {
        var url = try #require(TLSServer.url).replacingOccurrences(of: "/postgres?", with: "/\(name)?")
        for (key, value) in options.sorted(by: { $0.key < $1.key }) {
            if let range = url.range(of: "\(key)=[^&]*", options: .regularExpression) {
                url.replaceSubrange(range, with: "\(key)=\(value)")
            } else {
                url += "&\(key)=\(value)"
            }
        }
        return url
    }

    /// `~/.pgpass`'s format, mode 0600 as libpq requires.
    func passwordFile(password: String) throws {
        let path = directory.path("pgpass")
        try "localhost:*:*:vggtls:\(password)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    func vggbatch(_ arguments: [String], db: String) throws -> CommandResult {
        try CommandRunner.vggbatch(arguments + ["--db", db], environment: [
            "XDG_CACHE_HOME": directory.path("cache"), "VGGBATCH_OFFLINE": "1", "PGPASSFILE": directory.path("pgpass"),
        ])
    }

    @Test func aScanAndAWorkerRunOverVerifiedTLS() throws {
        let db = try url()
        let scan = try vggbatch(["scan", "--queue-only", "--weights", directory.path("tiny.safetensors"), directory.path("photos")], db: db)
        #expect(scan.status == 0, "\(scan.standardError)")
        let work = try vggbatch(["work", "--json"], db: db)
        #expect(work.status == 0, "\(work.standardError)")
        let server = try #require(TestPostgres.serverURL)
        let slash = try #require(server.range(of: "/", options: .backwards))
        let check = try PostgresConnection(url: String(server[..<slash.upperBound]) + name)
        #expect(try check.query("SELECT COUNT(*) FROM image WHERE status = 'ok'", []) == [[.integer(2)]])
        check.close()
        // The same role without TLS is refused by the server: what ran above ran over TLS.
        let plain = try vggbatch(["status"], db: try url(["sslmode": "disable"]))
        #expect(plain.status == 2 && plain.standardError.split(separator: "\n").count == 1, "\(plain.standardError)")
        #expect(plain.standardError.contains("no pg_hba.conf entry") || plain.standardError.contains("rejects connection"), "\(plain.standardError)")
    }

    @Test func aCertificateSignedByAnotherRootIsRefusedInOneLine() throws {
        let root = directory.path("other-root.crt")
        try Self.otherRoot.write(toFile: root, atomically: true, encoding: .utf8)
        let refused = try vggbatch(["work", "--db-retry", "1m"], db: try url(["sslrootcert": root]))
        #expect(refused.status == 2, "\(refused.standardError)")
        #expect(refused.standardError.split(separator: "\n").count == 1, "\(refused.standardError)")
        #expect(refused.standardError.contains("certificate verify failed"), "\(refused.standardError)")
    }

    @Test func aWrongPasswordIsRefusedAtOnceInOneLine() throws {
        try passwordFile(password: "not-the-password")
        let started = Date()
        let refused = try vggbatch(["work", "--db-retry", "1m"], db: try url())
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(refused.status == 2 && refused.standardError.split(separator: "\n").count == 1, "\(refused.standardError)")
        #expect(refused.standardError.contains("password authentication failed"), "\(refused.standardError)")
        #expect(!refused.standardError.contains("not-the-password"))
    }
}
