import CorralBytecode
import CorralVM
import Foundation

/// One case of bytecode/tests: a text-form module and what it must do.
struct CorpusCase: CustomStringConvertible, Sendable {
    enum Expectation: Sendable {
        case returns(String)
        case traps(TrapReason, String)
        case invalid(String)
    }

    let name: String
    let text: String
    var expectation: Expectation?
    var fuel: Int64?
    var budget = Budget()
    var meteredOnly = false
    var resume: (fuel: Int64, value: String)?

    var description: String { name }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("bytecode/tests")

    static let all: [CorpusCase] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".cas") }.sorted().map { name in
            let text = (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
            return CorpusCase(name: name, text: text)
        }
    }()

    init(name: String, text: String) {
        self.name = name
        self.text = text
        for line in text.split(separator: "\n") where line.hasPrefix(";;") {
            let body = line.dropFirst(2).trimmingCharacters(in: .whitespaces)
            if body.hasPrefix("expect: returns ") {
                expectation = .returns(String(body.dropFirst("expect: returns ".count)))
            } else if body.hasPrefix("expect: traps ") {
                let rest = body.dropFirst("expect: traps ".count)
                let word = rest.prefix { $0 != " " }
                expectation = .traps(TrapReason(rawValue: String(word)) ?? .runtimeError, CorpusCase.quoted(rest))
            } else if body.hasPrefix("expect: invalid ") {
                expectation = .invalid(CorpusCase.quoted(body.dropFirst("expect: invalid ".count)))
            } else if body.hasPrefix("expect: fuel ") {
                fuel = Int64(body.dropFirst("expect: fuel ".count))
            } else if body.hasPrefix("budget: ") {
                for part in body.dropFirst("budget: ".count).split(separator: " ") {
                    let kv = part.split(separator: "=")
                    guard kv.count == 2, let n = Int64(kv[1]) else { continue }
                    switch kv[0] {
                    case "fuel": budget.fuel = n
                    case "memory": budget.memory = Int(n)
                    case "depth": budget.maxDepth = Int(n)
                    default: break
                    }
                }
            } else if body.hasPrefix("metered-only:") {
                meteredOnly = true
            } else if body.hasPrefix("resume: ") {
                let parts = body.dropFirst("resume: ".count).split(separator: " ", maxSplits: 1)
                if parts.count == 2, let n = Int64(parts[0]) { resume = (n, String(parts[1])) }
            }
        }
    }

    /// The text between the first and last double quote, with `\"` unescaped.
    static func quoted(_ s: Substring) -> String {
        guard let a = s.firstIndex(of: "\""), let b = s.lastIndex(of: "\""), a < b else { return "" }
        return s[s.index(after: a)..<b].replacingOccurrences(of: "\\\"", with: "\"")
    }
}
