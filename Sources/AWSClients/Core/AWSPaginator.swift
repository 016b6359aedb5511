/// Pages of a paginated AWS list call as an `AsyncSequence`: the first request goes without a token, each next one
/// with the token the previous page returned, until a page comes back without one. A token seen twice, or more
/// than `maxPages` pages, ends the sequence with ``AWSError/Code/invalidResponse`` instead of looping forever.
public struct AWSPaginator<Page: Sendable>: AsyncSequence, Sendable {
    public typealias Element = Page
    public typealias Failure = AWSError

    let operation: String
    let maxPages: Int
    let fetch: @Sendable (_ token: String?) async throws(AWSError) -> (page: Page, nextToken: String?)

    public init(
        operation: String, maxPages: Int = 100_000,
        fetch: @escaping @Sendable (_ token: String?) async throws(AWSError) -> (page: Page, nextToken: String?)
    ) {
        self.operation = operation
        self.maxPages = maxPages
        self.fetch = fetch
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = Page
        public typealias Failure = AWSError
        let paginator: AWSPaginator
        var token: String?
        var seen: Set<String> = []
        var pages = 0
        var finished = false

        public mutating func next() async throws(AWSError) -> Page? {
            guard !finished else { return nil }
            guard pages < paginator.maxPages else {
                finished = true
                throw AWSError(
                    .invalidResponse, operation: paginator.operation, "more than \(paginator.maxPages) pages")
            }
            let (page, nextToken) = try await paginator.fetch(token)
            pages += 1
            if let nextToken, !nextToken.isEmpty {
                guard seen.insert(nextToken).inserted else {
                    finished = true
                    throw AWSError(
                        .invalidResponse, operation: paginator.operation, "the service repeated a pagination token")
                }
                token = nextToken
            } else {
                finished = true
            }
            return page
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(paginator: self) }

    /// Every page's elements, concatenated.
    public func collect<Item>(_ items: (Page) -> [Item]) async throws(AWSError) -> [Item] {
        var all: [Item] = []
        var iterator = makeAsyncIterator()
        while let page = try await iterator.next() { all += items(page) }
        return all
    }
}
