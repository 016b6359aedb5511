// A plugin imports only PluginAPI: the KIT record model, the AWS clients its context hands out, the HTTP types of
// the host transport, the credential types and swift-log come with it.
@_exported import AWSClients
@_exported import AWSSigV4
@_exported import HTTPTransport
@_exported import KITRecords
@_exported import Logging
