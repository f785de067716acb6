import Foundation
import PressworkCore
import Testing

/// What Foundation's parsers let through (a key given twice, of which one is silently kept; a
/// trailing comma) is an error naming the place; valid JSON passes unchanged.
@Suite struct StrictJSONTests {
    static let refused: [(String, String)] = [
        (#"{"a": 1, "a": 2}"#, "given twice"),
        (#"{"a": 1,}"#, "trailing comma"),
        (#"[1, 2,]"#, "trailing comma"),
        (#"{"a": 1} x"#, "after the JSON value"),
        (#"{"a": 01}"#, "start with 0"),
        (#"{"a": NaN}"#, "unexpected character"),
        (#"{"a": 1 // note"#, "expected , or }"),
        ("{\"a\": \"x\ny\"}", "control character"),
        (#"{"a": "\x"}"#, "not a JSON escape"),
        (#"{"a": "\u12"}"#, "four hexadecimal"),
        (#"{'a': 1}"#, "double quotes"),
        ("", "empty"),
        (#"{"a": [1, 2"#, "ends inside an array"),
        (#"{"a": tru}"#, "expected true"),
        (String(repeating: "[", count: 100) + String(repeating: "]", count: 100), "nested deeper"),
    ]

    @Test(arguments: refused)
    func refusedWithTheReason(_ text: String, _ reason: String) {
        let failure = #expect(throws: StrictJSON.Failure.self) { try StrictJSON.check(Data(text.utf8)) }
        #expect(failure?.problem.contains(reason) == true, "\(failure?.description ?? "nothing") should say \(reason)")
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: StrictJSON.Failure.self) { try StrictJSON.check(Data([0x22, 0xFF, 0xFE, 0x22])) }
    }

    @Test func theFailureNamesLineAndColumn() {
        let failure = #expect(throws: StrictJSON.Failure.self) {
            try StrictJSON.check(Data("{\n  \"home\": \"/a\",\n  \"home\": \"/b\"\n}".utf8))
        }
        #expect(failure?.line == 3 && failure?.column == 3)
    }

    @Test func validJSONPasses() throws {
        for text in [#"{}"#, #"[]"#, #"{"a": [1, -2.5e3, true, false, null, "é\n\u00e9\"\\"], "b": {"a": 0}}"#, " 0 ", #""x""#] {
            try StrictJSON.check(Data(text.utf8))
        }
        #expect(try JSONValue.parseStrict(Data(#"{"b": 1, "a": [true]}"#.utf8))["a"] == .array([.bool(true)]))
    }
}
