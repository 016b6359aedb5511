/// What the configuration and the signer need to know about a service: its service id (the key for endpoint
/// overrides), its endpoint prefix (the host name) and its SigV4 signing name. Values are botocore 1.43's
/// `metadata` for each service model.
public struct AWSService: Sendable, Hashable, CustomStringConvertible {
    /// The model's `serviceId`, e.g. `Kinesis Video`.
    public var serviceId: String
    /// The first label of the default host name, e.g. `kinesisvideo`, `runtime.sagemaker`.
    public var endpointPrefix: String
    /// The SigV4 service name, e.g. `kinesisvideo`, `sagemaker`, `monitoring`.
    public var signingName: String

    public init(serviceId: String, endpointPrefix: String, signingName: String? = nil) {
        self.serviceId = serviceId
        self.endpointPrefix = endpointPrefix
        self.signingName = signingName ?? endpointPrefix
    }

    public var description: String { serviceId }

    /// `KINESIS_VIDEO` in `AWS_ENDPOINT_URL_KINESIS_VIDEO`: the service id upper-cased, spaces and hyphens
    /// replaced by underscores (the AWS CLI's rule).
    public var environmentVariableSuffix: String {
        configKey.uppercased()
    }

    /// `kinesis_video`, the key of a `[services …]` sub-section.
    public var configKey: String {
        String(serviceId.lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
    }

    public static let kinesisVideo = AWSService(
        serviceId: "Kinesis Video", endpointPrefix: "kinesisvideo")
    /// `GetMedia`; its endpoint normally comes from `GetDataEndpoint`.
    public static let kinesisVideoMedia = AWSService(
        serviceId: "Kinesis Video Media", endpointPrefix: "kinesisvideo")
    public static let kinesisVideoArchivedMedia = AWSService(
        serviceId: "Kinesis Video Archived Media", endpointPrefix: "kinesisvideo")
    public static let dynamoDB = AWSService(serviceId: "DynamoDB", endpointPrefix: "dynamodb")
    public static let kinesis = AWSService(serviceId: "Kinesis", endpointPrefix: "kinesis")
    public static let s3 = AWSService(serviceId: "S3", endpointPrefix: "s3")
    public static let cloudWatch = AWSService(serviceId: "CloudWatch", endpointPrefix: "monitoring")
    public static let sageMakerRuntime = AWSService(
        serviceId: "SageMaker Runtime", endpointPrefix: "runtime.sagemaker", signingName: "sagemaker")
    public static let resourceGroupsTaggingAPI = AWSService(
        serviceId: "Resource Groups Tagging API", endpointPrefix: "tagging")
    public static let sts = AWSService(serviceId: "STS", endpointPrefix: "sts")
}
