/*
 * The KIT plugin ABI, version 2 (hosts also load version-1 plugins; see "Version 1" at the end).
 *
 * A plugin is a shared object (`lib<Name>.so`) exporting one C symbol, `kit_plugin_entry`, that returns a static
 * `kit_plugin_descriptor`: a table of plain C functions. The host (`kithost`) loads it with dlopen and talks to it
 * only through this header, so Swift types never cross the boundary and a plugin built with another Swift toolchain
 * (or in C) keeps working as long as the ABI version matches.
 *
 * The host gives each plugin instance a `kit_host_services` table: everything a plugin must not re-create for
 * itself (the HTTP transport, AWS request signing, logging, metrics, and the encoded frame behind a record).
 *
 * ## What version 2 changed
 * - `create` is asynchronous (it reports through a completion), so a plugin may do I/O while it starts.
 * - `handle`'s completion can report Lambda-style partial batch failures (`kit_batch_item_failures`).
 * - The services table gained `aws_sign`: the host signs a plugin's AWS requests, so plugins carry no crypto and
 *   hold no secret; raw `credentials` are answered only when granted.
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
 * elsewhere) and report exactly once through its completion, from any thread; so must `create`. The host's
 * asynchronous services (`http_send`, `credentials`, `aws_sign`) likewise call their completion exactly once,
 * possibly before they return.
 */
#ifndef KIT_PLUGIN_H
#define KIT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. */
#define KIT_PLUGIN_ABI_VERSION 2u
/* The oldest descriptor version a host of this version still loads. Any other version is refused. */
#define KIT_PLUGIN_ABI_VERSION_MIN 1u
/* The one symbol a plugin exports. */
#define KIT_PLUGIN_ENTRY_SYMBOL "kit_plugin_entry"

