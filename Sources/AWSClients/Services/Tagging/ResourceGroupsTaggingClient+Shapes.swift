import Foundation

/// A tag filter as `GetResources` takes it: the key, and any of these values (none: any value).
public struct TagFilter: Sendable, Hashable, Codable {
    public var key: String
    public var values: [String]

    public init(key: String, values: [String] = []) {
        self.key = key
        self.values = values
    }

    enum CodingKeys: String, CodingKey {
        case key = "Key"
        case values = "Values"
    }
}

public struct ResourceTagMapping: Sendable, Hashable {
    public var resourceARN: String
    public var tags: [String: String]
}

public struct GetResourcesOutput: Sendable, Hashable, Decodable {
    public var resourceTagMappingList: [ResourceTagMapping]
    /// Empty or absent on the last page.
    public var paginationToken: String?

    enum CodingKeys: String, CodingKey {
        case resourceTagMappingList = "ResourceTagMappingList"
        case paginationToken = "PaginationToken"
    }
    struct Mapping: Decodable {
        var resourceARN: String
        var tags: [Tag]?
        enum CodingKeys: String, CodingKey {
            case resourceARN = "ResourceARN"
            case tags = "Tags"
        }
    }
    struct Tag: Decodable {
        var key: String
        var value: String
        enum CodingKeys: String, CodingKey {
            case key = "Key"
            case value = "Value"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        paginationToken = try container.decodeIfPresent(String.self, forKey: .paginationToken)
        let mappings = try container.decodeIfPresent([Mapping].self, forKey: .resourceTagMappingList) ?? []
        resourceTagMappingList = mappings.map { mapping in
            var tags: [String: String] = [:]
            for tag in mapping.tags ?? [] { tags[tag.key] = tag.value }
            return ResourceTagMapping(resourceARN: mapping.resourceARN, tags: tags)
        }
    }
}
