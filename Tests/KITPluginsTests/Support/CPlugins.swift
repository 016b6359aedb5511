import Foundation
import KITTestSupport

/// Small plugins written in C against `kit_plugin.h` and compiled by the tests: the deliberately bad ones (no entry
/// symbol, a foreign ABI version, always failing, never completing) that a Swift plugin could not easily be.
enum CPlugins {
    enum Mode: String {
        case succeeds = "MODE_OK"
        case fails = "MODE_FAILS"
        case hangs = "MODE_HANGS"
    }

    static let source = #"""
        #include <stddef.h>
        #include "kit_plugin.h"

        #ifndef PLUGIN_ABI
        #define PLUGIN_ABI KIT_PLUGIN_ABI_VERSION
        #endif

        static int32_t create(const kit_plugin_descriptor *d, const uint8_t *config, size_t length,
                              const kit_host_services *services, void **instance, char *error, size_t capacity) {
            (void)d; (void)config; (void)length; (void)error; (void)capacity;
            services->log(services->host, KIT_LOG_INFO, "c plugin created", NULL, 0);
            *instance = (void *)services;
            return KIT_STATUS_OK;
        }

        static void handle(void *instance, uint64_t invocation, const uint8_t *event, size_t length,
                           int64_t deadline, kit_handle_completion done, void *context) {
            (void)instance; (void)invocation; (void)event; (void)length; (void)deadline;
        #if defined(MODE_FAILS)
            done(context, KIT_STATUS_ERROR, "boom: this plugin always fails");
        #elif defined(MODE_HANGS)
            (void)done; (void)context; /* never completes, ignores cancel */
        #else
            done(context, KIT_STATUS_OK, NULL);
        #endif
        }

        static void cancel(void *instance, uint64_t invocation) { (void)instance; (void)invocation; }
        static void destroy(void *instance) { (void)instance; }

        static const kit_plugin_descriptor descriptor = {
            PLUGIN_ABI, sizeof(kit_plugin_descriptor), PLUGIN_NAME, "0.1-c", NULL, create, handle, cancel, destroy,
        };

        #ifndef NO_ENTRY
        const kit_plugin_descriptor *kit_plugin_entry(uint32_t host_abi) { (void)host_abi; return &descriptor; }
        #else
        const kit_plugin_descriptor *some_other_symbol(void) { return &descriptor; }
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
