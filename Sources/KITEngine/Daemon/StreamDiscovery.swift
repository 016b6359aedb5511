import AWSClients
import Foundation
import Logging

/// The streams this fleet should process: the configured `streamNames` plus every Kinesis Video stream matching
/// `tagFilters` (Resource Groups Tagging `GetResources`, resource type `kinesisvideo:stream`). A failed lookup keeps
/// the previous answer (a tagging outage must not release every stream).
struct StreamDiscovery: Sendable {
    let names: [String]
    let tagFilters: [HostConfiguration.TagFilter]
    let tagging: ResourceGroupsTaggingClient?
    let logger: Logger

    func discover(previous: Set<String>) async -> Set<String> {
        var found = Set(names)
        guard !tagFilters.isEmpty, let tagging else { return found }
        do {
            let filters = tagFilters.map { TagFilter(key: $0.key, values: $0.values) }
            for try await page in tagging.getResourcesPages(tagFilters: filters) {
                for resource in page.resourceTagMappingList {
                    if let name = Self.streamName(fromARN: resource.resourceARN) { found.insert(name) }
                }
            }
            return found
        } catch {
            logger.warning("stream discovery by tags failed; keeping the last list", metadata: ["error": "\(error)"])
            return previous.union(found)
        }
    }

    /// `arn:aws:kinesisvideo:us-east-1:123456789012:stream/NAME/1600000000000` → `NAME`.
    static func streamName(fromARN arn: String) -> String? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[2] == "kinesisvideo" else { return nil }
        let resource = parts[5].split(separator: "/", omittingEmptySubsequences: false)
        guard resource.count >= 2, resource[0] == "stream", !resource[1].isEmpty else { return nil }
        return String(resource[1])
    }
}
