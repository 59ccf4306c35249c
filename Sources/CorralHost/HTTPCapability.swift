import AsyncHTTPClient
import CorralVM
import NIOCore
import NIOHTTP1
import Synchronization

/// `http`: requests to the hosts a grant allows, through AsyncHTTPClient.
///
/// Every URL, the first and each redirect's, is parsed and checked by `HTTPTarget` before a
/// connection is made, and its host looked up and refused if it leads to a private, loopback
/// or link-local address the policy does not name. Redirects are followed here (at most
/// `maxRedirects`), never by the client, so each hop is checked. The answer is read up to the
/// grant's `max_response` and given to the agent as a dict:
/// `{"status": 200, "headers": {"content-type": "…"}, "body": "…", "json": {…} or None}`.
public enum HTTPCapability {
    public static let maxRedirects = 5

    /// Connections the clients keep open to one host at once, together (AsyncHTTPClient's
    /// default is 8 per client); calls beyond it wait for one. The service raises it (`corral
    /// serve --http-connections-per-host`) so that thousands of runs can wait on a slow API at
    /// once. Read when a client is first used.
    public static func setConnectionsPerHost(_ count: Int) { connectionsPerHost.withLock { $0 = max(1, count) } }
    private static let connectionsPerHost = Mutex(8)

