import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP/1.1 server on 127.0.0.1 (an ephemeral port), answering from a table of routes:
/// the APIs the `http` capability's tests talk to.
final class LoopbackServer: Sendable {
    struct Answer: Sendable {
        var status: HTTPResponseStatus = .ok
        var headers: [(String, String)] = [("content-type", "application/json")]
        var body: [UInt8] = []
        var delay: TimeAmount = .zero
    }

    /// A request as the server saw it.
    struct Seen: Sendable, Equatable {
        var method: String
        var uri: String
        var body: String
        var headers: [String: String]
    }

    typealias Route = @Sendable (Seen) -> Answer

    /// The requests it has answered, in order.
    final class Log: Sendable {
        let seen = Mutex<[Seen]>([])
    }

    let channel: any Channel
    let log = Log()
    var requests: [Seen] { log.seen.withLock { $0 } }
    var port: Int { channel.localAddress!.port! }

    init(routes: [String: Route]) async throws {
        let seen = log
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(routes: routes, seen: seen))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async throws { try await channel.close() }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let routes: [String: Route]
        let seen: Log
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(routes: [String: Route], seen: Log) {
            self.routes = routes
            self.seen = seen
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body = []
            case .body(var b):
                body.append(contentsOf: b.readBytes(length: b.readableBytes) ?? [])
            case .end:
                guard let head else { return }
                var headers: [String: String] = [:]
                for (k, v) in head.headers { headers[k.lowercased()] = v }
                let request = Seen(method: "\(head.method)", uri: head.uri, body: String(decoding: body, as: UTF8.self), headers: headers)
                seen.seen.withLock { $0.append(request) }
                let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
                let answer = routes[path]?(request) ?? Answer(status: .notFound, body: Array("{\"error\": \"no route\"}".utf8))
                let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
                let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: answer.delay) {
                    handler.value.respond(ctx.value, answer)
                }
            }
        }

        func respond(_ context: ChannelHandlerContext, _ answer: Answer) {
            var headers = HTTPHeaders(answer.headers)
            headers.add(name: "content-length", value: "\(answer.body.count)")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: answer.status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: answer.body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
