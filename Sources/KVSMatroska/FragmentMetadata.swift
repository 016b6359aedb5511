/// What KVS says about a fragment through its Matroska tags, with `description` byte-for-byte the Java KVS parser
/// library's `FragmentMetadata.toString()`, which existing consumers parse by position.
public struct FragmentMetadata: Sendable, Equatable, CustomStringConvertible {
    /// The fragment number exactly as sent (a long decimal string).
    public var fragmentNumber: String
    /// `ceil(seconds × 1000)` of `AWS_KINESISVIDEO_SERVER_TIMESTAMP`, computed in binary floating point as the Java
    /// library does, so the numbers agree with it to the millisecond; -1 on an error fragment.
    public var serverTimestampMillis: Int64
    /// As `serverTimestampMillis`, for `AWS_KINESISVIDEO_PRODUCER_TIMESTAMP`.
    public var producerTimestampMillis: Int64
    public var success: Bool
    public var errorId: Int64
    public var errorCode: String?
    /// The description GetMediaForFragmentList sends with `AWS_KINESISVIDEO_EXCEPTION_MESSAGE`.
    public var errorMessage: String?
    /// From the trailing tags of a GetMedia fragment.
    public var millisBehindNow: Int64?
    public var continuationToken: String?

    public init(
        fragmentNumber: String, serverTimestampMillis: Int64, producerTimestampMillis: Int64, success: Bool = true,
        errorId: Int64 = 0, errorCode: String? = nil, errorMessage: String? = nil, millisBehindNow: Int64? = nil,
        continuationToken: String? = nil
    ) {
        self.fragmentNumber = fragmentNumber
        self.serverTimestampMillis = serverTimestampMillis
        self.producerTimestampMillis = producerTimestampMillis
        self.success = success
        self.errorId = errorId
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.millisBehindNow = millisBehindNow
        self.continuationToken = continuationToken
    }

    /// True once the trailing tags arrived (the Java library's `isCompleteFragment`).
    public var isComplete: Bool { millisBehindNow != nil && continuationToken != nil }

    public var description: String {
        let millis = millisBehindNow.map { "OptionalLong[\($0)]" } ?? "OptionalLong.empty"
        let token = continuationToken.map { "Optional[\($0)]" } ?? "Optional.empty"
        return "FragmentMetadata(fragmentNumberString=\(fragmentNumber), "
            + "serverSideTimestampMillis=\(serverTimestampMillis), "
            + "producerSideTimestampMillis=\(producerTimestampMillis), "
            + "fragmentNumber=\(Self.bigIntegerForm(fragmentNumber)), success=\(success), errorId=\(errorId), "
            + "errorCode=\(errorCode ?? "null"), millisBehindNow=\(millis), continuationToken=\(token))"
    }

    /// Java prints `new BigInteger(s).toString()`: leading zeros and a leading '+' dropped.
    static func bigIntegerForm(_ s: String) -> String {
        var digits = Substring(s)
        var negative = false
        if let first = digits.first, first == "+" || first == "-" {
            negative = first == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return s }
        let trimmed = digits.drop(while: { $0 == "0" })
        if trimmed.isEmpty { return "0" }
        return (negative ? "-" : "") + trimmed
    }

    /// Java's `(long) Math.ceil(Double.parseDouble(s) * 1000)`.
    static func millis(fromSeconds text: String) -> Int64? {
        guard let seconds = Double(text.trimmingSpaces()), seconds.isFinite else { return nil }
        let millis = (seconds * 1000).rounded(.up)
        guard millis > -9.2e18, millis < 9.2e18 else { return nil }
        return Int64(millis)
    }
}

/// The KVS tag names, for GetMedia and for GetMediaForFragmentList.
public enum KVSTagName {
    public static let fragmentNumber = "AWS_KINESISVIDEO_FRAGMENT_NUMBER"
    public static let serverTimestamp = "AWS_KINESISVIDEO_SERVER_TIMESTAMP"
    public static let producerTimestamp = "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP"
    public static let millisBehindNow = "AWS_KINESISVIDEO_MILLIS_BEHIND_NOW"
    public static let continuationToken = "AWS_KINESISVIDEO_CONTINUATION_TOKEN"
    public static let errorCode = "AWS_KINESISVIDEO_ERROR_CODE"
    public static let errorId = "AWS_KINESISVIDEO_ERROR_ID"
    public static let serverSideTimestamp = "AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP"
    public static let producerSideTimestamp = "AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP"
    public static let exceptionErrorCode = "AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE"
    public static let exceptionMessage = "AWS_KINESISVIDEO_EXCEPTION_MESSAGE"
}

extension String {
    func trimmingSpaces() -> Substring {
        let scalars = self[...]
        let start =
            scalars.firstIndex(where: { $0 != " " && $0 != "\t" && $0 != "\n" && $0 != "\r" }) ?? scalars.endIndex
        let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" && $0 != "\n" && $0 != "\r" })
        guard let end else { return "" }
        return scalars[start...end]
    }
}
