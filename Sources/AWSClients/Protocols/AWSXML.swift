/// The little XML the query and REST-XML protocols need: a tree of elements with their text, parsed from a whole
/// response body, and escaping for the few request bodies S3 takes.
///
/// Kept here instead of using FoundationXML (libxml2, not always present on Linux) because AWS documents use a
/// small, regular subset: no DTDs, no external entities — which this parser refuses rather than resolves.
enum AWSXML {
    struct Element: Sendable, Equatable {
        /// The local name, without a namespace prefix.
        var name: String
        var attributes: [String: String]
        var children: [Element]
        /// The concatenated character data directly inside this element (entities decoded, CDATA kept).
        var text: String

        /// The first child called `name`.
        func child(_ name: String) -> Element? { children.first { $0.name == name } }

        /// Every child called `name`, in document order.
        func children(_ name: String) -> [Element] { children.filter { $0.name == name } }

        /// The text of the first child called `name`.
        func childText(_ name: String) -> String? { child(name)?.text }

        /// Follows a path of child names (`["Error", "Code"]`).
        func descendant(_ path: [String]) -> Element? {
            var node: Element? = self
            for name in path { node = node?.child(name) }
            return node
        }
    }

    struct ParseError: Error, Sendable, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "XML error at byte \(offset): \(reason)" }
    }

    /// Parses a whole document and returns its root element.
    static func parse(_ bytes: [UInt8]) throws(ParseError) -> Element {
        var parser = Parser(bytes: bytes)
        return try parser.document()
    }

    /// Escapes text for element content or attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}

extension AWSXML {
    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        /// Deep nesting is refused rather than recursed into without bound.
        static let maxDepth = 64

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func document() throws(ParseError) -> Element {
            skipMisc()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else {
                throw fail("expected a root element")
            }
            let root = try element(depth: 0)
            skipMisc()
            guard index == bytes.count else { throw fail("content after the root element") }
            return root
        }

        /// Whitespace, the XML declaration, processing instructions and comments between elements.
        private mutating func skipMisc() {
            while index < bytes.count {
                if isSpace(bytes[index]) {
                    index += 1
                } else if starts(with: "<?") {
                    skip(past: "?>")
                } else if starts(with: "<!--") {
                    skip(past: "-->")
                } else {
                    return
                }
            }
        }

        private mutating func element(depth: Int) throws(ParseError) -> Element {
            guard depth < Self.maxDepth else { throw fail("elements nested too deeply") }
            index += 1  // "<"
            let qualifiedName = try name()
            var attributes: [String: String] = [:]
            while true {
                skipSpaces()
                guard index < bytes.count else { throw fail("unterminated start tag") }
                if bytes[index] == UInt8(ascii: "/") {
                    guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ">") else {
                        throw fail("expected '/>'")
                    }
                    index += 2
                    return Element(name: localName(qualifiedName), attributes: attributes, children: [], text: "")
                }
                if bytes[index] == UInt8(ascii: ">") {
                    index += 1
                    break
                }
                let attributeName = try name()
                skipSpaces()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { throw fail("expected '='") }
                index += 1
                skipSpaces()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'")
                else { throw fail("expected a quoted attribute value") }
                let quote = bytes[index]
                index += 1
                let start = index
                while index < bytes.count, bytes[index] != quote { index += 1 }
                guard index < bytes.count else { throw fail("unterminated attribute value") }
                attributes[attributeName] = try decodeEntities(bytes[start..<index])
                index += 1
            }

