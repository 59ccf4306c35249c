#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A URL an agent asked for, parsed strictly and checked against an `http` grant.
///
/// Corral parses the URL itself and sends the request built from the parts it checked (the
/// canonical `text`), never the agent's string: a URL that two parsers read differently cannot
/// send the request somewhere the check did not see. Anything unusual is refused rather than
/// normalised: userinfo, percent-encoding or backslashes in the authority, IPv4 in any notation
/// but four plain decimal parts (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`), dot segments or
/// encoded dots and slashes in the path, ports outside the grant.
public struct HTTPTarget: Sendable, Equatable {
    public var scheme: String
    /// Lowercased, without a trailing dot; IPv6 literals in brackets.
    public var host: String
    public var port: Int
    /// Starts with `/`.
    public var path: String
    /// Without the `?`; empty when there is none.
    public var query: String

    /// The URL the request is sent to.
    public var text: String {
        let defaultPort = scheme == "https" ? 443 : 80
        return "\(scheme)://\(host)\(port == defaultPort ? "" : ":\(port)")\(path)\(query.isEmpty ? "" : "?\(query)")"
    }

    /// The host as an IP address, if it is a literal.
    var literalAddress: IPAddress? {
        if host.hasPrefix("[") { return IPAddress(ipv6: String(host.dropFirst().dropLast())) }
        return IPAddress(ipv4: host)
    }

    /// Parses `url`; the refusal says what is wrong with it.
    public static func parse(_ url: String) -> Result<HTTPTarget, HTTPRefusal> {
        func refuse(_ why: String) -> Result<HTTPTarget, HTTPRefusal> { .failure(HTTPRefusal("\(why): \(url.prefix(200))")) }
        guard url.utf8.count <= 8192 else { return .failure(HTTPRefusal("URL longer than 8192 bytes")) }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            return refuse("URL with spaces, control or non-ASCII characters")
        }
        guard let sep = url.range(of: "://") else { return refuse("not an absolute http(s) URL") }
        let scheme = url[..<sep.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return refuse("scheme \(scheme) is not http or https") }
        var rest = url[sep.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = String(rest[..<authorityEnd])
        var pathAndQuery = rest[authorityEnd...]
        guard !authority.contains("@") else { return refuse("URL with userinfo") }
        guard !authority.contains("%"), !authority.contains("\\") else { return refuse("percent-encoding or backslash in the host") }

        // Host and port.
        var host: String
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return refuse("unclosed IPv6 literal") }
            host = String(authority[...close]).lowercased()
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return refuse("text after an IPv6 literal") }
                portText = after.dropFirst()
            }
            guard IPAddress(ipv6: String(host.dropFirst().dropLast())) != nil else { return refuse("malformed IPv6 literal") }
        } else {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return refuse("more than one colon in the host") }
            host = parts[0].lowercased()
            if parts.count == 2 { portText = parts[1] }
            if host.hasSuffix(".") { host.removeLast() }
            guard !host.isEmpty, host.utf8.count <= 253 else { return refuse("empty or overlong host") }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            guard labels.allSatisfy({ !$0.isEmpty && $0.count <= 63 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }) else {
                return refuse("host with characters other than letters, digits, hyphens and dots")
            }
            // WHATWG and inet_aton read a host whose last label is numeric as IPv4 in any of
            // several notations; only the plain dotted quad is accepted.
            if labels.last!.allSatisfy({ $0.isNumber }) || labels.last!.hasPrefix("0x") {
                guard IPAddress(ipv4: host) != nil else { return refuse("IPv4 address in a notation other than a.b.c.d") }
            }
        }
        let port: Int
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                let p = Int(portText), p >= 1, p <= 65_535
            else { return refuse("malformed port") }
            port = p
        } else {
            port = scheme == "https" ? 443 : 80
        }

        // Path and query.
        var query = ""
        if let q = pathAndQuery.firstIndex(of: "?") {
            query = String(pathAndQuery[pathAndQuery.index(after: q)...])
            pathAndQuery = pathAndQuery[..<q]
        }
        let path = pathAndQuery.isEmpty ? "/" : String(pathAndQuery)
        guard !path.contains("\\") else { return refuse("backslash in the path") }
        let lower = path.lowercased()
        guard !lower.contains("%2e"), !lower.contains("%2f"), !lower.contains("%5c") else {
            return refuse("encoded dot, slash or backslash in the path")
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.contains(where: { $0 == "." || $0 == ".." }) else { return refuse("dot segment in the path") }
        return .success(HTTPTarget(scheme: scheme, host: host, port: port, path: path, query: query))
    }

    /// The first rule of `rules` this target breaks, before any address is looked up.
    public func refusal(under rules: HTTPRules) -> HTTPRefusal? {
        guard rules.schemes.contains(scheme) else {
            return HTTPRefusal("policy: scheme \(scheme) is not allowed (allowed: \(rules.schemes.sorted().joined(separator: ", ")))")
        }
        guard rules.hosts.contains(where: { HTTPTarget.host(host, matches: $0) }) else {
            return HTTPRefusal("policy: host \(host) is not allowed")
        }
        let defaultPort = scheme == "https" ? 443 : 80
        let portAllowed = rules.ports.map { $0.contains(port) } ?? (port == defaultPort)
        guard portAllowed else { return HTTPRefusal("policy: port \(port) is not allowed for \(host)") }
        guard rules.pathPrefixes.contains(where: { path.hasPrefix($0) }) else {
            return HTTPRefusal("policy: path \(path) is outside the allowed prefixes")
        }
        if let address = literalAddress, !address.isPublic, !rules.namesInternal(host) {
            return HTTPRefusal("policy: \(host) is a \(address.kind) address, which \(rules.internalRefusalWords)")
        }
        return nil
    }

    /// `*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`.
    static func host(_ host: String, matches rule: String) -> Bool {
        if rule.hasPrefix("*.") { return host.hasSuffix(rule.dropFirst()) && host.count > rule.count - 1 }
        return host == rule
    }

    /// Looks the host up and refuses it if any address it resolves to is private, loopback,
    /// link-local or otherwise not public, unless the policy names this host exactly (a
    /// wildcard does not count): a public name must not lead inside.
    public func resolvedRefusal(under rules: HTTPRules) -> HTTPRefusal? {
        guard literalAddress == nil, !rules.namesInternal(host) else { return nil }
        let addresses = IPAddress.resolve(host)
        guard !addresses.isEmpty else { return HTTPRefusal("cannot resolve \(host)") }
        if let inside = addresses.first(where: { !$0.isPublic }) {
            return HTTPRefusal("policy: \(host) resolves to a \(inside.kind) address, which \(rules.internalRefusalWords)")
        }
        return nil
    }
}

