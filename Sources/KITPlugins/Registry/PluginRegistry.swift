import CKITPlugin
import Foundation
import KITAsync
import Logging
import Metrics
import Synchronization

/// Which plugins run: every `lib*.so` of the plugin directory that passes the loader's checks, and — the contract
/// with the operator — every plugin the configuration names. A named plugin that does not load (missing, refused,
/// failing `create`) is a ``PluginProblem``: fatal unless its entry says `"optional": true`, in which case it is
/// reported as down (``down``, the `PluginDown` gauge) and tried again at the next ``load()``. A file nobody names
/// is loaded when valid and its refusal only logged, so dropping a plugin in the directory never stops a host.
///
/// ``load()`` runs at start and on SIGHUP: it opens files not loaded yet (refused ones are tried again) and never
/// unloads anything (Swift code cannot be unloaded). Loads are serialised.
public final class PluginRegistry: Sendable {
    public struct Configuration: Sendable {
        /// Where `lib*.so` plugins (and their optional `lib*.json` manifests) are; `nil` loads none from disk.
        public var directory: String?
        /// The configuration's entries, by plugin name.
        public var settings: [String: PluginSettings]
        /// Lower-case hex SHA-256 digests of the plugin files allowed to load; empty allows any file that passes
        /// the permission checks.
        public var allowedDigests: Set<String>
        /// How long a plugin's `create` may take.
        public var createTimeout: Duration

        public init(
            directory: String?, settings: [String: PluginSettings] = [:], allowedDigests: Set<String> = [],
            createTimeout: Duration = .seconds(30)
        ) {
            self.directory = directory
            self.settings = settings
            self.allowedDigests = allowedDigests
            self.createTimeout = createTimeout
        }
    }

    public let configuration: Configuration
    let services: HostServices
    let images: FrameImageStore
    private let logger: Logger
    let loads = AsyncSemaphore(permits: 1)
    private let state = Mutex(State())

    private struct State {
        var plugins: [LoadedPlugin] = []
        var loadedPaths: Set<String> = []
        var down: [PluginProblem] = []
    }

    init(configuration: Configuration, services: HostServices, images: FrameImageStore) {
        self.configuration = configuration
        self.services = services
        self.images = images
        logger = services.logger
    }

    /// The running plugins, in load order.
    var plugins: [LoadedPlugin] { state.withLock { $0.plugins } }

    /// Names of the running plugins, in load order.
    public var pluginNames: [String] { state.withLock { $0.plugins.map(\.name) } }

    /// Configured optional plugins that are not running, with why.
    public var down: [PluginProblem] { state.withLock { $0.down } }

    private var loader: PluginLoader {
        PluginLoader(
            services: services, images: images, allowedDigests: configuration.allowedDigests,
            createTimeout: configuration.createTimeout, logger: logger)
    }

    /// Loads every file of the directory not loaded yet, then checks the configured names against what runs.
    public func load() async -> PluginLoadSummary {
        do { try await loads.acquire() } catch { return PluginLoadSummary() }
        defer { loads.release() }
        var reports: [PluginLoadReport] = []
        if let directory = configuration.directory {
            switch loader.candidates(in: directory) {
            case .failure(let refusal):
                logger.error("plugin directory refused", metadata: ["path": "\(directory)", "reason": "\(refusal)"])
                reports.append(PluginLoadReport(path: directory, refusal: refusal))
            case .success(let paths):
                for path in paths where !state.withLock({ $0.loadedPaths.contains(path) }) {
                    reports.append(await loadFile(path))
                }
            }
        }
        let problems = match(reports)
        state.withLock { $0.down = problems.filter(\.optional) }
        reportDown(problems)
        return PluginLoadSummary(reports: reports, problems: problems)
    }

