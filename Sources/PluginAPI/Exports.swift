// A plugin imports only PluginAPI: the KIT record model, the AWS clients its context hands out (signed by the host),
// the HTTP model of the host transport (HTTPTransportCore: no libcurl engine), the credential and signer types
// (AWSCore), swift-log and swift-metrics (`Counter(label:)` reaches the host's metrics) come with it. Nothing that
// hashes or holds a secret is linked: the host signs (`aws_sign`).
@_exported import AWSClients
@_exported import AWSCore
@_exported import HTTPTransportCore
@_exported import KITRecords
@_exported import Logging
@_exported import Metrics
