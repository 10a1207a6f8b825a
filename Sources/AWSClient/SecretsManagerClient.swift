import DMSWatchModel
import Foundation

extension ServiceSpec {
  public static let secretsManager = ServiceSpec(
    signingName: "secretsmanager", endpointEnvSuffix: "SECRETS_MANAGER", configKey: "secrets_manager",
    wire: .json(version: "1.1", targetPrefix: "secretsmanager", queryCompatible: false))
  public static let athena = ServiceSpec(
    signingName: "athena", endpointEnvSuffix: "ATHENA", configKey: "athena",
    wire: .json(version: "1.1", targetPrefix: "AmazonAthena", queryCompatible: false))
}

/// A database secret as DMS stores it (`{"username","password","host","port","dbname"}`).
/// `description` never shows the password.
public struct DatabaseSecret: Sendable, CustomStringConvertible, CustomReflectable {
  public var username: String?
  /// Clear text: hand it straight to the driver settings, never to a log or a message.
  public let password: String?
  public var host: String?
  public var port: Int?
  public var database: String?
  public init(username: String?, password: String?, host: String?, port: Int?, database: String?) {
    self.username = username
    self.password = password
    self.host = host
    self.port = port
    self.database = database
  }
  public var description: String { "secret(user: \(username ?? "-"), password: <redacted>)" }
  public var customMirror: Mirror { Mirror(self, children: ["username": username as Any]) }
}

/// Secrets Manager GetSecretValue over the signed JSON 1.1 client.
public final class AWSSecretsManagerClient: Sendable {
  public let caller: AWSCaller
  public init(caller: AWSCaller) { self.caller = caller }

  /// The secret's JSON string, decoded. A secret that is not a JSON object is taken as the password itself.
  public func databaseSecret(id: String) async throws -> DatabaseSecret {
    let out = try await caller.json("GetSecretValue", .object([("SecretId", .string(id))]))
    guard let text = out["SecretString"]?.string else {
      throw AWSErrorMapper.malformed("secretsmanager", "GetSecretValue", "the secret has no SecretString (binary secrets are not supported)")
    }
    guard let obj = try? JSONValue.parse(Data(text.utf8)), case .object = obj else {
      return DatabaseSecret(username: nil, password: text, host: nil, port: nil, database: nil)
    }
    return DatabaseSecret(
      username: obj["username"]?.string, password: obj["password"]?.string, host: obj["host"]?.string,
      port: obj["port"]?.int, database: (obj["dbname"] ?? obj["database"])?.string)
  }
}

extension AWSServices {
  /// A caller for another service of the same session (same credentials, transport and retries), its
  /// endpoint resolved the usual way (`--endpoint-url`, `AWS_ENDPOINT_URL_<SERVICE>`, profile).
  public func caller(for spec: ServiceSpec, explicitEndpoint: URL?, environment env: [String: String], profile: String?) throws
    -> AWSCaller
  {
    let files = try? AWSConfigFiles.load(environment: env)
    let p = files?.profile(profile ?? env["AWS_PROFILE"] ?? "default")
    let url = try AWSResolve.endpoint(for: spec, explicit: explicitEndpoint, environment: env, profile: p, files: files)
      ?? spec.defaultEndpoint(region: region)
    guard let url else {
      throw ServiceError(kind: .client, code: "InvalidRegion", message: "region '\(region)' does not make a valid host name")
    }
    let base = dms.caller
    return AWSCaller(
      spec: spec, endpoint: url, region: region, credentials: credentials, transport: base.transport, retry: base.retry, quota: base.quota,
      now: base.now)
  }
}