    /// The process's clients: no redirects of their own, no decompression (a small compressed
    /// answer must not become a large one past the size cap). Calls are spread over several
    /// clients because one client's pool does work linear in its open connections each time
    /// it opens another (measured: a fifth of the CPU with thousands of runs waiting on one
    /// host, Benchmarks/README.md, "The service").
    static let clients: [HTTPClient] = {
        // A power of two, so `client` can pick one with a mask even after the counter wraps.
        let shards = 16
        var config = HTTPClient.Configuration()
        config.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connectionsPerHost.withLock { $0 } / shards))
        config.redirectConfiguration = .disallow
        config.decompression = .disabled
        config.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10), read: .seconds(30))
        return (0..<shards).map { _ in HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config) }
    }()
    private static let nextClient = Atomic<Int>(0)

    /// The client for the next call, in turn.
    static var client: HTTPClient {
        clients[nextClient.add(1, ordering: .relaxed).oldValue & (clients.count - 1)]
    }

    /// Headers an agent may not set: they belong to the connection, or would change where the
    /// request goes (so does every `proxy-*` header).
    static let forbiddenHeaders: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer", "keep-alive", "expect",
    ]

    static func call(
        _ name: String, _ arguments: [String: HostValue], rules: HTTPRules, deadline: ContinuousClock.Instant?
    ) async throws -> HostValue {
        func denied(_ message: String) -> HostError { HostError(message, reason: .capabilityDenied) }
        guard case .string(let url) = arguments["url"] ?? .none else { throw HostError("url must be a string") }
        var method: HTTPMethod = ["get": .GET, "delete": .DELETE, "post": .POST, "put": .PUT, "patch": .PATCH][name] ?? .GET
        var headers = HTTPHeaders([("user-agent", "corral")])
        var body: [UInt8]?
        if case .dict(let entries) = arguments["headers"] ?? .none {
            for e in entries {
                guard case .string(let k) = e.key, case .string(let v) = e.value else {
                    throw HostError("headers must map strings to strings")
                }
                let key = k.lowercased()
                guard !forbiddenHeaders.contains(key), !key.hasPrefix("proxy-") else { throw denied("policy: header \(k) cannot be set") }
                guard !k.isEmpty, k.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }),
                    v.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F })
                else { throw denied("policy: header \(k.prefix(100)) has characters a header cannot hold") }
                headers.replaceOrAdd(name: k, value: v)
            }
        } else if arguments["headers"] != nil && arguments["headers"] != HostValue.none {
            throw HostError("headers must be a dict")
        }
        if let json = arguments["json"], json != .none {
            do {
                body = Array(try HostValueJSON.encode(json).utf8)
            } catch {
                throw HostError("json must be JSON data (\(error))")
            }
            if !headers.contains(name: "content-type") { headers.add(name: "content-type", value: "application/json") }
        }
        switch arguments["body"] ?? .none {
        case .none: break
        case .string(let s):
            body = Array(s.utf8)
            if !headers.contains(name: "content-type") { headers.add(name: "content-type", value: "text/plain; charset=utf-8") }
        case .bytes(let b):
            body = b
            if !headers.contains(name: "content-type") { headers.add(name: "content-type", value: "application/octet-stream") }
        default: throw HostError("body must be a string or bytes")
        }

        var target: HTTPTarget
        switch HTTPTarget.parse(url) {
        case .success(let t): target = t
        case .failure(let refusal): throw denied("policy: \(refusal.message)")
        }
        for hop in 0...maxRedirects {
            if let refusal = target.refusal(under: rules) ?? target.resolvedRefusal(under: rules) {
                throw denied(hop == 0 ? refusal.message : "\(refusal.message) (redirected to \(target.text))")
            }
            var request = HTTPClientRequest(url: target.text)
            request.method = method
            request.headers = headers
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            let timeout = try remaining(rules.timeout, deadline, name)
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: timeout)
            } catch {
                throw HostError("\(target.host): \(error)")
            }
            let status = Int(response.status.code)
            if [301, 302, 303, 307, 308].contains(status), let location = response.headers.first(name: "location") {
                guard hop < maxRedirects else { throw HostError("more than \(maxRedirects) redirects") }
                switch HTTPTarget.parse(resolve(location, against: target)) {
                case .success(let next): target = next
                case .failure(let refusal): throw denied("policy: redirect refused: \(refusal.message)")
                }
                if status == 303 || ((status == 301 || status == 302) && method != .GET) {
                    method = .GET
                    body = nil
                    headers.remove(name: "content-type")
                }
                continue
            }
            var data: [UInt8] = []
            do {
                for try await chunk in response.body {
                    guard data.count + chunk.readableBytes <= rules.maxResponseBytes else {
                        throw denied("policy: the answer from \(target.host) is larger than \(rules.maxResponseBytes) bytes")
                    }
                    data.append(contentsOf: chunk.readableBytesView)
                }
            } catch let error as HostError {
                throw error
            } catch {
                throw HostError("reading the answer from \(target.host): \(error)")
            }
            return answer(status: status, headers: response.headers, body: data)
        }
        throw HostError("more than \(maxRedirects) redirects")
    }

    /// The time left for a request: the grant's timeout, or less if the run's deadline is nearer.
    private static func remaining(_ timeout: Duration, _ deadline: ContinuousClock.Instant?, _ name: String) throws -> TimeAmount {
        var left = timeout
        if let deadline { left = min(left, deadline - ContinuousClock.now) }
        guard left > .zero else { throw HostError("the run's deadline has passed") }
        let c = left.components
        return .nanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)
    }

    /// A `Location` as an absolute URL: absolute already, or a path on the same origin.
    private static func resolve(_ location: String, against base: HTTPTarget) -> String {
        if location.hasPrefix("//") { return "\(base.scheme):\(location)" }
        if location.hasPrefix("/") {
            let origin = HTTPTarget(scheme: base.scheme, host: base.host, port: base.port, path: "", query: "").text
            return origin + location
        }
        return location
    }

    private static func answer(status: Int, headers: HTTPHeaders, body: [UInt8]) -> HostValue {
        var headerEntries: [HostValueEntry] = []
        var seen: Set<String> = []
        for (k, v) in headers where seen.insert(k.lowercased()).inserted {
            headerEntries.append(HostValueEntry(.string(k.lowercased()), .string(v)))
        }
        let text = String(decoding: body, as: UTF8.self)
        let isJSON = headers.first(name: "content-type")?.lowercased().contains("json") ?? false
        let json = isJSON ? (try? HostValueJSON.parse(text)) ?? .none : .none
        return .dict([
            HostValueEntry(.string("status"), .int(status)),
            HostValueEntry(.string("headers"), .dict(headerEntries)),
            HostValueEntry(.string("body"), .string(text)),
            HostValueEntry(.string("json"), json),
        ])
    }
}
