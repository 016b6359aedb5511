// A plugin imports only PluginAPI: the KIT record model, the AWS clients its context hands out, the HTTP model of
// the host transport (HTTPTransportCore: no libcurl engine), the credential and signer types (AWSCore) and swift-log
// come with it. AWSSigV4 is not re-exported: plugins should not depend on how the SDK signs, which is to move into
// the host (`aws_sign`).
@_exported import AWSClients
@_exported import AWSCore
@_exported import HTTPTransportCore
@_exported import KITRecords
@_exported import Logging
