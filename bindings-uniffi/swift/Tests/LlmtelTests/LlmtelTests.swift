// The Swift binding's suite, run on macOS by .github/workflows/swift.yml (no Swift toolchain on
// the project's Linux machines): spans to a spool, typed errors with their stable codes, the
// before_send_span callback, a GenAI call under a span.
import Foundation
import XCTest

@testable import Llmtel

final class LlmtelTests: XCTestCase {
    private func spoolPath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("spans.jsonl").path
    }

    private func spans(_ path: String) throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    func testASpanWithTypedAttributesReachesTheSpool() throws {
        let path = spoolPath()
        let client = try Client(options: ["spool": path, "dsn": "", "sdk_language": "swift"])
        let span = try client.startSpan(spec: SpanSpec(name: "generate report", op: "ai.task"))
        try span.setAttribute(key: "temperature", value: .double(value: 1.0))
        try span.recordUsage(usage: Usage(inputTokens: 10, outputTokens: 5))
        try span.end()
        try client.close(timeoutMs: 5000)
        let written = try spans(path)
        XCTAssertEqual(written.count, 1)
        XCTAssertEqual(written[0]["name"] as? String, "generate report")
        let attributes = written[0]["attributes"] as! [String: Any]
        XCTAssertEqual(attributes["gen_ai.usage.total_tokens"] as? Int, 15)
    }

    func testErrorsCarryTheirStableCodes() throws {
        XCTAssertThrowsError(try Client(options: ["dsnn": ""])) { error in
            guard case let LlmtelError.InvalidOption(code, field, _) = error else {
                return XCTFail("expected InvalidOption, got \(error)")
            }
            XCTAssertEqual(code, "invalid_option")
            XCTAssertEqual(field, "dsnn")
        }
        let client = try Client(options: ["spool": spoolPath(), "dsn": ""])
        let span = try client.startSpan(spec: SpanSpec(name: "once"))
        try span.end()
        XCTAssertThrowsError(try span.end()) { error in
            guard case LlmtelError.AlreadyEnded = error else { return XCTFail("\(error)") }
        }
        try client.close(timeoutMs: 5000)
    }

    final class Upper: BeforeSendSpan {
        func beforeSendSpan(span: SpanView) throws -> SpanView? {
            if span.name == "drop" { return nil }
            var edited = span
            edited.name = span.name.uppercased()
            return edited
        }
    }

    func testBeforeSendSpanEditsAndDrops() throws {
        let path = spoolPath()
        let client = try Client(options: ["spool": path, "dsn": ""], beforeSendSpan: Upper())
        for name in ["keep", "drop"] { try client.startSpan(spec: SpanSpec(name: name)).end() }
        try client.close(timeoutMs: 5000)
        XCTAssertEqual(try spans(path).map { $0["name"] as? String }, ["KEEP"])
        XCTAssertEqual(client.stats().dropped["before_send"], 1)
    }

    func testACallUnderASpan() throws {
        let path = spoolPath()
        let client = try Client(options: ["spool": path, "dsn": ""])
        let root = try client.startSpan(spec: SpanSpec(name: "root"))
        let call = try client.call(
            spec: CallSpec(provider: "openai", api: "chat_completions",
                           request: #"{"model": "gpt-4o", "messages": []}"#),
            parent: root.context())
        try call.finish(responseJson: #"{"id": "c1", "model": "gpt-4o", "choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 2}}"#)
        try root.end()
        try client.close(timeoutMs: 5000)
        let written = try spans(path)
        let chat = written.first { $0["name"] as? String == "chat gpt-4o" }!
        let rootSpan = written.first { $0["name"] as? String == "root" }!
        XCTAssertEqual(chat["parent_span_id"] as? String, rootSpan["span_id"] as? String)
    }
}