/* Results of `create` and of an invocation. */
typedef enum {
    KIT_STATUS_OK = 0,
    /* The handler failed as a whole; the host retries the batch (with backoff, bisecting it) and then
     * dead-letters what still fails. (To fail only some records, complete with KIT_STATUS_OK and a list of
     * batch item failures: see `kit_handle_completion`.) */
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

/* An AWS request for the host to sign (ABI 2): everything SigV4 covers, nothing it does not. */
typedef struct {
    const char *signing_name;  /* SigV4 signing name: "s3", "kinesisvideo", … */
    const char *region;        /* NULL: the host's region */
    const char *method;
    const char *scheme;        /* "https" or "http"; not signed */
    const char *authority;     /* host or host:port (no default port), as the Host header will say */
    const char *path;          /* as it goes on the wire, already percent-encoded */
    const kit_pair *query;     /* decoded names and values, in the order they will be sent */
    size_t query_count;
    const kit_pair *headers;   /* in order; the host adds or replaces only its own (Authorization, X-Amz-*) */
    size_t header_count;
    const uint8_t *body;       /* hashed by the host when `payload_hash` is NULL */
    size_t body_length;
    const char *payload_hash;  /* NULL: SHA-256 of `body`; else the literal to sign ("UNSIGNED-PAYLOAD", …) */
    int32_t s3_rules;          /* non-zero: Amazon S3's canonicalisation (the path is signed as sent) */
    int64_t date_epoch_ms;     /* the signing time; 0: the host's clock now */
} kit_aws_request;

/* The signed request: append `path_and_query` (encoded exactly as signed) to `scheme://authority`, send
 * `headers` (the complete list, signature included) and the body unchanged. */
typedef struct {
    const char *path_and_query;
    const kit_pair *headers;
    size_t header_count;
} kit_aws_signed_request;

/* `request` is NULL exactly when the host could not sign (no credentials, say); then `error` says why. */
typedef void (*kit_aws_sign_completion)(void *context, const kit_aws_signed_request *request, const char *error);

/* Receives the encoded frame of a record synchronously, or NULL / 0 / NULL when the host has none for it. */
typedef void (*kit_image_receiver)(void *context, const uint8_t *bytes, size_t length, const char *content_type);

typedef struct {
    uint32_t abi_version;  /* the version the host speaks to this plugin: its descriptor's */
    uint32_t size;         /* sizeof(kit_host_services) as the host knows it; later versions only append fields */
    void *host;            /* opaque; the first argument of every function below */
    const char *region;    /* the host's AWS region (e.g. "us-east-1"); never NULL */

    /* Sends a request through the host's HTTP transport (connection pool, TLS setup, timeouts). */
    void (*http_send)(void *host, const kit_http_request *request, kit_http_completion completion, void *context);
    /* Raw AWS credentials for `service` (SigV4 signing name, e.g. "s3") in `region`, from the host's credential
     * chain, refreshed ahead of expiry. A plugin that only calls AWS should use `aws_sign` instead and never hold
     * a secret: for ABI-2 plugins the host answers this only when the plugin's configuration entry grants
     * `"rawCredentials": true` (version-1 plugins, which cannot sign otherwise, always get them). */
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

    /* ---- ABI 2 ---- */
    /* Signs `request` with the host's credentials (SigV4), so the plugin needs neither crypto nor a secret.
     * Asynchronous: reports exactly once through `completion`, possibly before returning. Sign each attempt
     * afresh (a signature carries its time). */
    void (*aws_sign)(void *host, const kit_aws_request *request, kit_aws_sign_completion completion, void *context);
} kit_host_services;

/* ---- The plugin ------------------------------------------------------------------------------------------ */

/* Lambda's partial batch response (`{"batchItemFailures":[{"itemIdentifier":…}]}` with
 * `ReportBatchItemFailures`): the `kinesis.sequenceNumber`s of the records that failed. The host re-delivers from
 * the first (lowest in batch order) of them on; the records before it are done and never delivered again. An
 * identifier that is empty or names no record of the batch fails the whole batch, as in Lambda. */
typedef struct {
    const char *const *item_identifiers;
    size_t count;
} kit_batch_item_failures;

/* Reports the end of one invocation. `error` (borrowed) describes a failure, NULL on success. With
 * KIT_STATUS_OK, `failures` (borrowed; NULL or count 0 when every record succeeded) lists failed records; with
 * any other status it is ignored. */
typedef void (*kit_handle_completion)(void *context, int32_t status, const char *error,
                                      const kit_batch_item_failures *failures);

/* Reports the end of `create`: the new instance, or NULL and a reason (borrowed). */
typedef void (*kit_create_completion)(void *context, void *instance, const char *error);

typedef struct kit_plugin_descriptor {
    uint32_t abi_version;  /* KIT_PLUGIN_ABI_VERSION */
    uint32_t size;         /* sizeof(kit_plugin_descriptor) as the plugin knows it */
    const char *name;      /* unique among loaded plugins; [A-Za-z0-9._-]+ */
    const char *version;   /* free text, logged */
    const void *plugin_data;  /* opaque, for the plugin's own use (the Swift SDK keeps its handler type here) */

    /* Makes an instance from the plugin's configuration (a JSON document; "{}" when none) and the host's services
     * (valid until `destroy`, rule 2). Returns at once and reports exactly once through `completion(context, …)`,
     * from any thread: the instance, or NULL and why (an unknown configuration key, an unreachable dependency…).
     * The host gives up after its create timeout; a late completion is then ignored (its instance is destroyed). */
    void (*create)(const struct kit_plugin_descriptor *descriptor, const uint8_t *config, size_t config_length,
                   const kit_host_services *services, kit_create_completion completion, void *context);

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

/* ---- Version 1 ------------------------------------------------------------------------------------------- *
 * A version-1 plugin's descriptor has the same fields at the same offsets, but `create` is synchronous and
 * `handle`'s completion has no batch item failures. The host reads `abi_version` first and, for 1, uses these
 * types; such a plugin's batches either succeed or fail as a whole. Its services table is the version-2 table
 * (version 1 knew only the fields up to `frame_image`, which come first). */
typedef void (*kit_handle_completion_v1)(void *context, int32_t status, const char *error);

typedef struct kit_plugin_descriptor_v1 {
    uint32_t abi_version;  /* 1 */
    uint32_t size;
    const char *name;
    const char *version;
    const void *plugin_data;
    /* Returns KIT_STATUS_OK with `*instance` set, or KIT_STATUS_ERROR with a NUL-terminated reason of at most
     * `error_capacity` bytes in `error`. */
    int32_t (*create)(const struct kit_plugin_descriptor_v1 *descriptor, const uint8_t *config, size_t config_length,
                      const kit_host_services *services, void **instance, char *error, size_t error_capacity);
    void (*handle)(void *instance, uint64_t invocation, const uint8_t *event, size_t event_length,
                   int64_t deadline_epoch_ms, kit_handle_completion_v1 completion, void *context);
    void (*cancel)(void *instance, uint64_t invocation);
    void (*destroy)(void *instance);
} kit_plugin_descriptor_v1;

#ifdef __cplusplus
}
#endif

#endif /* KIT_PLUGIN_H */
