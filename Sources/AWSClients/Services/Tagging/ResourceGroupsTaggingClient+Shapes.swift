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

    package init(resourceARN: String, tags: [String: String]) {
        self.resourceARN = resourceARN
        self.tags = tags
    }
}

/// A `{"Key": …, "Value": …}` tag, the list form of tags (`GetResources`, `TagResource`, `ListTagsForResource`).
package struct AWSTag: Sendable, Hashable, Codable {
    package var key: String
    package var value: String

    package init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// `tags` as a list sorted by key.
    package static func list(_ tags: [String: String]) -> [AWSTag] {
        tags.sorted { $0.key < $1.key }.map { AWSTag(key: $0.key, value: $0.value) }
    }

    enum CodingKeys: String, CodingKey {
        case key = "Key"
        case value = "Value"
    }
}

public struct GetResourcesOutput: Sendable, Hashable, Codable {
    public var resourceTagMappingList: [ResourceTagMapping]
    /// Empty or absent on the last page.
    public var paginationToken: String?

    package init(resourceTagMappingList: [ResourceTagMapping], paginationToken: String?) {
        self.resourceTagMappingList = resourceTagMappingList
        self.paginationToken = paginationToken
    }

    enum CodingKeys: String, CodingKey {
        case resourceTagMappingList = "ResourceTagMappingList"
        case paginationToken = "PaginationToken"
    }
    struct Mapping: Codable {
        var resourceARN: String
        var tags: [AWSTag]?
        enum CodingKeys: String, CodingKey {
            case resourceARN = "ResourceARN"
            case tags = "Tags"
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

    /// Tags as lists sorted by key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(paginationToken, forKey: .paginationToken)
        try container.encode(
            resourceTagMappingList.map { Mapping(resourceARN: $0.resourceARN, tags: AWSTag.list($0.tags)) },
            forKey: .resourceTagMappingList)
    }
}
