import Foundation
import KITTestSupport

/// Small plugins written in C against `kit_plugin.h` and compiled by the tests: the deliberately bad ones (no entry
/// symbol, a foreign ABI version, always failing, never completing) that a Swift plugin could not easily be.
enum CPlugins {
    enum Mode: String {
        case succeeds = "MODE_OK"
        case fails = "MODE_FAILS"
        case hangs = "MODE_HANGS"
        case createFails = "MODE_CREATE_FAILS"
    }

    static let source = #"""
        #include <stddef.h>
        #include "kit_plugin.h"

        #ifndef PLUGIN_ABI
        #define PLUGIN_ABI KIT_PLUGIN_ABI_VERSION
        #endif

        #if PLUGIN_ABI == 1
        /* A version-1 plugin, as built against the first header: synchronous create, no item failures. */
        static int32_t create(const kit_plugin_descriptor_v1 *d, const uint8_t *config, size_t length,
                              const kit_host_services *services, void **instance, char *error, size_t capacity) {
            (void)d; (void)config; (void)length;
        #if defined(MODE_CREATE_FAILS)
            (void)services; (void)instance;
            if (capacity > 8) { error[0] = 'n'; error[1] = 'o'; error[2] = 'p'; error[3] = 'e'; error[4] = 0; }
            return KIT_STATUS_ERROR;
        #else
            (void)error; (void)capacity;
            services->log(services->host, KIT_LOG_INFO, "c plugin created", NULL, 0);
            *instance = (void *)services;
            return KIT_STATUS_OK;
        #endif
        }
        typedef kit_handle_completion_v1 completion_fn;
        #define COMPLETE(done, context, status, error) done(context, status, error)
        #else
        static void create(const kit_plugin_descriptor *d, const uint8_t *config, size_t length,
                           const kit_host_services *services, kit_create_completion done, void *context) {
            (void)d; (void)config; (void)length;
        #if defined(MODE_CREATE_FAILS)
            (void)services;
            done(context, NULL, "create refused: missing key \"destination\"");
        #else
            services->log(services->host, KIT_LOG_INFO, "c plugin created", NULL, 0);
            done(context, (void *)services, NULL);
        #endif
        }
        typedef kit_handle_completion completion_fn;
        #define COMPLETE(done, context, status, error) done(context, status, error, NULL)
        #endif

        static void handle(void *instance, uint64_t invocation, const uint8_t *event, size_t length,
                           int64_t deadline, completion_fn done, void *context) {
            (void)instance; (void)invocation; (void)event; (void)length; (void)deadline;
        #if defined(MODE_FAILS)
            COMPLETE(done, context, KIT_STATUS_ERROR, "boom: this plugin always fails");
        #elif defined(MODE_HANGS)
            (void)done; (void)context; /* never completes, ignores cancel */
        #else
            COMPLETE(done, context, KIT_STATUS_OK, NULL);
        #endif
        }

        static void cancel(void *instance, uint64_t invocation) { (void)instance; (void)invocation; }
        static void destroy(void *instance) { (void)instance; }

        #if PLUGIN_ABI == 1
        static const kit_plugin_descriptor_v1 descriptor = {
            1, sizeof(kit_plugin_descriptor_v1), PLUGIN_NAME, "0.1-c-v1", NULL, create, handle, cancel, destroy,
        };
        #else
        static const kit_plugin_descriptor descriptor = {
            PLUGIN_ABI, sizeof(kit_plugin_descriptor), PLUGIN_NAME, "0.1-c", NULL, create, handle, cancel, destroy,
        };
        #endif

        #ifndef NO_ENTRY
        const void *kit_plugin_entry(uint32_t host_abi) { (void)host_abi; return &descriptor; }
        #else
        const void *some_other_symbol(void) { return &descriptor; }
        #endif
        """#

    /// Compiles a plugin into `directory/lib<file>.so`.
    @discardableResult
    static func build(
        _ file: String, name: String, mode: Mode = .succeeds, abi: Int? = nil, entry: Bool = true, in directory: URL
    ) async throws -> URL {
        guard let compiler = TestPaths.tool("cc") ?? TestPaths.tool("clang") else {
            throw TestFailure("no C compiler (cc or clang)")
        }
        let sourceURL = directory.appendingPathComponent(".src-\(file).c")
        try source.write(to: sourceURL, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: sourceURL) }
        let output = directory.appendingPathComponent("lib\(file).so")
        var arguments = [
            "-shared", "-fPIC", "-O1", "-I",
            TestPaths.packageRoot.appendingPathComponent("Sources/CKITPlugin/include").path,
            "-DPLUGIN_NAME=\"\(name)\"", "-D\(mode.rawValue)=1", "-o", output.path, sourceURL.path,
        ]
        if let abi { arguments.insert("-DPLUGIN_ABI=\(abi)", at: 0) }
        if !entry { arguments.insert("-DNO_ENTRY=1", at: 0) }
        let result = try await runProgram(compiler, arguments)
        guard result.status == 0 else { throw TestFailure("cc failed: \(result.output)") }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: output.path)
        return output
    }
}
