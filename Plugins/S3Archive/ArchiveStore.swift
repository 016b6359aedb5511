import Foundation
import PluginAPI

/// Where archives go: an S3 bucket and key prefix, or a local directory (`file://`) laid out the same way.
struct ArchiveStore: Sendable, CustomStringConvertible {
    private enum Target: Sendable {
        case s3(S3Client, bucket: String, prefix: String)
        case directory(URL, prefix: String)
    }
    private let target: Target

    init(
        destination: String, aws: PluginAWS, region: String?, endpoint: String?, addressingStyle: S3AddressingStyle
    ) throws {
        if destination.hasPrefix("s3://") {
            let rest = destination.dropFirst("s3://".count)
            let bucket = String(rest.prefix { $0 != "/" })
            guard !bucket.isEmpty else { throw S3ArchiveError("no bucket in destination \(destination)") }
            let prefix = String(rest.dropFirst(bucket.count).drop { $0 == "/" })
            target = .s3(
                try aws.s3(region: region, endpoint: endpoint, addressingStyle: addressingStyle), bucket: bucket,
                prefix: prefix)
        } else if destination.hasPrefix("file://") {
            let path = String(destination.dropFirst("file://".count))
            guard path.hasPrefix("/") else {
                throw S3ArchiveError("file:// destination must be absolute: \(destination)")
            }
            // `file:///dir/` is the directory; anything after its last `/` is a key prefix, as in S3.
            let url = URL(fileURLWithPath: path)
            if path.hasSuffix("/") {
                target = .directory(url, prefix: "")
            } else {
                target = .directory(url.deletingLastPathComponent(), prefix: url.lastPathComponent)
            }
        } else {
            throw S3ArchiveError("destination must be s3://bucket/prefix/ or file:///directory/, not \(destination)")
        }
    }

    var description: String {
        switch target {
        case .s3(_, let bucket, let prefix): "s3://\(bucket)/\(prefix)"
        case .directory(let url, let prefix): "file://\(url.path)/\(prefix)"
        }
    }

    func exists(_ key: String) async throws -> Bool {
        switch target {
        case .s3(let client, let bucket, let prefix):
            do {
                _ = try await client.headObject(bucket: bucket, key: prefix + key)
                return true
            } catch  where error.isNotFound {
                return false
            }
        case .directory(let url, let prefix):
            return FileManager.default.fileExists(atPath: url.appendingPathComponent(prefix + key).path)
        }
    }

    func put(_ key: String, _ body: [UInt8], contentType: String) async throws {
        switch target {
        case .s3(let client, let bucket, let prefix):
            try await client.putObject(bucket: bucket, key: prefix + key, body: body, contentType: contentType)
        case .directory(let url, let prefix):
            let file = url.appendingPathComponent(prefix + key)
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(body).write(to: file, options: .atomic)
        }
    }
}
