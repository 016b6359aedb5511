import CCurl
import HTTPTransportCore

/// The one door for libcurl status codes: every `CURLcode`/`CURLMcode` a curl call or a finished transfer returns
/// goes through ``check(_:_:detail:)``, which throws an ``HTTPError`` carrying the code, the function name and
/// curl's message (the transfer's error buffer when it has one, else `curl_easy_strerror`/`curl_multi_strerror`).
enum Curl {
    static func check(_ code: CURLcode, _ function: @autoclosure () -> String, detail: String? = nil)
        throws(HTTPError)
    {
        guard code != CURLE_OK else { return }
        throw HTTPError(curl: code, function: function(), detail: detail)
    }

    static func check(_ code: CURLMcode, _ function: @autoclosure () -> String) throws(HTTPError) {
        guard code != CURLM_OK else { return }
        let message =
            curl_multi_strerror(code).map { String(cString: $0) } ?? "CURLMcode \(code.rawValue)"
        throw HTTPError(
            code: .internalError, message: message,
            curlCode: Int(code.rawValue), curlFunction: function())
    }

    /// `curl_global_init` exactly once per process, before the first handle is made (Swift runs a static
    /// `let` initialiser once, thread-safely).
    static let globalInit: Result<Void, HTTPError> = {
        do throws(HTTPError) {
            try check(curl_global_init(kit_curl_global_all()), "curl_global_init")
            return .success(())
        } catch {
            return .failure(error)
        }
    }()
}

extension HTTPError {
    /// Maps a libcurl easy-interface code to an opaque ``Code``.
    init(curl code: CURLcode, function: String, detail: String?) {
        let strerror =
            curl_easy_strerror(code).map { String(cString: $0) } ?? "CURLcode \(code.rawValue)"
        let message: String
        if let detail, !detail.isEmpty {
            message = "\(strerror): \(detail)"
        } else {
            message = strerror
        }
        self.init(
            code: Self.mapCode(code), message: message, curlCode: Int(code.rawValue),
            curlFunction: function)
    }

    private static func mapCode(_ code: CURLcode) -> Code {
        switch code {
        case CURLE_COULDNT_CONNECT: return .connectFailed
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .resolveFailed
        case CURLE_OPERATION_TIMEDOUT: return .timedOut
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE, CURLE_SSL_SHUTDOWN_FAILED,
            CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED:
            return .tls
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
            CURLE_SEND_FAIL_REWIND:
            return .connectionLost
        case CURLE_WEIRD_SERVER_REPLY, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_HTTP3,
            CURLE_BAD_CONTENT_ENCODING,
            CURLE_UNSUPPORTED_PROTOCOL, CURLE_RANGE_ERROR, CURLE_TOO_MANY_REDIRECTS:
            return .protocolError
        case CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION, CURLE_NOT_BUILT_IN:
            return .invalidRequest
        case CURLE_ABORTED_BY_CALLBACK: return .cancelled
        default: return .internalError
        }
    }
}
