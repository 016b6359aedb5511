/// The image formats an ``ImageEncoder`` writes (KIT's `EndPointAcceptContentType`).
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg
    case png

    /// The MIME type an endpoint is told: `image/jpeg` or `image/png`.
    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        }
    }

    /// The format for a MIME type (`EndPointAcceptContentType`), or `nil` for any other type.
    public init?(mimeType: String) {
        switch mimeType.lowercased() {
        case "image/jpeg", "image/jpg": self = .jpeg
        case "image/png": self = .png
        default: return nil
        }
    }
}
