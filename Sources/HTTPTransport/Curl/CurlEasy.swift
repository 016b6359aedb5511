import CCurl
import HTTPTransportCore

/// Owns one libcurl easy handle together with the memory curl keeps pointers into while the transfer runs: the
/// request header list and the error buffer. Everything is freed in `deinit`, after the handle was removed from
/// the multi handle. Used only on the loop thread, so it is deliberately not `Sendable`.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private static let errorBufferSize = Int(kit_curl_error_size())

    init() throws(HTTPError) {
        guard let handle = curl_easy_init() else {
            throw HTTPError(
                code: .internalError, message: "curl_easy_init returned NULL",
                curlFunction: "curl_easy_init")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Self.errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: Self.errorBufferSize)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// curl's detailed message for the last failure ("Failed to connect to … port …: Connection refused"), if any.
    var errorDetail: String? {
        errorBuffer[Self.errorBufferSize - 1] = 0
        let text = String(cString: errorBuffer)
        return text.isEmpty ? nil : text
    }

    func set(_ option: CURLoption, _ value: Int) throws(HTTPError) {
        try Curl.check(
            kit_curl_easy_setopt_long(handle, option, value), "curl_easy_setopt(\(option.rawValue))")
    }

    func set(_ option: CURLoption, _ value: Bool) throws(HTTPError) {
        try set(option, value ? 1 : 0)
    }

    func set(_ option: CURLoption, offset value: Int64) throws(HTTPError) {
        try Curl.check(
            kit_curl_easy_setopt_off_t(handle, option, curl_off_t(value)),
            "curl_easy_setopt(\(option.rawValue))")
    }

    /// String options: libcurl copies them (since 7.17), so the Swift string need not outlive the call.
    func set(_ option: CURLoption, _ value: String) throws(HTTPError) {
        try Curl.check(
            kit_curl_easy_setopt_str(handle, option, value), "curl_easy_setopt(\(option.rawValue))")
    }

    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws(HTTPError) {
        try Curl.check(
            kit_curl_easy_setopt_ptr(handle, option, value), "curl_easy_setopt(\(option.rawValue))")
    }

    func set(_ option: CURLoption, writeFunction value: curl_write_callback) throws(HTTPError) {
        try Curl.check(
            kit_curl_easy_setopt_write_func(handle, option, value), "curl_easy_setopt(\(option.rawValue))"
        )
    }

    func set(_ option: CURLoption, readFunction value: curl_read_callback) throws(HTTPError) {
        try Curl.check(
            kit_curl_easy_setopt_read_func(handle, option, value), "curl_easy_setopt(\(option.rawValue))")
    }

    /// Replaces the request header list; the list is owned here because curl does not copy it.
    func setHeaderLines(_ lines: [String]) throws(HTTPError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw HTTPError(
                    code: .internalError, message: "curl_slist_append returned NULL",
                    curlFunction: "curl_slist_append")
            }
            list = appended
        }
        do throws(HTTPError) {
            try Curl.check(
                kit_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list), "curl_easy_setopt(HTTPHEADER)"
            )
        } catch {
            curl_slist_free_all(list)
            throw error
        }
        curl_slist_free_all(headerList)
        headerList = list
    }

    /// Sets a fixed request body; curl copies it, so it can rewind and resend it on a stale keep-alive connection.
    func setCopiedBody(_ bytes: [UInt8]) throws(HTTPError) {
        try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(bytes.count))
        // COPYPOSTFIELDS copies POSTFIELDSIZE bytes at once; an empty body still needs a valid pointer.
        var storage = bytes.isEmpty ? [0] : bytes
        let code = storage.withUnsafeMutableBytes { buffer in
            kit_curl_easy_setopt_ptr(handle, CURLOPT_COPYPOSTFIELDS, buffer.baseAddress)
        }
        try Curl.check(code, "curl_easy_setopt(COPYPOSTFIELDS)")
    }

    /// `curl_easy_pause` with the bitmask of directions that stay paused (0 resumes both).
    func pause(_ bitmask: Int32) throws(HTTPError) {
        try Curl.check(curl_easy_pause(handle, bitmask), "curl_easy_pause")
    }

    func info(_ info: CURLINFO) throws(HTTPError) -> Int {
        var value = 0
        try Curl.check(
            kit_curl_easy_getinfo_long(handle, info, &value), "curl_easy_getinfo(\(info.rawValue))")
        return value
    }
}