extension HTTPRules {
    /// Whether the policy lets requests reach `host` even if it is not public.
    func namesInternal(_ host: String) -> Bool { namedInternalHostsAllowed && hosts.contains(host) }

    var internalRefusalWords: String {
        namedInternalHostsAllowed ? "the policy does not name" : "only the operator's policies may grant"
    }
}

/// Why an `http` call was refused or failed, for the trap message and the audit entry.
public struct HTTPRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An IPv4 or IPv6 address, for deciding whether it is public.
struct IPAddress: Equatable {
    /// 4 or 16 bytes.
    var bytes: [UInt8]

    /// Four decimal parts of 0–255 without leading zeros, and nothing else.
    init?(ipv4 text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), p == "0" || !p.hasPrefix("0"),
                let v = UInt8(p)
            else { return nil }
            out.append(v)
        }
        bytes = out
    }

    init?(ipv6 text: String) {
        var a = in6_addr()
        guard !text.contains("%"), inet_pton(AF_INET6, text, &a) == 1 else { return nil }
        bytes = withUnsafeBytes(of: &a) { Array($0) }
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// What kind of non-public address this is, for messages ("loopback", "private", …), or
    /// "public".
    var kind: String {
        if bytes.count == 16 {
            // IPv4-mapped and -compatible addresses are judged as the IPv4 address inside.
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && (bytes[10..<12] == [0xFF, 0xFF] || bytes[10..<12] == [0, 0]) {
                if bytes[10] == 0 && bytes[12..<16].allSatisfy({ $0 == 0 }) { return "unspecified" }
                if bytes[10] == 0 && bytes[12..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return "loopback" }
                return IPAddress(bytes: Array(bytes[12..<16])).kind
            }
            if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return "link-local" }
            if bytes[0] & 0xFE == 0xFC { return "private" }
            if bytes[0] == 0xFF { return "multicast" }
            if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return "documentation" }
            if bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B { return "NAT64" }
            return "public"
        }
        let (a, b) = (bytes[0], bytes[1])
        switch a {
        case 0: return "unspecified"
        case 10: return "private"
        case 127: return "loopback"
        case 169 where b == 254: return "link-local"
        case 172 where b >= 16 && b <= 31: return "private"
        case 192 where b == 168: return "private"
        case 100 where b >= 64 && b <= 127: return "shared (carrier-grade NAT)"
        case 192 where b == 0 && bytes[2] == 0: return "reserved"
        case 198 where b == 18 || b == 19: return "benchmarking"
        case 224...239: return "multicast"
        case 240...255: return "reserved"
        default: return "public"
        }
    }

    var isPublic: Bool { kind == "public" }

    /// Every address `host` resolves to (empty if it does not).
    static func resolve(_ host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var out: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            // The sockaddr is read as the family it says it is; getaddrinfo sized it so.
            if ai.pointee.ai_family == AF_INET, let sa = ai.pointee.ai_addr {
                let addr = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                out.append(IPAddress(bytes: withUnsafeBytes(of: addr) { Array($0) }))
            } else if ai.pointee.ai_family == AF_INET6, let sa = ai.pointee.ai_addr {
                let addr = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                out.append(IPAddress(bytes: withUnsafeBytes(of: addr) { Array($0) }))
            }
            cursor = ai.pointee.ai_next
        }
        return out
    }
}
