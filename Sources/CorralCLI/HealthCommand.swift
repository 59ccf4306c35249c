import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `corral health`: asks a local `corral serve` for `/healthz` (or another path), for a
/// container's HEALTHCHECK, where the image has no curl. Plain HTTP/1.0 over a socket to a
/// loopback port, with a timeout: exit 0 on a 200, 1 otherwise.
struct Health: CorralSubcommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a local corral serve: exit 0 if GET PATH answers 200 (for container health checks).")

    @Option(help: "The server's port on 127.0.0.1.") var port = 8080
    @Option(help: "The path to ask for.") var path = "/healthz"
    @Option(help: "Seconds to wait for the answer.") var timeout: Double = 2

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1 to 65535") }
        guard path.hasPrefix("/"), !path.contains(where: { $0 == "\r" || $0 == "\n" || $0 == " " }) else {
            throw ValidationError("--path must start with / and hold no spaces or line breaks")
        }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be positive") }
    }

    mutating func execute(io: CLIOutput) async throws {
        switch Health.statusLine(port: port, path: path, timeout: timeout) {
        case .success(let line) where line.hasPrefix("HTTP/1.1 200") || line.hasPrefix("HTTP/1.0 200"):
            io.out("ok: \(path): \(line)")
        case .success(let line):
            io.err("corral: unhealthy: \(path): \(line)")
            throw CLIExit.trapped
        case .failure(let error):
            io.err("corral: unhealthy: 127.0.0.1:\(port)\(path): \(error.message)")
            throw CLIExit.trapped
        }
    }

    struct ProbeError: Error {
        let message: String
    }

    /// The first line of the answer to `GET path` on 127.0.0.1:port.
    static func statusLine(port: Int, path: String, timeout: Double) -> Result<String, ProbeError> {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failure(ProbeError(message: "socket: \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return .failure(ProbeError(message: "connect: \(String(cString: strerror(errno)))")) }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard send(fd, request, request.count, 0) == request.count else {
            return .failure(ProbeError(message: "send: \(String(cString: strerror(errno)))"))
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while answer.count < 4096, !answer.contains(UInt8(ascii: "\n")) {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            answer += buffer[0..<n]
        }
        guard let end = answer.firstIndex(of: UInt8(ascii: "\n")) else {
            return .failure(ProbeError(message: answer.isEmpty ? "no answer within \(timeout) s" : "no status line"))
        }
        return .success(String(decoding: answer[..<end], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
