import Foundation

/// A DynamoDB attribute value in its wire form (`{"S": "…"}`, `{"N": "42"}`, …). Numbers stay strings, as DynamoDB
/// sends them (up to 38 digits: no Swift number type holds them all); binary values are bytes, base64 on the wire.
public enum AttributeValue: Sendable, Hashable, Codable {
    case s(String)
    case n(String)
    case b([UInt8])
    case bool(Bool)
    case null
    case m([String: AttributeValue])
    case l([AttributeValue])
    case ss([String])
    case ns([String])
    case bs([[UInt8]])

    /// A number attribute from any integer.
    public static func number(_ value: some BinaryInteger) -> AttributeValue { .n(String(value)) }

    /// A number attribute from a `Double` (its shortest exact decimal form).
    public static func number(_ value: Double) -> AttributeValue { .n("\(value)") }

    public var stringValue: String? {
        if case .s(let value) = self { return value }
        return nil
    }

    /// The number's text.
    public var numberText: String? {
        if case .n(let value) = self { return value }
        return nil
    }

    public var int64Value: Int64? { numberText.flatMap { Int64($0) } }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var bytesValue: [UInt8]? {
        if case .b(let value) = self { return value }
        return nil
    }

    public var mapValue: [String: AttributeValue]? {
        if case .m(let value) = self { return value }
        return nil
    }

    public var listValue: [AttributeValue]? {
        if case .l(let value) = self { return value }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case s = "S"
        case n = "N"
        case b = "B"
        case bool = "BOOL"
        case null = "NULL"
        case m = "M"
        case l = "L"
        case ss = "SS"
        case ns = "NS"
        case bs = "BS"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let key = container.allKeys.first, container.allKeys.count == 1 else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "an AttributeValue has exactly one member"))
        }
        switch key {
        case .s: self = .s(try container.decode(String.self, forKey: key))
        case .n: self = .n(try container.decode(String.self, forKey: key))
        case .b: self = .b(Array(try container.decode(Data.self, forKey: key)))
        case .bool: self = .bool(try container.decode(Bool.self, forKey: key))
        case .null: self = .null
        case .m: self = .m(try container.decode([String: AttributeValue].self, forKey: key))
        case .l: self = .l(try container.decode([AttributeValue].self, forKey: key))
        case .ss: self = .ss(try container.decode([String].self, forKey: key))
        case .ns: self = .ns(try container.decode([String].self, forKey: key))
        case .bs: self = .bs(try container.decode([Data].self, forKey: key).map { Array($0) })
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .s(let value): try container.encode(value, forKey: .s)
        case .n(let value): try container.encode(value, forKey: .n)
        case .b(let value): try container.encode(Data(value), forKey: .b)
        case .bool(let value): try container.encode(value, forKey: .bool)
        case .null: try container.encode(true, forKey: .null)
        case .m(let value): try container.encode(value, forKey: .m)
        case .l(let value): try container.encode(value, forKey: .l)
        case .ss(let value): try container.encode(value, forKey: .ss)
        case .ns(let value): try container.encode(value, forKey: .ns)
        case .bs(let value): try container.encode(value.map { Data($0) }, forKey: .bs)
        }
    }
}

extension AttributeValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .s(value) }
}

extension AttributeValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .n(String(value)) }
}

extension AttributeValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// A DynamoDB item or key: attribute name → value.
public typealias DynamoDBItem = [String: AttributeValue]
