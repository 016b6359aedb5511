/*
 * The KIT plugin ABI, version 1.
 *
 * A plugin is a shared object (`lib<Name>.so`) exporting one C symbol, `kit_plugin_entry`, that returns a static
 * `kit_plugin_descriptor`: a table of plain C functions. The host (`kithost`) loads it with dlopen and talks to it
 * only through this header, so Swift types never cross the boundary and a plugin built with another Swift toolchain
 * (or in C) keeps working as long as the ABI version matches.
 *
 * The host gives each plugin instance a `kit_host_services` table: everything a plugin must not re-create for
 * itself (the HTTP transport, AWS credentials, logging, metrics, and the encoded frame behind a record).
 *
 * ## Memory ownership (the whole contract)
 * 1. Every pointer passed as an argument (strings, byte buffers, structs, arrays) is BORROWED: valid only until the
 *    function it was passed to returns — or, for a completion callback, until the callback returns. Whoever keeps
 *    data longer copies it.
 * 2. The descriptor returned by `kit_plugin_entry`, and the `name` / `version` strings in it, stay valid for the
 *    life of the process (plugins are never unloaded). The host services table and its `host` pointer stay valid
 *    until `destroy` returns.
 * 3. An instance pointer made by `create` belongs to the plugin; the host passes it back unchanged and calls
 *    `destroy` at most once, after every invocation on it has completed or been abandoned.
 * 4. Strings are NUL-terminated UTF-8. Byte buffers come with their length and are not NUL-terminated. A NULL
 *    pointer with length 0 is an empty buffer.
 *
 * ## Threads
 * Every function here may be called from any thread, concurrently. `handle` must return at once (the work runs
 * elsewhere) and report exactly once through its completion, from any thread. The host's asynchronous services
 * (`http_send`, `credentials`) likewise call their completion exactly once, possibly before they return.
 */
#ifndef KIT_PLUGIN_H
#define KIT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. The host refuses a plugin whose descriptor carries another one. */
#define KIT_PLUGIN_ABI_VERSION 1u
/* The one symbol a plugin exports. */
#define KIT_PLUGIN_ENTRY_SYMBOL "kit_plugin_entry"

/* Results of `create` and of an invocation. */
typedef enum {
    KIT_STATUS_OK = 0,
    /* The handler failed; the host retries the batch (with backoff, bisecting it) and then dead-letters it. */
    KIT_STATUS_ERROR = 1,
    /* The invocation stopped because the host called `cancel` (deadline). */
    KIT_STATUS_CANCELLED = 2,
} kit_status;

/* Log levels, as swift-log's. */
typedef enum {
    KIT_LOG_TRACE = 0,
    KIT_LOG_DEBUG = 1,
    KIT_LOG_INFO = 2,
    KIT_LOG_NOTICE = 3,
    KIT_LOG_WARNING = 4,
    KIT_LOG_ERROR = 5,
    KIT_LOG_CRITICAL = 6,
} kit_log_level;

/* Metric kinds. Timers take nanoseconds. The host adds the `plugin` dimension itself. */
typedef enum {
    KIT_METRIC_COUNTER = 0,
    KIT_METRIC_TIMER_NANOSECONDS = 1,
    KIT_METRIC_GAUGE = 2,
} kit_metric_kind;

/* A name/value pair: log metadata, metric dimensions, HTTP headers. */
typedef struct {
    const char *name;
    const char *value;
} kit_pair;

/* ---- Host services --------------------------------------------------------------------------------------- */

typedef struct {
    const char *method;       /* "GET", "PUT", … */
    const char *url;          /* absolute http(s) URL */
    const kit_pair *headers;  /* in order; names as sent */
    size_t header_count;
    const uint8_t *body;
    size_t body_length;
    int64_t timeout_ms;       /* for the whole exchange; <= 0 uses the host's default */
    int32_t idempotent;       /* non-zero: the transport may resend it after a connection failure */
} kit_http_request;

typedef struct {
    int32_t status;           /* any HTTP status, 2xx or not */
    const kit_pair *headers;
    size_t header_count;
    const uint8_t *body;
    size_t body_length;
} kit_http_response;

/* `response` is NULL exactly when the exchange failed below HTTP (connect, timeout, TLS, …); then `error` says why
 * and `error_code` is the transport's code name ("connectFailed", "timedOut", …). Both borrowed (rule 1). */
typedef void (*kit_http_completion)(void *context, const kit_http_response *response, const char *error_code,
                                    const char *error);

