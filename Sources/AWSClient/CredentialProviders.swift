import Crypto
import DMSWatchModel
import Foundation
import DMSWatchReports

/// Asks the operator for an MFA code for `serial`.
public typealias MFAPrompt = @Sendable (_ serial: String) async throws -> String

/// AssumeRole with credentials from `source`; re-assumes on each refresh.
public struct AssumeRoleProvider: CredentialsProvider {
  public var roleArn: String
  public var sessionName: String
  public var externalId: String?
  public var durationSeconds: Int?
  public var mfaSerial: String?
  public var mfaPrompt: MFAPrompt?
  public var source: any CredentialsProvider
  public var stsEndpoint: URL
  public var region: String
  public var transport: any HTTPTransport

  public func credentials() async throws -> AWSCredentials {
    var code: String? = nil
    if let serial = mfaSerial {
      guard let prompt = mfaPrompt else {
        throw CredentialsError("role \(roleArn) needs an MFA code for \(serial), and there is no terminal to ask for it")
      }
      code = try await prompt(serial).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let sts = AWSSTSClient(
      caller: AWSCaller(spec: .sts, endpoint: stsEndpoint, region: region, credentials: source, transport: transport))
    return try await sts.assumeRole(
      roleArn: roleArn, sessionName: sessionName, externalId: externalId, durationSeconds: durationSeconds,
      serialNumber: mfaSerial, tokenCode: code)
  }
}

/// AssumeRoleWithWebIdentity; the token file is re-read on each refresh (it rotates).
public struct WebIdentityProvider: CredentialsProvider {
  public var roleArn: String
  public var sessionName: String
  public var tokenFile: String
  public var stsEndpoint: URL
  public var transport: any HTTPTransport

  public func credentials() async throws -> AWSCredentials {
    guard let data = FileManager.default.contents(atPath: tokenFile) else {
      throw CredentialsError("web identity token file \(tokenFile) cannot be read")
    }
    let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return try await AWSSTSClient.assumeRoleWithWebIdentity(
      endpoint: stsEndpoint, transport: transport, roleArn: roleArn, sessionName: sessionName, token: token)
  }
}

/// `credential_process`: runs the command through /bin/sh and reads Version 1 JSON from stdout.
/// The command runs in its own process group with a deadline; on the deadline the whole group is killed
/// and the error names the source (`credential_process of profile X`).
public struct ProcessCredentialsProvider: CredentialsProvider {
  public var command: String
  public var timeout: TimeInterval
  /// Names the source in errors, e.g. `credential_process of profile prod`.
  public var sourceName: String

  /// 30 s unless `DMSWATCH_CREDENTIAL_TIMEOUT` says otherwise (a login helper that waits for a browser can take a while).
  public static let defaultTimeout: TimeInterval = 30

  public init(command: String, timeout: TimeInterval = ProcessCredentialsProvider.defaultTimeout, sourceName: String = "credential_process") {
    self.command = command
    self.timeout = timeout
    self.sourceName = sourceName
  }

