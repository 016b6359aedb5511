import AWSSigV4
import CKITPlugin
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Finds, checks, opens and instantiates plugins. Because `dlopen` runs the file's code, a file is opened only
/// after it passed every check that needs no code: its directory and itself writable by no one but their owner
/// (the running user or root), its SHA-256 in the allow-list when there is one. Then the descriptor must carry
/// this host's ABI version, every function and a valid, unused name. Files are opened `RTLD_NOW | RTLD_LOCAL`
/// (missing dependencies fail now, not mid-dispatch; the plugin's own copies of the SDK's symbols stay private)
/// and never closed: Swift code cannot be safely unloaded, and a refused file that was opened stays mapped too.
struct PluginLoader {
    var services: HostServices
    var images: FrameImageStore
    var allowedDigests: Set<String>
    var configs: [String: [UInt8]]
    var logger: Logger

    /// `lib*.so` files in `directory`, sorted by name, or why the directory itself is refused.
    func candidates(in directory: String) -> Result<[String], PluginRefusal> {
        if let problem = Self.permissionProblem(directory, kind: "plugin directory") {
            return .failure(PluginRefusal(.unsafePermissions, problem))
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            return .failure(PluginRefusal(.unreadable, "cannot list plugin directory \(directory): \(error)"))
        }
        return .success(
            names.filter { $0.hasPrefix("lib") && $0.hasSuffix(".so") }.sorted().map {
                URL(fileURLWithPath: directory).appendingPathComponent($0).path
            })
    }

    /// Checks and opens one file. `takenNames` are the names of plugins already running.
    func load(path: String, takenNames: Set<String>) -> (PluginLoadReport, LoadedPlugin?) {
        var report = PluginLoadReport(path: path)
        if let problem = Self.permissionProblem(path, kind: "plugin file") {
            report.refusal = PluginRefusal(.unsafePermissions, problem)
            return (report, nil)
        }
        guard let contents = FileManager.default.contents(atPath: path) else {
            report.refusal = PluginRefusal(.unreadable, "cannot read \(path)")
            return (report, nil)
        }
        let digest = PayloadHash.sha256(of: contents).value
        report.sha256 = digest
        if !allowedDigests.isEmpty, !allowedDigests.contains(digest) {
            report.refusal = PluginRefusal(
                .digestNotAllowed,
                "SHA-256 \(digest) is not in the allow-list (allowedDigests); add it to trust this file")
            return (report, nil)
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            report.refusal = PluginRefusal(.openFailed, "dlopen failed: \(reason)")
            return (report, nil)
        }
        guard let symbol = dlsym(handle, KIT_PLUGIN_ENTRY_SYMBOL) else {
            report.refusal = PluginRefusal(
                .missingSymbol,
                "no \(KIT_PLUGIN_ENTRY_SYMBOL) symbol: not a KIT plugin, or built without its export line "
                    + "(@_cdecl(\"kit_plugin_entry\"))")
            return (report, nil)
        }
        let entry = unsafeBitCast(symbol, to: kit_plugin_entry_fn.self)
        guard let descriptor = entry(kitABIVersion) else {
            report.refusal = PluginRefusal(
                .declined, "\(KIT_PLUGIN_ENTRY_SYMBOL) returned NULL for host ABI \(kitABIVersion)")
            return (report, nil)
        }
        return instantiate(
            descriptor, path: path, sha256: digest, manifest: Self.manifestPath(for: path),
            takenNames: takenNames, report: report)
    }

