// Credentials, providers' protocol, service metadata, region and endpoint resolution, URI encoding and the signer
// protocol live in AWSCore (no crypto); this module adds what hashes. Its users see both.
@_exported import AWSCore
