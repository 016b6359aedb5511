import HTTPTransportCore

/// The exchanges (HTTPTransportCore) reach the loop only through these three requests, each queued in the inbox.
/// A request that arrives after shutdown began is dropped: the loop is failing every transfer anyway.
extension CurlEventLoop: HTTPTransferDriver {
    func resumeReceiving(_ transferID: UInt64) {
        submit(.resumeReceive(transferID))
    }

    func resumeSending(_ transferID: UInt64) {
        submit(.resumeSend(transferID))
    }

    func cancelTransfer(_ transferID: UInt64, with error: HTTPError) {
        submit(.cancel(transferID, error))
    }
}