typedef struct {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;        /* NULL when none */
    double expiration_epoch_seconds;  /* 0 when they do not expire */
} kit_credentials;

/* `credentials` is NULL exactly when none could be had; then `error` says why. */
typedef void (*kit_credentials_completion)(void *context, const kit_credentials *credentials, const char *error);

/* Receives the encoded frame of a record synchronously, or NULL / 0 / NULL when the host has none for it. */
typedef void (*kit_image_receiver)(void *context, const uint8_t *bytes, size_t length, const char *content_type);

typedef struct {
    uint32_t abi_version;  /* KIT_PLUGIN_ABI_VERSION */
    uint32_t size;         /* sizeof(kit_host_services) as the host knows it; later versions only append fields */
    void *host;            /* opaque; the first argument of every function below */
    const char *region;    /* the host's AWS region (e.g. "us-east-1"); never NULL */

    /* Sends a request through the host's HTTP transport (connection pool, TLS setup, timeouts). */
    void (*http_send)(void *host, const kit_http_request *request, kit_http_completion completion, void *context);
    /* AWS credentials for signing a call to `service` (SigV4 signing name, e.g. "s3") in `region`, from the host's
     * credential chain, refreshed ahead of expiry. */
    void (*credentials)(void *host, const char *service, const char *region, kit_credentials_completion completion,
                        void *context);
    /* One log line through the host's logger (labelled with the plugin's name). */
    void (*log)(void *host, int32_t level, const char *message, const kit_pair *metadata, size_t metadata_count);
    /* Records a metric through the host's metrics backend. */
    void (*metric)(void *host, int32_t kind, const char *name, double value, const kit_pair *dimensions,
                   size_t dimension_count);
    /* The encoded frame (JPEG/PNG, as sent to the endpoint) behind the record whose Lambda `eventID` is
     * `record_id`, while that record's batch is being handled. Calls `receive` before returning. */
    void (*frame_image)(void *host, const char *record_id, kit_image_receiver receive, void *context);
} kit_host_services;

/* ---- The plugin ------------------------------------------------------------------------------------------ */

/* Reports the end of one invocation. `error` (borrowed) describes a failure, NULL on success. */
typedef void (*kit_handle_completion)(void *context, int32_t status, const char *error);

typedef struct kit_plugin_descriptor {
    uint32_t abi_version;  /* KIT_PLUGIN_ABI_VERSION */
    uint32_t size;         /* sizeof(kit_plugin_descriptor) as the plugin knows it */
    const char *name;      /* unique among loaded plugins; [A-Za-z0-9._-]+ */
    const char *version;   /* free text, logged */
    const void *plugin_data;  /* opaque, for the plugin's own use (the Swift SDK keeps its handler type here) */

    /* Makes an instance from the plugin's configuration (a JSON document; "{}" when none) and the host's services
     * (valid until `destroy`, rule 2). On failure returns KIT_STATUS_ERROR and writes a NUL-terminated reason of at
     * most `error_capacity` bytes into `error`. */
    int32_t (*create)(const struct kit_plugin_descriptor *descriptor, const uint8_t *config, size_t config_length,
                      const kit_host_services *services, void **instance, char *error, size_t error_capacity);

    /* Starts handling one batch: a Lambda Kinesis event as JSON (`{"Records":[…]}`). Returns at once; reports
     * through `completion(context, …)` exactly once. `invocation` identifies it for `cancel`.
     * `deadline_epoch_ms` is when the host gives up (milliseconds since the Unix epoch, as Lambda's
     * `Lambda-Runtime-Deadline-Ms`). */
    void (*handle)(void *instance, uint64_t invocation, const uint8_t *event, size_t event_length,
                   int64_t deadline_epoch_ms, kit_handle_completion completion, void *context);

    /* Asks a running invocation to stop (its deadline passed). The completion is still due; the host no longer
     * waits for it. Unknown or finished invocations are ignored. */
    void (*cancel)(void *instance, uint64_t invocation);

    /* Releases the instance. */
    void (*destroy)(void *instance);
} kit_plugin_descriptor;

/* The entry point's type: given the host's ABI version, returns the plugin's descriptor (or NULL to decline). */
typedef const kit_plugin_descriptor *(*kit_plugin_entry_fn)(uint32_t host_abi_version);

#ifdef __cplusplus
}
#endif

#endif /* KIT_PLUGIN_H */
