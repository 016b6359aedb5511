import AWSSigV4
import Foundation
import KITTestSupport
import Testing

@Suite("Shared config files, profiles, region and endpoints")
struct ConfigurationTests {
    static let configFile = """
        # comment
        [default]
        region = eu-west-1
        output=json

        [profile kit]
        region : us-west-2
        services = local
        endpoint_url = https://global.example.com/
        s3 =
          addressing_style = path
        ; another comment

        [profile "quoted name"]
        region = ap-south-1

        [services local]
        kinesis_video =
          endpoint_url = http://localhost:4566
        dynamodb =
            endpoint_url = http://localhost:8000

        [sso-session corp]
        sso_region = us-east-1

        [preview]
        cloudfront = true
        """

    static let credentialsFile = """
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = secret/default+key

        [kit]
        aws_access_key_id=AKIDKIT
        aws_secret_access_key=secret-kit
        aws_session_token = token-kit
        region = ca-central-1
        """

    @Test("profiles merge config and credentials files, credentials winning; services and sub-sections parse")
    func parsing() throws {
        let files = SharedConfigFiles(configFile: Self.configFile, credentialsFile: Self.credentialsFile)
        #expect(Set(files.profiles.keys) == ["default", "kit", "quoted name"])
        let kit = try #require(files.profile(named: "kit"))
        #expect(kit["region"] == "ca-central-1")
        #expect(kit["aws_access_key_id"] == "AKIDKIT")
        #expect(kit["AWS_SESSION_TOKEN"] == "token-kit")
        #expect(kit.subsections["s3"] == ["addressing_style": "path"])
        #expect(files.profile(named: "default")?["output"] == "json")
        #expect(files.profile(named: "quoted name")?["region"] == "ap-south-1")
        #expect(files.services["local"]?.subsections["kinesis_video"] == ["endpoint_url": "http://localhost:4566"])
        #expect(files.services["local"]?.subsections["dynamodb"] == ["endpoint_url": "http://localhost:8000"])
    }

    @Test("our profile map equals botocore's for the same files")
    func parsingAgreesWithBotocore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let config = try directory.write("config", Self.configFile)
        let credentials = try directory.write("credentials", Self.credentialsFile)
        let script = """
            import json, sys
            from botocore.session import Session
            s = Session()
            s.set_config_variable('config_file', sys.argv[1])
            s.set_config_variable('credentials_file', sys.argv[2])
            c = s.full_config
            print(json.dumps({'profiles': c['profiles'], 'services': c['services']}))
            """
        let result = try await Subprocess.run(TestPaths.python, ["-c", script, config, credentials])
        try #require(result.status == 0, "\(result.stderrText)")
        let botocore = try JSONSerialization.jsonObject(with: result.stdout) as? [String: [String: [String: Any]]]
        let files = SharedConfigFiles(configFile: Self.configFile, credentialsFile: Self.credentialsFile)

