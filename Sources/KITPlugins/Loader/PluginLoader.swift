import AWSSigV4
import CKITPlugin
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Finds, checks, opens and instantiates plugins. Because `dlopen` runs the file's code, a file is opened only
/// after it passed every check that needs no code: its directory and itself writable by no one but their owner
/// (the running user or root), its SHA-256 in the allow-list when there is one. Then the descriptor must carry an
/// ABI version this host speaks, every function and a valid, unused name. Files are opened
/// `RTLD_NOW | RTLD_LOCAL` (missing dependencies fail now, not mid-dispatch; the plugin's own copies of the SDK's
/// symbols stay private) and never closed: Swift code cannot be safely unloaded, and a refused file that was
/// opened stays mapped too.
struct PluginLoader {
    var services: HostServices
    var images: FrameImageStore
    var allowedDigests: Set<String>
    var createTimeout: Duration
    var logger: Logger

    /// A file that passed every check that runs no plugin code, and its entry points.
    struct Opened {
        var path: String
        var sha256: String
        var entry: PluginEntryPoints
    }

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

    /// Checks and opens one file and reads its descriptor; `report` gets the digest, name and version found.
    func open(path: String, report: inout PluginLoadReport) -> Opened? {
        if let problem = Self.permissionProblem(path, kind: "plugin file") {
            report.refusal = PluginRefusal(.unsafePermissions, problem)
            return nil
        }
        guard let contents = FileManager.default.contents(atPath: path) else {
            report.refusal = PluginRefusal(.unreadable, "cannot read \(path)")
            return nil
        }
        let digest = PayloadHash.sha256(of: contents).value
        report.sha256 = digest
        if !allowedDigests.isEmpty, !allowedDigests.contains(digest) {
            report.refusal = PluginRefusal(
                .digestNotAllowed,
                "SHA-256 \(digest) is not in the allow-list (pluginAllowedDigests); add it to trust this file")
            return nil
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            report.refusal = PluginRefusal(.openFailed, "dlopen failed: \(reason)")
            return nil
        }
        guard let symbol = dlsym(handle, KIT_PLUGIN_ENTRY_SYMBOL) else {
            report.refusal = PluginRefusal(
                .missingSymbol,
                "no \(KIT_PLUGIN_ENTRY_SYMBOL) symbol: not a KIT plugin, or built without its export line "
                    + "(@c(kit_plugin_entry))")
            return nil
        }
        let entry = unsafeBitCast(symbol, to: kit_plugin_entry_fn.self)
        guard let descriptor = entry(UInt32(KIT_PLUGIN_ABI_VERSION)) else {
            report.refusal = PluginRefusal(
                .declined, "\(KIT_PLUGIN_ENTRY_SYMBOL) returned NULL for host ABI \(KIT_PLUGIN_ABI_VERSION)")
            return nil
        }
        return read(UnsafeRawPointer(descriptor), path: path, sha256: digest, report: &report)
    }

    /// Validates a descriptor (also the door for plugins linked into the host process).
    func read(_ descriptor: UnsafeRawPointer, path: String, sha256: String, report: inout PluginLoadReport)
        -> Opened?
    {
        let entry: PluginEntryPoints
        switch PluginEntryPoints.read(descriptor) {
        case .failure(let refusal):
            report.refusal = refusal
            return nil
        case .success(let read):
            entry = read
        }
        report.version = entry.version
        report.abiVersion = Int(entry.abiVersion)
        guard Self.isValidName(entry.name) else {
            report.refusal = PluginRefusal(
                .invalidDescriptor, "plugin name \"\(entry.name)\" is not 1–64 characters of [A-Za-z0-9._-]")
            return nil
        }
        report.name = entry.name
        return Opened(path: path, sha256: sha256, entry: entry)
    }

    /// Creates the instance with its configuration: the host's entry for it, else the manifest beside the file
    /// (`libFoo.json`), else `{}`.
    func instantiate(_ opened: Opened, settings: PluginSettings?, report: inout PluginLoadReport) async
        -> LoadedPlugin?
    {
        let name = opened.entry.name
        let config: [UInt8]
        if let settings {
            config = settings.configuration
        } else {
            switch Self.manifest(for: opened.path) {
            case .failure(let refusal):
                report.refusal = refusal
                return nil
            case .success(let bytes):
                config = bytes ?? Array("{}".utf8)
            }
        }
        // Version-1 plugins cannot sign through the host, so they keep getting raw credentials.
        let rawCredentials = opened.entry.abiVersion < 2 || settings?.rawCredentials == true
        let host = PluginHostContext(
            pluginName: name, abiVersion: opened.entry.abiVersion, services: services, images: images,
            rawCredentials: rawCredentials)
        switch await opened.entry.create(config: config, services: host.table, timeout: createTimeout) {
        case .failure(let refusal):
            report.refusal = refusal
            return nil
        case .success(let instance):
            logger.info(
                "plugin loaded",
                metadata: [
                    "plugin": "\(name)", "version": "\(opened.entry.version)", "path": "\(opened.path)",
                    "sha256": "\(opened.sha256)", "abi": "\(opened.entry.abiVersion)",
                ])
            return LoadedPlugin(
                path: opened.path, sha256: opened.sha256, entry: opened.entry, instance: instance.raw, host: host)
        }
    }

    /// The manifest's bytes, `nil` when there is none, or why it cannot be trusted or read.
    static func manifest(for path: String) -> Result<[UInt8]?, PluginRefusal> {
        let manifest = URL(fileURLWithPath: path).deletingPathExtension().appendingPathExtension("json").path
        guard FileManager.default.fileExists(atPath: manifest) else { return .success(nil) }
        if let problem = permissionProblem(manifest, kind: "plugin manifest") {
            return .failure(PluginRefusal(.unsafePermissions, problem))
        }
        guard let bytes = FileManager.default.contents(atPath: manifest) else {
            return .failure(PluginRefusal(.unreadable, "cannot read manifest \(manifest)"))
        }
        return .success(Array(bytes))
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
