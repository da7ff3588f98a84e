import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1 for download tests: serves byte strings by path,
/// honours `Range: bytes=N-`, and misbehaves on request (drops the connection part way,
/// sends more than it announced). One connection at a time, `Connection: close`.
public final class LocalHTTPServer: @unchecked Sendable {
    public enum Behaviour: Sendable {
        /// 200 with the whole body, or 206 from the requested offset.
        case serve([UInt8])
        /// Like `serve`, but the first `times` requests announce the full length and then
        /// close the connection after `after` bytes of the body.
        case dropAfter(Int, times: Int, body: [UInt8])
        /// Announces `body.count` bytes and sends `extra` more after them.
        case overlong(body: [UInt8], extra: [UInt8])
        /// A bare status with a short text body.
        case status(Int)
    }

    public let port: UInt16
    private let socket: Int32
    private let lock = NSLock()
    private var routes: [String: Behaviour] = [:]
    private var drops: [String: Int] = [:]
    private var requestLog: [(path: String, range: Int?)] = []
    private var stopped = false

    public init() throws {
        let listener = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        socket = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    /// The URL of `path` on this server.
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    public func route(_ path: String, _ behaviour: Behaviour) {
        lock.lock()
        routes[path] = behaviour
        drops[path] = 0
        lock.unlock()
    }

    /// Paths requested so far, with the start of the range asked for, if any.
    public var requests: [(path: String, range: Int?)] {
        lock.lock()
        defer { lock.unlock() }
        return requestLog
    }

    public func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        lock.unlock()
        if !wasStopped {
            shutdown(socket, Int32(SHUT_RDWR))
            close(socket)
        }
    }

    /// A port on 127.0.0.1 where nothing listens (bound, then closed).
    public static func closedPort() -> UInt16 {
        guard let server = try? LocalHTTPServer() else { return 9 }
        let port = server.port
        server.stop()
        return port
    }

    private func acceptLoop() {
        while true {
            let client = accept(socket, nil, nil)
            if client < 0 {
                lock.lock()
                let done = stopped
                lock.unlock()
                if done || errno != EINTR { return }
                continue
            }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.ends(with: Array("\r\n\r\n".utf8)) && request.count < 65536 {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return }
            request.append(contentsOf: buffer[0..<n])
        }
        let text = String(decoding: request, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        let path = parts.count > 1 ? String(parts[1]) : "/"
        var rangeStart: Int?
        for line in lines.dropFirst() where line.lowercased().hasPrefix("range: bytes=") {
            rangeStart = Int(line.dropFirst("range: bytes=".count).split(separator: "-").first ?? "")
        }
        lock.lock()
        requestLog.append((path, rangeStart))
        let behaviour = routes[path] ?? .status(404)
        var dropNow = false
        if case .dropAfter(_, let times, _) = behaviour, (drops[path] ?? 0) < times {
            drops[path, default: 0] += 1
            dropNow = true
        }
        lock.unlock()

        switch behaviour {
        case .status(let code):
            send(client, head: "HTTP/1.1 \(code) Status\r\nContent-Length: 6\r\nConnection: close\r\n\r\n", body: Array("status".utf8))
        case .serve(let body):
            serve(client, body: body, from: rangeStart)
        case .dropAfter(let after, _, let body):
            if dropNow {
                // The answer a range deserves, cut short after `after` bytes.
                let start = min(rangeStart ?? 0, body.count)
                let head = start > 0
                    ? "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes \(start)-\(body.count - 1)/\(body.count)\r\nContent-Length: \(body.count - start)\r\nConnection: close\r\n\r\n"
                    : "HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
                send(client, head: head, body: Array(body[start..<min(body.count, start + after)]))
            } else {
                serve(client, body: body, from: rangeStart)
            }
        case .overlong(let body, let extra):
            send(client, head: "HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n", body: body + extra)
        }
    }

    private func serve(_ client: Int32, body: [UInt8], from start: Int?) {
        if let start, start > 0 {
            guard start < body.count else {
                send(client, head: "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */\(body.count)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", body: [])
                return
            }
            send(client, head: "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes \(start)-\(body.count - 1)/\(body.count)\r\nContent-Length: \(body.count - start)\r\nConnection: close\r\n\r\n", body: Array(body[start...]))
        } else {
            send(client, head: "HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n", body: body)
        }
    }

    private func send(_ client: Int32, head: String, body: [UInt8]) {
        let bytes = Array(head.utf8) + body
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
