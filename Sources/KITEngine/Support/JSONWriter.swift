import Foundation

/// Writes one JSON object with its keys in insertion order (KIT's record keys come first, as KIT prints them).
struct JSONObjectWriter {
    private(set) var text = "{"
    private var first = true

    mutating func add(_ key: String, _ value: String?) {
        guard let value else { return addRaw(key, "null") }
        addRaw(key, Self.quoted(value))
    }
    mutating func add(_ key: String, _ value: Int64?) { addRaw(key, value.map(String.init) ?? "null") }
    mutating func add(_ key: String, _ value: Int) { addRaw(key, String(value)) }
    mutating func add(_ key: String, _ value: Bool) { addRaw(key, value ? "true" : "false") }
    mutating func add(_ key: String, _ value: Double) {
        addRaw(key, value.isFinite ? String(format: "%.3f", value) : "null")
    }

    /// `raw` must already be valid JSON.
    mutating func addRaw(_ key: String, _ raw: String) {
        if !first { text += "," }
        first = false
        text += Self.quoted(key) + ":" + raw
    }

    func finished() -> String { text + "}" }

    static func quoted(_ s: String) -> String { JSONText.quote(s) }
}
