import AWSCore
import Foundation
import HTTPTransportCore

/// Resource Groups Tagging API (JSON 1.1): finding resources — Kinesis Video streams — by tag.
public struct ResourceGroupsTaggingClient: AWSServiceClient {
    public static let service = AWSService.resourceGroupsTaggingAPI
    public let client: AWSClient
    static let rpc = JSONRPCProtocol.resourceGroupsTagging

    public init(client: AWSClient) {
        self.client = client
    }

    /// One page of `GetResources`.
    public func getResources(
        tagFilters: [TagFilter] = [], resourceTypeFilters: [String] = ["kinesisvideo:stream"],
        resourcesPerPage: Int? = nil, paginationToken: String? = nil, deadline: ContinuousClock.Instant? = nil
    ) async throws(AWSError) -> GetResourcesOutput {
        struct Input: Encodable {
            var paginationToken: String?
            var tagFilters: [TagFilter]?
            var resourcesPerPage: Int?
            var resourceTypeFilters: [String]?
            enum CodingKeys: String, CodingKey {
                case paginationToken = "PaginationToken"
                case tagFilters = "TagFilters"
                case resourcesPerPage = "ResourcesPerPage"
                case resourceTypeFilters = "ResourceTypeFilters"
            }
        }
        return try await client.jsonRPC(
            Self.rpc, "GetResources",
            input: Input(
                paginationToken: paginationToken, tagFilters: tagFilters.isEmpty ? nil : tagFilters,
                resourcesPerPage: resourcesPerPage,
                resourceTypeFilters: resourceTypeFilters.isEmpty ? nil : resourceTypeFilters),
            isIdempotent: true, deadline: deadline)
    }

    /// Every page of `GetResources` (Kinesis Video streams by default).
    public func getResourcesPages(
        tagFilters: [TagFilter] = [], resourceTypeFilters: [String] = ["kinesisvideo:stream"],
        resourcesPerPage: Int? = nil
    ) -> AWSPaginator<GetResourcesOutput> {
        let client = self
        return AWSPaginator(operation: "ResourceGroupsTagging.GetResources") { (token) async throws(AWSError) in
            let page = try await client.getResources(
                tagFilters: tagFilters, resourceTypeFilters: resourceTypeFilters, resourcesPerPage: resourcesPerPage,
                paginationToken: token)
            return (page, page.paginationToken)
        }
    }
}