            var children: [Element] = []
            var text: [UInt8] = []
            while true {
                guard index < bytes.count else { throw fail("unterminated element <\(qualifiedName)>") }
                if bytes[index] != UInt8(ascii: "<") {
                    let start = index
                    while index < bytes.count, bytes[index] != UInt8(ascii: "<") { index += 1 }
                    text += Array(try decodeEntities(bytes[start..<index]).utf8)
                } else if starts(with: "</") {
                    index += 2
                    let closing = try name()
                    guard closing == qualifiedName else {
                        throw fail("</\(closing)> closes <\(qualifiedName)>")
                    }
                    skipSpaces()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { throw fail("expected '>'") }
                    index += 1
                    return Element(
                        name: localName(qualifiedName), attributes: attributes, children: children,
                        text: String(decoding: text, as: UTF8.self))
                } else if starts(with: "<![CDATA[") {
                    index += 9
                    let start = index
                    guard let end = find("]]>") else { throw fail("unterminated CDATA section") }
                    text += bytes[start..<end]
                    index = end + 3
                } else if starts(with: "<!--") {
                    skip(past: "-->")
                } else if starts(with: "<?") {
                    skip(past: "?>")
                } else if starts(with: "<!") {
                    throw fail("document type declarations are not accepted")
                } else {
                    children.append(try element(depth: depth + 1))
                }
            }
        }

        private mutating func name() throws(ParseError) -> String {
            let start = index
            while index < bytes.count, !isSpace(bytes[index]),
                ![UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "<")].contains(bytes[index])
            {
                index += 1
            }
            guard index > start else { throw fail("expected a name") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        private func localName(_ qualified: String) -> String {
            guard let colon = qualified.lastIndex(of: ":") else { return qualified }
            return String(qualified[qualified.index(after: colon)...])
        }

        private func decodeEntities(_ slice: ArraySlice<UInt8>) throws(ParseError) -> String {
            guard slice.contains(UInt8(ascii: "&")) else { return String(decoding: slice, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(slice.count)
            var position = slice.startIndex
            while position < slice.endIndex {
                let byte = slice[position]
                guard byte == UInt8(ascii: "&") else {
                    out.append(byte)
                    position += 1
                    continue
                }
                guard let semicolon = slice[position...].firstIndex(of: UInt8(ascii: ";")),
                    semicolon - position <= 12
                else { throw fail("unterminated entity") }
                let entity = String(decoding: slice[(position + 1)..<semicolon], as: UTF8.self)
                switch entity {
                case "amp": out.append(UInt8(ascii: "&"))
                case "lt": out.append(UInt8(ascii: "<"))
                case "gt": out.append(UInt8(ascii: ">"))
                case "quot": out.append(UInt8(ascii: "\""))
                case "apos": out.append(UInt8(ascii: "'"))
                default:
                    let scalarValue: UInt32?
                    if entity.hasPrefix("#x") {
                        scalarValue = UInt32(entity.dropFirst(2), radix: 16)
                    } else if entity.hasPrefix("#") {
                        scalarValue = UInt32(entity.dropFirst(1), radix: 10)
                    } else {
                        scalarValue = nil
                    }
                    guard let scalarValue, let scalar = Unicode.Scalar(scalarValue) else {
                        throw fail("unknown entity &\(entity);")
                    }
                    out += Array(String(Character(scalar)).utf8)
                }
                position = semicolon + 1
            }
            return String(decoding: out, as: UTF8.self)
        }

        private func starts(with literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            return literal.withUTF8Buffer { buffer in
                for offset in 0..<count where bytes[index + offset] != buffer[offset] { return false }
                return true
            }
        }

        private func find(_ literal: StaticString) -> Int? {
            let count = literal.utf8CodeUnitCount
            return literal.withUTF8Buffer { buffer -> Int? in
                var position = index
                while position + count <= bytes.count {
                    var matches = true
                    for offset in 0..<count where bytes[position + offset] != buffer[offset] {
                        matches = false
                        break
                    }
                    if matches { return position }
                    position += 1
                }
                return nil
            }
        }

        private mutating func skip(past literal: StaticString) {
            if let end = find(literal) {
                index = end + literal.utf8CodeUnitCount
            } else {
                index = bytes.count
            }
        }

        private mutating func skipSpaces() {
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
        }

        private func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        private func fail(_ reason: String) -> ParseError { ParseError(offset: index, reason: reason) }
    }
}