  public func credentials() async throws -> AWSCredentials {
    let (status, out, err) = try await Self.run(command, timeout: timeout, sourceName: sourceName)
    guard status == 0 else {
      let e = String(decoding: err.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
      throw CredentialsError("\(sourceName) exited with status \(status)\(e.isEmpty ? "" : ": \(e)")")
    }
    guard let v = try? JSONValue.parse(out) else { throw CredentialsError("\(sourceName) printed something that is not JSON") }
    guard v["Version"]?.int == 1 else {
      throw CredentialsError("\(sourceName) output has Version \(v["Version"]?.string ?? "missing"); only 1 is supported")
    }
    guard let ak = v["AccessKeyId"]?.string, let sk = v["SecretAccessKey"]?.string else {
      throw CredentialsError("\(sourceName) output lacks AccessKeyId or SecretAccessKey")
    }
    var exp: Date? = nil
    if let raw = v["Expiration"]?.string {
      guard let d = Timestamp.parse(raw) else { throw CredentialsError("\(sourceName) Expiration '\(raw)' is not ISO 8601") }
      exp = d
    }
    return AWSCredentials(accessKeyId: ak, secretAccessKey: sk, sessionToken: v["SessionToken"]?.string, expiration: exp, source: "credential_process")
  }

  static func run(_ command: String, timeout: TimeInterval, sourceName: String = "credential_process") async throws -> (Int32, Data, Data) {
    try await withCheckedThrowingContinuation { cont in
      DispatchQueue.global().async {
        do {
          let r = try ChildProcesses.run(command, timeout: timeout)
          if r.timedOut {
            cont.resume(
              throwing: CredentialsError(
                "\(sourceName) did not finish within \(Int(timeout.rounded())) s and was stopped (its process group was killed); "
                  + "check the command or its login prompt: \(Redact.text(command))"))
          } else {
            cont.resume(returning: (r.status, r.stdout, r.stderr))
          }
        } catch {
          cont.resume(throwing: CredentialsError("\(sourceName) could not start: \(error)"))
        }
      }
    }
  }
}

/// IAM Identity Center (SSO) from the CLI's token cache.
public struct SSOProvider: CredentialsProvider {
  public var cacheKey: String
  public var cacheDir: String
  public var region: String
  public var accountId: String
  public var roleName: String
  public var transport: any HTTPTransport
  public var now: @Sendable () -> Date

  public static func cacheFile(dir: String, key: String) -> String {
    let hash = Insecure.SHA1.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    return "\(dir)/\(hash).json"
  }

  public func credentials() async throws -> AWSCredentials {
    let file = Self.cacheFile(dir: cacheDir, key: cacheKey)
    guard let data = FileManager.default.contents(atPath: file), let v = try? JSONValue.parse(data) else {
      throw CredentialsError("no SSO token cache at \(file): run `aws sso login`")
    }
    guard let token = v["accessToken"]?.string, let expRaw = v["expiresAt"]?.string, let exp = Timestamp.parse(expRaw) else {
      throw CredentialsError("SSO token cache \(file) lacks accessToken or expiresAt")
    }
    guard exp > now() else { throw CredentialsError("the SSO session expired at \(expRaw): run `aws sso login`") }
    var c = URLComponents()
    c.scheme = "https"
    c.host = "portal.sso.\(region).amazonaws.com"
    c.path = "/federation/credentials"
    c.queryItems = [URLQueryItem(name: "role_name", value: roleName), URLQueryItem(name: "account_id", value: accountId)]
    guard let url = c.url else { throw CredentialsError("bad SSO region \(region)") }
    let resp = try await transport.send(HTTPRequest(method: "GET", url: url, headers: ["x-amz-sso_bearer_token": token]))
    guard resp.status == 200 else {
      throw CredentialsError("SSO GetRoleCredentials failed: \(AWSErrorMapper.error(from: resp, service: "sso"))")
    }
    guard let r = (try? JSONValue.parse(resp.body))?["roleCredentials"], let ak = r["accessKeyId"]?.string,
      let sk = r["secretAccessKey"]?.string
    else { throw CredentialsError("SSO GetRoleCredentials returned no roleCredentials") }
    let exp2 = r["expiration"]?.double.map { Date(timeIntervalSince1970: $0 / 1000) }
    return AWSCredentials(accessKeyId: ak, secretAccessKey: sk, sessionToken: r["sessionToken"]?.string, expiration: exp2, source: "sso \(accountId)/\(roleName)")
  }
}

/// ECS/EKS container credentials endpoint.
public struct ContainerCredentialsProvider: CredentialsProvider {
  public var url: URL
  public var authorization: @Sendable () throws -> String?
  public var transport: any HTTPTransport

