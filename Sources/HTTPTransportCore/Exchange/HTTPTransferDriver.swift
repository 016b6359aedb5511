/// What drives the transfers behind the exchanges of this module: an HTTP engine's event loop (HTTPTransport's
/// libcurl loop). An exchange is the hand-off between the engine's thread and the tasks reading or writing a body;
/// through this it asks the engine to un-pause or stop its transfer. `package`: the engines live in this package,
/// and a transport elsewhere (the plugin SDK's host transport) builds responses with
/// ``HTTPStreamingResponse/fixed(head:chunks:error:)`` instead.
package protocol HTTPTransferDriver: AnyObject, Sendable {
    /// The consumer drained a paused response body below half the buffer: receive again.
    func resumeReceiving(_ transferID: UInt64)
    /// The writer queued bytes for (or finished, or failed) a paused upload: send again.
    func resumeSending(_ transferID: UInt64)
    /// The consumer gave up (task cancelled, body dropped or cancelled): stop the transfer with `error`.
    func cancelTransfer(_ transferID: UInt64, with error: HTTPError)
}
