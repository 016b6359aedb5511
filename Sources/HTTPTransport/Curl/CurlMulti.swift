import CCurl
import HTTPTransportCore

/// Owns the libcurl multi handle: the connection cache, DNS cache and every running transfer. Freed in `deinit`.
///
/// `@unchecked Sendable` because the owning ``CurlEventLoop`` is shared across threads; only ``wakeup()`` (which
/// libcurl documents as callable from any thread) is used off the loop thread. Everything else is loop-thread only.
final class CurlMulti: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer

    init(configuration: HTTPClient.Configuration) throws(HTTPError) {
        try Curl.globalInit.get()
        guard let handle = curl_multi_init() else {
            throw HTTPError(
                code: .internalError, message: "curl_multi_init returned NULL",
                curlFunction: "curl_multi_init")
        }
        self.handle = handle
        try set(CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxConnectionsPerHost)
        try set(CURLMOPT_MAX_TOTAL_CONNECTIONS, configuration.maxTotalConnections)
        try set(CURLMOPT_MAXCONNECTS, configuration.maxIdleConnections)
    }

    deinit {
        curl_multi_cleanup(handle)
    }

    private func set(_ option: CURLMoption, _ value: Int) throws(HTTPError) {
        try Curl.check(
            kit_curl_multi_setopt_long(handle, option, value), "curl_multi_setopt(\(option.rawValue))")
    }

    /// Makes a sleeping ``poll(timeoutMilliseconds:)`` return. Thread-safe.
    func wakeup() {
        // The only failure is a bad handle, which this type rules out; nothing useful to do with it on a caller's
        // thread, and the loop re-checks its inbox at least once a second anyway.
        _ = curl_multi_wakeup(handle)
    }

    func add(_ easy: CurlEasy) throws(HTTPError) {
        try Curl.check(curl_multi_add_handle(handle, easy.handle), "curl_multi_add_handle")
    }

    func remove(_ easy: CurlEasy) throws(HTTPError) {
        try Curl.check(curl_multi_remove_handle(handle, easy.handle), "curl_multi_remove_handle")
    }

    /// Drives every transfer as far as it can go without blocking.
    func perform() throws(HTTPError) {
        var running: Int32 = 0
        try Curl.check(curl_multi_perform(handle, &running), "curl_multi_perform")
    }

    /// Waits for socket activity, libcurl's own next timeout, ``wakeup()`` or `timeoutMilliseconds`.
    /// Returns how many descriptors had events (0 when it returned for a timeout).
    @discardableResult
    func poll(timeoutMilliseconds: Int32) throws(HTTPError) -> Int {
        var ready: Int32 = 0
        try Curl.check(curl_multi_poll(handle, nil, 0, timeoutMilliseconds, &ready), "curl_multi_poll")
        return Int(ready)
    }

    /// The next finished transfer, if any: its easy handle and result code.
    func nextFinished() -> (easy: UnsafeMutableRawPointer, result: CURLcode)? {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(handle, &remaining) {
            if message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle {
                return (easy, kit_curlmsg_result(message))
            }
        }
        return nil
    }
}