  /// Resolves the endpoint from the environment; nil when not configured.
  public static func from(environment env: [String: String], transport: any HTTPTransport) throws -> ContainerCredentialsProvider? {
    let url: URL
    if let rel = env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !rel.isEmpty {
      guard let u = URL(string: "http://169.254.170.2" + rel) else { throw CredentialsError("bad AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") }
      url = u
    } else if let full = env["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
      guard let u = URL(string: full), let host = u.host else { throw CredentialsError("AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL") }
      let allowed: Set<String> = ["127.0.0.1", "localhost", "::1", "[::1]", "169.254.170.2", "169.254.170.23", "fd00:ec2::23", "[fd00:ec2::23]"]
      guard u.scheme == "https" || allowed.contains(host) || host.hasPrefix("127.") else {
        throw CredentialsError("AWS_CONTAINER_CREDENTIALS_FULL_URI host \(host) is not https, loopback or the ECS/EKS agent")
      }
      url = u
    } else {
      return nil
    }
    let tokenFile = env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
    let token = env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    return ContainerCredentialsProvider(
      url: url,
      authorization: {
        if let f = tokenFile, !f.isEmpty {
          guard let d = FileManager.default.contents(atPath: f) else { throw CredentialsError("cannot read \(f)") }
          return String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return token
      }, transport: transport)
  }

  public func credentials() async throws -> AWSCredentials {
    var headers: [String: String] = [:]
    if let a = try authorization() { headers["Authorization"] = a }
    let resp = try await transport.send(HTTPRequest(method: "GET", url: url, headers: headers, timeout: 2))
    guard resp.status == 200 else { throw CredentialsError("container endpoint \(url.host ?? "") returned HTTP \(resp.status)") }
    return try IMDSProvider.decode(resp.body, source: "container")
  }
}

/// EC2 instance metadata (IMDSv2) with short timeouts.
public struct IMDSProvider: CredentialsProvider {
  public var endpoint: URL
  public var transport: any HTTPTransport
  public var timeout: TimeInterval = 1
  /// `AWS_EC2_METADATA_V1_DISABLED=true`: no fallback to token-less IMDSv1.
  public var v1Disabled = false

  public func credentials() async throws -> AWSCredentials {
    let base = endpoint.absoluteString.hasSuffix("/") ? String(endpoint.absoluteString.dropLast()) : endpoint.absoluteString
    func url(_ p: String) throws -> URL {
      guard let u = URL(string: base + p) else { throw CredentialsError("bad IMDS endpoint \(base)") }
      return u
    }
    let tok = try await transport.send(
      HTTPRequest(method: "PUT", url: try url("/latest/api/token"), headers: ["x-aws-ec2-metadata-token-ttl-seconds": "21600"], timeout: timeout))
    var h: [String: String] = [:]
    if tok.status == 200 {
      h["x-aws-ec2-metadata-token"] = String(decoding: tok.body, as: UTF8.self)
    } else if [403, 404, 405].contains(tok.status), !v1Disabled {
      // IMDSv1-only instances (or a hop limit the PUT cannot cross): continue without a token.
    } else {
      throw CredentialsError("IMDS token request returned HTTP \(tok.status)")
    }
    let roles = try await transport.send(
      HTTPRequest(method: "GET", url: try url("/latest/meta-data/iam/security-credentials/"), headers: h, timeout: timeout))
    guard roles.status == 200,
      let role = String(decoding: roles.body, as: UTF8.self).split(separator: "\n").first.map(String.init), !role.isEmpty
    else { throw CredentialsError("no instance profile role (HTTP \(roles.status))") }
    let creds = try await transport.send(
      HTTPRequest(method: "GET", url: try url("/latest/meta-data/iam/security-credentials/\(role)"), headers: h, timeout: timeout))
    guard creds.status == 200 else { throw CredentialsError("IMDS credentials for \(role) returned HTTP \(creds.status)") }
    return try Self.decode(creds.body, source: "instance profile \(role)")
  }

  static func decode(_ body: Data, source: String) throws -> AWSCredentials {
    guard let v = try? JSONValue.parse(body), let ak = v["AccessKeyId"]?.string, let sk = v["SecretAccessKey"]?.string else {
      throw CredentialsError("\(source): response lacks AccessKeyId/SecretAccessKey")
    }
    return AWSCredentials(
      accessKeyId: ak, secretAccessKey: sk, sessionToken: v["Token"]?.string, expiration: v["Expiration"]?.string.flatMap(Timestamp.parse),
      source: source)
  }
}
