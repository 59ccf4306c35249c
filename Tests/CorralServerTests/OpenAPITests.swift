import Foundation
import Testing
import Yams

@testable import CorralServer

/// openapi.yaml describes exactly the routes the server has: a route added or removed on one
/// side only fails here.
@Suite struct OpenAPITests {
    static let documentPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/CorralServer/openapi.yaml").standardized.path

    @Test func theDocumentListsEveryRouteAndNoOther() async throws {
        let text = try String(contentsOfFile: Self.documentPath, encoding: .utf8)
        let doc = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(doc["paths"] as? [String: Any])
        var documented: Set<String> = []
        for (path, item) in paths {
            for key in (item as? [String: Any] ?? [:]).keys where ["get", "put", "post", "delete", "patch"].contains(key) {
                documented.insert("\(key.uppercased()) \(path)")
            }
        }
        let harness = try await ServiceHarness.make()
        let served = Set(harness.service.router().routes.map(\.description))
        #expect(served == documented)
        #expect(served.count == 10)
    }

    /// Every error code the server can answer with is named in the document, so clients can
    /// rely on the list.
    @Test func everyErrorCodeIsDocumented() throws {
        let text = try String(contentsOfFile: Self.documentPath, encoding: .utf8)
        for code in [
            "bad-json", "bad-body", "bad-name", "bad-wait", "syntax-error", "resolve-error", "malformed-module", "unknown-policy", "invalid-module", "policy-error", "link-error",
            "missing-key", "bad-key", "unknown-key", "run-finished", "body-too-large", "queue-full", "draining", "store-error",
        ] {
            #expect(text.contains(code), "openapi.yaml does not mention \(code)")
        }
    }
}
