// The request/response model, `HTTPExecuting`, `HTTPError` and the retry layer live in HTTPTransportCore (what the
// plugin SDK links); this module is the libcurl engine behind them. Host code that imports HTTPTransport sees both.
@_exported import HTTPTransportCore