    /// Loads a plugin linked into this process (or the test process) from its descriptor — what its
    /// `kit_plugin_entry` returns — with every check that does not concern a file.
    public func register(descriptor: UnsafeRawPointer, origin: String) async -> PluginLoadReport {
        do { try await loads.acquire() } catch { return PluginLoadReport(path: origin, refusal: Self.cancelled) }
        defer { loads.release() }
        var report = PluginLoadReport(path: origin, sha256: "linked-in")
        guard let opened = loader.read(descriptor, path: origin, sha256: "linked-in", report: &report) else {
            return report
        }
        await instantiate(opened, report: &report)
        return report
    }

    static let cancelled = PluginRefusal(.declined, "cancelled before loading")

    func loadFile(_ path: String) async -> PluginLoadReport {
        var report = PluginLoadReport(path: path)
        if let opened = loader.open(path: path, report: &report) { await instantiate(opened, report: &report) }
        if let refusal = report.refusal {
            logger.error(
                "plugin refused",
                metadata: [
                    "path": "\(path)", "plugin": "\(report.name ?? "?")", "code": "\(refusal.code)",
                    "reason": "\(refusal.message)",
                ])
        }
        return report
    }

    private func instantiate(_ opened: PluginLoader.Opened, report: inout PluginLoadReport) async {
        let name = opened.entry.name
        guard !state.withLock({ $0.plugins.contains { $0.name == name } }) else {
            report.refusal = PluginRefusal(.duplicateName, "a plugin named \(name) is already loaded")
            return
        }
        guard
            let plugin = await loader.instantiate(opened, settings: configuration.settings[name], report: &report)
        else { return }
        state.withLock {
            $0.plugins.append(plugin)
            $0.loadedPaths.insert(opened.path)
        }
    }

    /// The configured plugins that are not running, each with the most useful reason: its own refusal, or — for a
    /// name that matches no file — the closest name that exists.
    private func match(_ reports: [PluginLoadReport]) -> [PluginProblem] {
        let running = Set(pluginNames)
        var problems: [PluginProblem] = []
        for (name, settings) in configuration.settings.sorted(by: { $0.key < $1.key }) where !running.contains(name) {
            let file = "lib\(name).so"
            let own = reports.first { $0.name == name && !$0.isLoaded }
                ?? reports.first { URL(fileURLWithPath: $0.path).lastPathComponent == file && !$0.isLoaded }
            let reason: String
            if let refusal = own?.refusal {
                reason = "did not load from \(own?.path ?? file): \(refusal)"
            } else {
                reason = missingReason(name, reports: reports)
            }
            problems.append(PluginProblem(plugin: name, optional: settings.optional, reason: reason))
        }
        return problems
    }

    private func missingReason(_ name: String, reports: [PluginLoadReport]) -> String {
        guard let directory = configuration.directory else {
            return "no pluginDir is configured, so no plugin named \(name) can load"
        }
        var known = Set(pluginNames)
        for report in reports {
            if let found = report.name { known.insert(found) }
            let file = URL(fileURLWithPath: report.path).deletingPathExtension().lastPathComponent
            if file.hasPrefix("lib") { known.insert(String(file.dropFirst(3))) }
        }
        if let files = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            for file in files where file.hasPrefix("lib") && file.hasSuffix(".so") {
                known.insert(String(file.dropFirst(3).dropLast(3)))
            }
        }
        var reason = "no plugin named \(name) in \(directory)"
        if let suggestion = NameSuggestion.closest(to: name, in: known.subtracting([name]).sorted()) {
            reason += "; did you mean \(suggestion)?"
        } else if !known.isEmpty {
            reason += " (plugins there: \(known.sorted().joined(separator: ", ")))"
        }
        return reason
    }

    private func reportDown(_ problems: [PluginProblem]) {
        let down = Set(problems.map(\.plugin))
        for name in configuration.settings.keys {
            Gauge(label: "PluginDown", dimensions: [("plugin", name)], factory: services.metrics)
                .record(down.contains(name) ? 1 : 0)
        }
        for problem in problems where problem.optional {
            logger.warning(
                "optional plugin is down; running without it",
                metadata: ["plugin": "\(problem.plugin)", "reason": "\(problem.reason)"])
        }
    }
}
