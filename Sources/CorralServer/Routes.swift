import CorralHost
import CorralStore
import CorralVM
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension CorralService {
    /// Every route of the API. openapi.yaml describes each one; a test keeps the two in step.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let table = RouteTable()
        router.middlewares.add(ErrorMiddleware(routes: table))
        router.get("/healthz") { _, _ in Self.json(.ok, .object([("status", .string("ok"))])) }
        router.get("/readyz") { _, _ in
            if self.runs.isDraining {
                throw APIError(.serviceUnavailable, "draining", "the server is shutting down", retryAfter: 5)
            }
            return Self.json(.ok, .object([("status", .string("ready"))]))
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.metrics.text())))
        }
        router.put("/v1/agents/{name}") { request, context in try await self.putAgent(request, context) }
        router.get("/v1/agents/{name}") { request, context in try await self.getAgent(request, context) }
        router.delete("/v1/agents/{name}") { request, context in try await self.deleteAgent(request, context) }
        router.post("/v1/agents/{name}/runs") { request, context in try await self.startRun(request, context) }
        router.get("/v1/runs/{id}") { request, context in try await self.getRun(request, context) }
        router.delete("/v1/runs/{id}") { request, context in try await self.cancelRun(request, context) }
        router.get("/v1/runs/{id}/audit") { request, context in try await self.getAudit(request, context) }
        table.set(router.routes.map { ($0.method.rawValue, $0.path.description) })
        return router
    }

    // MARK: Agents

    /// The requesting tenant and the `{name}` of the path, checked.
    private func agentTarget(_ request: Request, _ context: BasicRequestContext) async throws -> (TenantRecord, String) {
        let tenant = try await tenant(of: request)
        let name = try Self.parameter("name", context)
        try AgentCatalog.checkName(name)
        return (tenant, name)
    }

    private func putAgent(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (tenant, name) = try await agentTarget(request, context)
        let body = try await Self.jsonBody(request, limit: settings.maxAgentBodyBytes)
        let upload = try Self.upload(body)
        let agent = try await catalog.put(tenant: tenant.id, name: name, upload: upload)
        return Self.json(.ok, Self.describe(agent))
    }

    private func getAgent(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (tenant, name) = try await agentTarget(request, context)
        return Self.json(.ok, Self.describe(try await catalog.get(tenant: tenant.id, name: name)))
    }

    private func deleteAgent(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (tenant, name) = try await agentTarget(request, context)
        try await catalog.delete(tenant: tenant.id, name: name)
        return Response(status: .noContent)
    }

    // MARK: Runs

    private func startRun(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (tenant, name) = try await agentTarget(request, context)
        let wait = try waitSeconds(request)
        let body = try await Self.jsonBody(request, limit: settings.maxRequestBodyBytes, emptyIs: .dict([]))
        guard case .dict(let entries) = body else { throw APIError.badRequest("bad-body", "the body must be a JSON object: {\"input\": ...}") }
        var input = HostValue.none
        for e in entries {
            guard case .string("input") = e.key else {
                throw APIError.badRequest("bad-body", "unknown field \(Self.keyText(e.key)) (allowed: input)")
            }
            input = e.value
        }
        let inputJSON: String
        do { inputJSON = try HostValueJSON.encode(input) } catch {
            throw APIError.badRequest("bad-body", "input: \(error)")
        }
        let agent = try await catalog.get(tenant: tenant.id, name: name)
        let run = try await runs.start(agent, tenant: tenant.id, input: input, inputJSON: inputJSON)
        if wait > 0 { await run.waitDone(timeout: .milliseconds(Int64(wait * 1000))) }
        // From memory: the run as it ended, or as it is.
        let (record, log) = run.snapshot
        let done = record.status != .queued && record.status != .running
        return Self.json(done ? .ok : .accepted, Self.describe(record, log: log), location: "/v1/runs/\(run.id)")
    }

    private func getRun(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let tenant = try await tenant(of: request)
        let id = try Self.parameter("id", context)
        let record = try await record(id, tenant: tenant.id)
        return Self.json(.ok, Self.describe(record, log: try await logLines(id)))
    }

    private func cancelRun(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let tenant = try await tenant(of: request)
        let id = try Self.parameter("id", context)
        let record = try await record(id, tenant: tenant.id)
        guard runs.cancel(id, tenant: tenant.id) != nil else {
            throw APIError(.conflict, "run-finished", "run \(id) has already ended (\(record.status.rawValue))")
        }
        return Self.json(.accepted, .object([("id", .string(id)), ("status", .string("cancelling"))]))
    }

    private func getAudit(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let tenant = try await tenant(of: request)
        let id = try Self.parameter("id", context)
        _ = try await record(id, tenant: tenant.id)
        let entries: [AuditEntry]
        do { entries = try await store.auditEntries(run: id) } catch {
            throw APIError(.serviceUnavailable, "store-error", "\(error)", retryAfter: 5)
        }
        return Self.json(.ok, .object([("run", .string(id)), ("entries", .array(entries.map(Self.describe)))]))
    }

    /// The tenant's run, or 404: another tenant's run is as unknown as one that never was.
    private func record(_ id: String, tenant: String) async throws(APIError) -> RunRecord {
        let found: RunRecord?
        do { found = try await store.run(id) } catch {
            throw APIError(.serviceUnavailable, "store-error", "\(error)", retryAfter: 5)
        }
        guard let found, found.tenant == tenant else { throw APIError.notFound("no run \(JSONOut.string(String(id.prefix(80))).text)") }
        return found
    }

    private func logLines(_ id: String) async throws(APIError) -> [LogLine] {
        do { return try await store.logLines(run: id) } catch {
            throw APIError(.serviceUnavailable, "store-error", "\(error)", retryAfter: 5)
        }
    }

    /// `?wait=SECONDS`: 0 to `maxWaitSeconds`, default 0.
    private func waitSeconds(_ request: Request) throws(APIError) -> Double {
        guard let text = request.uri.queryParameters.get("wait") else { return 0 }
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds <= settings.maxWaitSeconds else {
            throw APIError.badRequest("bad-wait", "wait must be a number of seconds from 0 to \(Int(settings.maxWaitSeconds)), not \(JSONOut.string(String(text.prefix(40))).text)")
        }
        return seconds
    }
}
