import CorralHost
import CorralStore
import CorralVM
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Reading request bodies and writing answers, as openapi.yaml describes them.
extension CorralService {
    static func json(_ status: HTTPResponse.Status, _ body: JSONOut, location: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let location { headers[.location] = location }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body.text + "\n")))
    }

    static func parameter(_ name: String, _ context: BasicRequestContext) throws(APIError) -> String {
        guard let value = context.parameters.get(name) else { throw APIError.badRequest("bad-path", "the path has no \(name)") }
        return value
    }

    /// The body as JSON, read up to `limit` bytes (413 beyond, from `ErrorMiddleware`). An
    /// empty body is `emptyIs` if given, else an error.
    static func jsonBody(_ request: Request, limit: Int, emptyIs: HostValue? = nil) async throws -> HostValue {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        if buffer.readableBytes == 0, let emptyIs { return emptyIs }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw APIError.badRequest("bad-json", "the body is not UTF-8 text")
        }
        do {
            return try HostValueJSON.parse(text)
        } catch {
            throw APIError.badRequest("bad-json", "the body is not JSON: \(error)")
        }
    }

    static func keyText(_ key: HostValue) -> String {
        if case .string(let s) = key { return JSONOut.string(String(s.prefix(80))).text }
        return "(not a string)"
    }

    /// `{"source": "...", "policy": "..."}`, or `module` (base64 of a .cbc) for `source`, or
    /// `policy_ref` (an operator's policy) for `policy`.
    static func upload(_ body: HostValue) throws(APIError) -> AgentUpload {
        guard case .dict(let entries) = body else {
            throw APIError.badRequest("bad-body", "the body must be a JSON object with source or module, and policy or policy_ref")
        }
        var fields: [String: String] = [:]
        for e in entries {
            guard case .string(let key) = e.key, ["source", "module", "policy", "policy_ref"].contains(key) else {
                throw APIError.badRequest("bad-body", "unknown field \(keyText(e.key)) (allowed: source, module, policy, policy_ref)")
            }
            guard case .string(let value) = e.value else { throw APIError.badRequest("bad-body", "\(key) must be a string") }
            fields[key] = value
        }
        let code: AgentUpload.Code
        switch (fields["source"], fields["module"]) {
        case (let source?, nil): code = .source(source)
        case (nil, let module?):
            guard let data = Data(base64Encoded: module) else { throw APIError.badRequest("bad-body", "module must be base64") }
            code = .module([UInt8](data))
        case (nil, nil): throw APIError.badRequest("bad-body", "give the agent's source (Starlark) or module (base64)")
        default: throw APIError.badRequest("bad-body", "give source or module, not both")
        }
        let policy: AgentUpload.PolicySource
        switch (fields["policy"], fields["policy_ref"]) {
        case (let text?, nil): policy = .inline(text)
        case (nil, let ref?): policy = .reference(ref)
        case (nil, nil): policy = .none
        default: throw APIError.badRequest("bad-body", "give policy or policy_ref, not both")
        }
        return AgentUpload(code: code, policy: policy)
    }

    static func describe(_ agent: LoadedAgent) -> JSONOut {
        let r = agent.record
        let budget = agent.policy.budget
        return .object([
            ("name", .string(r.name)), ("version", .int(Int64(r.version))), ("hash", .string(r.hash)),
            ("created", .double(r.created)), ("policy_ref", .optional(r.policyRef)),
            ("imports", .array(agent.module.module.imports.map { .string("\($0.module).\($0.name)") })),
            ("has_main", .bool(agent.hasMain)),
            (
                "budget",
                .object([
                    ("fuel", budget.fuel.map(JSONOut.int) ?? .null), ("memory", budget.memory.map { .int(Int64($0)) } ?? .null),
                    ("timeout_ms", budget.timeout.map { .double($0.milliseconds) } ?? .null),
                    ("max_depth", budget.maxDepth.map { .int(Int64($0)) } ?? .null),
                ])
            ),
        ])
    }

    static func describe(_ r: RunRecord, log: [LogLine]) -> JSONOut {
        var trap = JSONOut.null
        if let reason = r.trapReason {
            trap = .object([("reason", .string(reason)), ("message", .optional(r.trapMessage))])
        }
        return .object([
            ("id", .string(r.id)), ("agent", .string(r.agent)), ("agent_version", r.agentVersion.map { .int(Int64($0)) } ?? .null),
            ("status", .string(r.status.rawValue)), ("input", .raw(r.input)), ("result", r.result.map(JSONOut.raw) ?? .null),
            ("trap", trap), ("fuel", .int(r.fuel)), ("memory_peak", .int(Int64(r.memoryPeak))),
            ("host_calls", .int(Int64(r.hostCalls))), ("started", .double(r.started)), ("finished", .optional(r.finished)),
            ("wall_ms", .optional(r.wallMilliseconds)),
            (
                "log",
                .array(
                    log.map { line in
                        .object([
                            ("level", .string(line.level)), ("message", .string(line.message)),
                            ("fields", line.fields == .none ? .null : ((try? HostValueJSON.encode(line.fields)).map(JSONOut.raw) ?? .null)),
                        ])
                    })
            ),
        ])
    }

    static func describe(_ e: AuditEntry) -> JSONOut {
        .object([
            ("seq", .int(Int64(e.sequence))), ("capability", .string(e.capability)), ("function", .string(e.function)),
            ("arg_digest", .string(e.argumentDigest)), ("arg_bytes", .int(Int64(e.argumentBytes))),
            ("outcome", .string(e.outcome.word)), ("detail", .optional(e.outcome.detail)), ("fuel", .int(e.fuel)),
            ("duration_ms", .double(e.duration.milliseconds)), ("time", .double(e.time)), ("answer", .optional(e.answer)),
        ])
    }
}