    /// Validates a descriptor and creates its instance. Also the door for plugins linked into the host process.
    func instantiate(
        _ descriptor: UnsafePointer<kit_plugin_descriptor>, path: String, sha256: String, manifest: String?,
        takenNames: Set<String>, report: PluginLoadReport
    ) -> (PluginLoadReport, LoadedPlugin?) {
        var report = report
        let fields = descriptor.pointee
        guard fields.abi_version == kitABIVersion else {
            report.refusal = PluginRefusal(
                .unsupportedABI,
                "plugin ABI version \(fields.abi_version) is not supported (this host speaks \(kitABIVersion)); "
                    + "rebuild the plugin against this host's PluginAPI")
            return (report, nil)
        }
        guard Int(fields.size) >= MemoryLayout<kit_plugin_descriptor>.size else {
            report.refusal = PluginRefusal(
                .invalidDescriptor,
                "descriptor is \(fields.size) bytes, ABI \(kitABIVersion) needs \(MemoryLayout<kit_plugin_descriptor>.size)"
            )
            return (report, nil)
        }
        guard let create = fields.create, fields.handle != nil, fields.cancel != nil, fields.destroy != nil else {
            report.refusal = PluginRefusal(.invalidDescriptor, "descriptor lacks create, handle, cancel or destroy")
            return (report, nil)
        }
        let name = fields.name.map { String(cString: $0) } ?? ""
        let version = fields.version.map { String(cString: $0) } ?? ""
        report.version = version
        guard Self.isValidName(name) else {
            report.refusal = PluginRefusal(
                .invalidDescriptor, "plugin name \"\(name)\" is not 1–64 characters of [A-Za-z0-9._-]")
            return (report, nil)
        }
        report.name = name
        guard !takenNames.contains(name) else {
            report.refusal = PluginRefusal(.duplicateName, "a plugin named \(name) is already loaded")
            return (report, nil)
        }
        let config: [UInt8]
        if let configured = configs[name] {
            config = configured
        } else if let manifest, FileManager.default.fileExists(atPath: manifest) {
            if let problem = Self.permissionProblem(manifest, kind: "plugin manifest") {
                report.refusal = PluginRefusal(.unsafePermissions, problem)
                return (report, nil)
            }
            guard let bytes = FileManager.default.contents(atPath: manifest) else {
                report.refusal = PluginRefusal(.unreadable, "cannot read manifest \(manifest)")
                return (report, nil)
            }
            config = Array(bytes)
        } else {
            config = Array("{}".utf8)
        }
        let host = PluginHostContext(pluginName: name, services: services, images: images)
        var instance: UnsafeMutableRawPointer?
        var error = [CChar](repeating: 0, count: 1024)
        let status = config.withUnsafeBufferPointer { bytes in
            error.withUnsafeMutableBufferPointer { buffer in
                create(
                    descriptor, bytes.baseAddress, bytes.count, UnsafePointer(host.table), &instance,
                    buffer.baseAddress, buffer.count - 1)
            }
        }
        guard status == kitStatusOK else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            report.refusal = PluginRefusal(
                .createFailed, "create failed: \(reason.isEmpty ? "status \(status), no reason given" : reason)")
            return (report, nil)
        }
        let plugin = LoadedPlugin(
            name: name, version: version, path: path, sha256: sha256, descriptor: descriptor, instance: instance,
            host: host)
        logger.info(
            "plugin loaded",
            metadata: ["plugin": "\(name)", "version": "\(version)", "path": "\(path)", "sha256": "\(sha256)"])
        return (report, plugin)
    }

    /// `libFoo.so` → `libFoo.json` beside it.
    static func manifestPath(for path: String) -> String {
        URL(fileURLWithPath: path).deletingPathExtension().appendingPathExtension("json").path
    }

    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2D
            }
    }

    /// Why `path` must not be trusted, or `nil`: writable by group or others, or owned by someone other than the
    /// running user or root (who could then rewrite it).
    static func permissionProblem(_ path: String, kind: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return "cannot stat \(kind) \(path): \(String(cString: strerror(errno)))"
        }
        let writableByOthers = info.st_mode & (S_IWGRP | S_IWOTH)
        if writableByOthers != 0 {
            return "\(kind) \(path) is writable by group or others (mode \(String(info.st_mode & 0o7777, radix: 8))); "
                + "run chmod go-w on it"
        }
        let me = geteuid()
        if info.st_uid != me && info.st_uid != 0 {
            return "\(kind) \(path) is owned by uid \(info.st_uid), neither this user (uid \(me)) nor root"
        }
        return nil
    }
}
