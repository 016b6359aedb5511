import KVSMatroska
import Testing

@testable import KVSLocal

/// KVS answers a fragment it cannot serve with an error document that has no fragment number, only the error and the
/// continuation token. The parser must hand it over as an error fragment, so the reader reconnects from its last
/// position instead of silently moving past the fragment it never got.
@Suite struct ErrorDocumentTests {
    @Test func anErrorDocumentWithoutAFragmentNumberIsAnErrorFragment() {
        let document = MediaStreamWriter.errorDocument([
            (KVSTagName.errorCode, "Requested fragment is not found"),
            (KVSTagName.errorId, "4000"),
            (KVSTagName.continuationToken, "91343852333181432000000000001795604420149000000"),
        ])
        var parser = MatroskaStreamParser()
        let fragments = (parser.feed(document) + parser.finish()).compactMap { event -> MatroskaFragment? in
            if case .fragment(let fragment) = event { return fragment }
            return nil
        }
        #expect(fragments.count == 1)
        let metadata = fragments.first?.metadata
        #expect(metadata?.success == false)
        #expect(metadata?.errorId == 4000 && metadata?.errorCode == "Requested fragment is not found")
        #expect(metadata?.continuationToken == "91343852333181432000000000001795604420149000000")
    }
}