        func flatten(_ section: ConfigSection) -> [String: String] {
            var out = section.properties
            for (key, nested) in section.subsections {
                out[key] = nested.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            }
            return out
        }
        func flatten(_ raw: [String: Any]) -> [String: String] {
            raw.mapValues { value in
                if let text = value as? String { return text }
                let nested = value as? [String: String] ?? [:]
                return nested.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            }
        }
        let theirProfiles = (botocore?["profiles"] ?? [:]).mapValues(flatten)
        let ourProfiles = files.profiles.mapValues(flatten)
        #expect(ourProfiles == theirProfiles)
        let theirServices = (botocore?["services"] ?? [:]).mapValues(flatten)
        #expect(files.services.mapValues(flatten) == theirServices)
    }

    @Test("region: AWS_REGION, then AWS_DEFAULT_REGION, then the selected profile")
    func region() {
        let files = SharedConfigFiles(configFile: Self.configFile, credentialsFile: Self.credentialsFile)
        #expect(
            RegionResolver.resolve(
                environment: ["AWS_REGION": "us-east-2", "AWS_DEFAULT_REGION": "eu-north-1"], configFiles: files)
                == "us-east-2")
        #expect(
            RegionResolver.resolve(environment: ["AWS_DEFAULT_REGION": "eu-north-1"], configFiles: files)
                == "eu-north-1")
        #expect(RegionResolver.resolve(environment: [:], configFiles: files) == "eu-west-1")
        #expect(RegionResolver.resolve(environment: ["AWS_PROFILE": "kit"], configFiles: files) == "ca-central-1")
        #expect(RegionResolver.resolve(environment: ["AWS_PROFILE": "nobody"], configFiles: files) == nil)
    }

    @Test("environment variable names match the AWS CLI's for the services the project calls")
    func environmentVariableNames() async throws {
        let services: [(String, AWSService)] = [
            ("kinesisvideo", .kinesisVideo), ("kinesis-video-media", .kinesisVideoMedia),
            ("kinesis-video-archived-media", .kinesisVideoArchivedMedia), ("dynamodb", .dynamoDB),
            ("kinesis", .kinesis), ("s3", .s3), ("cloudwatch", .cloudWatch), ("sagemaker-runtime", .sageMakerRuntime),
            ("resourcegroupstaggingapi", .resourceGroupsTaggingAPI), ("sts", .sts),
        ]
        let expectedNames = [
            "KINESIS_VIDEO", "KINESIS_VIDEO_MEDIA", "KINESIS_VIDEO_ARCHIVED_MEDIA", "DYNAMODB", "KINESIS", "S3",
            "CLOUDWATCH", "SAGEMAKER_RUNTIME", "RESOURCE_GROUPS_TAGGING_API", "STS",
        ]
        #expect(services.map { $0.1.environmentVariableSuffix } == expectedNames)

        // The same names, and the endpoint prefixes and signing names, straight from botocore.
        let script = """
            import json, sys, botocore.session
            from botocore.configprovider import ConfiguredEndpointProvider
            s = botocore.session.get_session()
            out = []
            for name in sys.argv[1:]:
                model = s.get_service_model(name)
                env = ConfiguredEndpointProvider({}, {}, name, environ={})._get_service_env_var_name()
                out.append([env, model.endpoint_prefix, model.signing_name, model.service_id])
            print(json.dumps(out))
            """
        let result = try await Subprocess.run(TestPaths.python, ["-c", script] + services.map(\.0))
        try #require(result.status == 0, "\(result.stderrText)")
        let rows = try JSONDecoder().decode([[String]].self, from: result.stdout)
        #expect(
            rows
                == services.map {
                    [
                        "AWS_ENDPOINT_URL_" + $0.1.environmentVariableSuffix, $0.1.endpointPrefix, $0.1.signingName,
                        $0.1.serviceId,
                    ]
                })
    }

    @Test("endpoint precedence: service env, global env, services section, profile endpoint_url, default")
    func endpoints() {
        let files = SharedConfigFiles(configFile: Self.configFile, credentialsFile: Self.credentialsFile)
        let kit = ["AWS_PROFILE": "kit"]
        func resolve(_ service: AWSService, _ environment: [String: String], region: String? = "eu-west-1")
            -> EndpointResolver.Resolved?
        {
            EndpointResolver.resolve(service: service, region: region, environment: environment, configFiles: files)
        }
        let everything = kit.merging([
            "AWS_ENDPOINT_URL_KINESIS_VIDEO": "http://kvs.local:1/", "AWS_ENDPOINT_URL": "http://all.local:2",
        ]) { $1 }
        #expect(resolve(.kinesisVideo, everything)?.url == "http://kvs.local:1")
        #expect(resolve(.kinesisVideo, everything)?.source == .environmentService)
        #expect(resolve(.dynamoDB, everything)?.url == "http://all.local:2")
        #expect(resolve(.kinesisVideo, kit)?.url == "http://localhost:4566")
        #expect(resolve(.kinesisVideo, kit)?.source == .configService)
        #expect(resolve(.dynamoDB, kit)?.url == "http://localhost:8000")
        #expect(resolve(.s3, kit)?.url == "https://global.example.com")
        #expect(resolve(.s3, kit)?.source == .configProfile)
        #expect(resolve(.s3, [:])?.url == "https://s3.eu-west-1.amazonaws.com")
        #expect(
            resolve(.kinesisVideo, everything.merging(["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]) { $1 })?.url
                == "https://kinesisvideo.eu-west-1.amazonaws.com")
        #expect(
            resolve(.sageMakerRuntime, [:], region: "us-east-1")?.url
                == "https://runtime.sagemaker.us-east-1.amazonaws.com")
        #expect(
            resolve(.cloudWatch, [:], region: "cn-north-1")?.url == "https://monitoring.cn-north-1.amazonaws.com.cn")
        #expect(
            resolve(.resourceGroupsTaggingAPI, [:], region: "us-east-1")?.url
                == "https://tagging.us-east-1.amazonaws.com")
        #expect(resolve(.sts, [:], region: nil)?.url == "https://sts.amazonaws.com")
        #expect(resolve(.kinesis, [:], region: nil) == nil)
    }

    @Test("shared files are found through AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE and HOME")
    func fileLocations() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        try directory.write(".aws/config", "[default]\nregion = sa-east-1\n")
        try directory.write(".aws/credentials", "[default]\naws_access_key_id = FROMHOME\naws_secret_access_key = s\n")
        let custom = try directory.write(
            "elsewhere/creds", "[default]\naws_access_key_id = FROMENV\naws_secret_access_key = s\n")

        let fromHome = try SharedConfigFiles.load(environment: ["HOME": directory.url.path])
        #expect(fromHome.profile(named: "default")?["aws_access_key_id"] == "FROMHOME")
        #expect(fromHome.profile(named: "default")?["region"] == "sa-east-1")
        let overridden = try SharedConfigFiles.load(environment: [
            "HOME": directory.url.path, "AWS_SHARED_CREDENTIALS_FILE": custom,
            "AWS_CONFIG_FILE": directory.url.appendingPathComponent("missing").path,
        ])
        #expect(overridden.profile(named: "default")?["aws_access_key_id"] == "FROMENV")
        #expect(overridden.profile(named: "default")?["region"] == nil)
    }
}
