import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A request the service refuses, as the client sees it: a status and a JSON body
/// `{"error": {"code": "...", "message": "..."}}`, the code a stable word to match on and the
/// message naming the problem (openapi.yaml, `Error`).
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    /// Seconds, for 429 and 503.
    var retryAfter: Int?
    /// The methods a path has, for 405.
    var allow: String?

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    var headers: HTTPFields {
        var h: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { h[.retryAfter] = String(retryAfter) }
        if let allow { h[.allow] = allow }
        return h
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = JSONOut.object([("error", .object([("code", .string(code)), ("message", .string(message))]))]).text + "\n"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code, message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not-found", message) }
}

/// Turns every error a handler or Hummingbird throws into an `APIError`, so that no answer is
/// an empty 500 and every refusal has a JSON body: an unknown route is 404, a known path with
/// a method it lacks 405 with `Allow`, a body over the limit 413. Anything unexpected is a 500
/// whose message says only that (the log has the detail).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as APIError {
            throw e
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "body-too-large", "the request body is over the limit for \(request.uri.path) (README.md, \"The service\")")
        } catch let e as HTTPError {
            switch e.status {
            case .notFound:
                let allowed = routes.methods(for: request.uri.path)
                guard allowed.isEmpty else {
                    var e = APIError(.methodNotAllowed, "method-not-allowed", "\(request.method) is not allowed on \(request.uri.path) (allowed: \(allowed.joined(separator: ", ")))")
                    e.allow = allowed.joined(separator: ", ")
                    throw e
                }
                throw APIError.notFound("no route \(request.method) \(request.uri.path)")
            case .methodNotAllowed: throw APIError(.methodNotAllowed, "method-not-allowed", "\(request.method) is not allowed on \(request.uri.path)")
            default: throw APIError(e.status, "http-error", e.body ?? e.status.reasonPhrase)
            }
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError(.internalServerError, "internal-error", "the service failed to answer; its log has the cause")
        }
    }
}

/// The routes' paths and methods, to tell a wrong method (405) from an unknown path (404).
final class RouteTable: Sendable {
    private let entries = Mutex<[(method: String, segments: [Substring])]>([])

    func set(_ routes: [(method: String, path: String)]) {
        entries.withLock { $0 = routes.map { ($0.method, $0.path.split(separator: "/")) } }
    }

    /// The methods of the routes whose template matches `path` (`{x}` matches any segment).
    func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/")
        return entries.withLock { list in
            list.filter { route in
                route.segments.count == parts.count
                    && zip(route.segments, parts).allSatisfy { t, p in t.hasPrefix("{") || t == p }
            }.map(\.method).sorted()
        }
    }
}
