import DMSWatchModel
import Foundation

/// The default credential chain (botocore's order). `resolve` picks the first configured source,
/// fetches once to prove it works, and returns it behind a refreshing cache. When nothing works
/// the error lists every source tried and why it was skipped or failed.
public struct CredentialChain: Sendable {
  public var environment: [String: String]
  /// `--profile`; when set, environment keys are skipped (as botocore does).
  public var explicitProfile: String?
  public var files: AWSConfigFiles
  public var region: String
  public var transport: any HTTPTransport
  public var mfaPrompt: MFAPrompt?
  public var now: @Sendable () -> Date
  /// STS endpoint for assume-role calls (resolved like any other service endpoint).
  public var stsEndpoint: URL

  public init(
    environment: [String: String], explicitProfile: String?, files: AWSConfigFiles, region: String, transport: any HTTPTransport,
    stsEndpoint: URL, mfaPrompt: MFAPrompt? = nil, now: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.environment = environment
    self.explicitProfile = explicitProfile
    self.files = files
    self.region = region
    self.transport = transport
    self.stsEndpoint = stsEndpoint
    self.mfaPrompt = mfaPrompt
    self.now = now
  }

  public var profileName: String {
    if let p = explicitProfile, !p.isEmpty { return p }
    if let p = environment["AWS_PROFILE"], !p.isEmpty { return p }
    return "default"
  }

  enum Step {
    case skip(String)
    case use(any CredentialsProvider)
  }

  public func resolve() async throws -> CachingCredentialsProvider {
    var tried: [String] = []
    let steps: [(String, () throws -> Step)] = [
      ("environment", envStep),
      ("assume-role (profile \(profileName))", { try self.assumeRoleStep(self.profileName, depth: 0) }),
      ("web identity", { self.webIdentityStep(self.profileName) }),
      ("sso (profile \(profileName))", { try self.ssoStep(self.profileName) }),
      ("shared credentials file", { self.staticStep(self.files.credentialsProfile(self.profileName), self.files.credentials.path) }),
      ("credential_process (profile \(profileName))", { self.processStep(self.profileName) }),
      ("config file keys", { self.staticStep(self.files.configProfile(self.profileName), self.files.config.path) }),
      ("container endpoint", containerStep),
      ("EC2 instance metadata", imdsStep),
    ]
    if explicitProfile != nil || environment["AWS_PROFILE"] != nil, profileName != "default",
      files.profile(profileName) == nil
    {
      throw CredentialsError(
        "profile '\(profileName)' is in neither \(files.config.path) nor \(files.credentials.path)")
    }
    for (name, step) in steps {
      let s: Step
      do {
        s = try step()
      } catch {
        tried.append("\(name): \(error)")
        throw chainError(tried, stoppedAt: name)
      }
      switch s {
      case .skip(let why):
        tried.append("\(name): \(why)")
      case .use(let p):
        let cache = CachingCredentialsProvider(p, now: now)
        do {
          _ = try await cache.credentials()
          return cache
        } catch {
          tried.append("\(name): \(error)")
          // A source that is configured but fails stops the chain: falling through to other
          // credentials would act under an identity the operator did not choose.
          if name != "EC2 instance metadata" && name != "container endpoint" { throw chainError(tried, stoppedAt: name) }
        }
      }
    }
    throw chainError(tried, stoppedAt: nil)
  }

  func chainError(_ tried: [String], stoppedAt: String?) -> ServiceError {
    let head = stoppedAt.map { "AWS credentials from \($0) failed." } ?? "No AWS credentials found."
    let list = tried.map { "  - \($0)" }.joined(separator: "\n")
    return ServiceError(kind: .credentials, code: "NoCredentials", message: "\(head) Sources tried:\n\(list)")
  }

  func envStep() -> Step {
    if explicitProfile != nil { return .skip("skipped because --profile was given") }
    guard let ak = environment["AWS_ACCESS_KEY_ID"], !ak.isEmpty else { return .skip("AWS_ACCESS_KEY_ID not set") }
    guard let sk = environment["AWS_SECRET_ACCESS_KEY"], !sk.isEmpty else {
      return .skip("AWS_ACCESS_KEY_ID set but AWS_SECRET_ACCESS_KEY missing")
    }
    let token = environment["AWS_SESSION_TOKEN"] ?? environment["AWS_SECURITY_TOKEN"]
    let exp = environment["AWS_CREDENTIAL_EXPIRATION"].flatMap(Timestamp.parse)
    return .use(
      StaticCredentialsProvider(
        AWSCredentials(accessKeyId: ak, secretAccessKey: sk, sessionToken: token?.isEmpty == true ? nil : token, expiration: exp, source: "environment")))
  }

  func staticStep(_ section: [String: String]?, _ path: String) -> Step {
    guard let s = section else { return .skip("no [\(profileName)] in \(path)") }
    guard let ak = s["aws_access_key_id"], !ak.isEmpty else { return .skip("no aws_access_key_id for \(profileName) in \(path)") }
    guard let sk = s["aws_secret_access_key"], !sk.isEmpty else {
      return .skip("aws_access_key_id without aws_secret_access_key in \(path)")
    }
    return .use(
      StaticCredentialsProvider(
        AWSCredentials(accessKeyId: ak, secretAccessKey: sk, sessionToken: s["aws_session_token"], source: "profile \(profileName) (\(path))")))
  }

  /// The base credentials of a profile (for source_profile): keys, process, SSO, or a further role.
  func baseProvider(_ name: String, depth: Int) throws -> any CredentialsProvider {
    if case .use(let p) = try assumeRoleStep(name, depth: depth + 1) { return p }
    if let s = files.profile(name), let ak = s["aws_access_key_id"], let sk = s["aws_secret_access_key"] {
      return StaticCredentialsProvider(AWSCredentials(accessKeyId: ak, secretAccessKey: sk, sessionToken: s["aws_session_token"], source: "profile \(name)"))
    }
    if case .use(let p) = processStep(name) { return p }
    if case .use(let p) = try ssoStep(name) { return p }
    throw CredentialsError("source_profile \(name) has no credentials")
  }

  func assumeRoleStep(_ name: String, depth: Int) throws -> Step {
    guard let p = files.profile(name), let role = p["role_arn"], !role.isEmpty else { return .skip("no role_arn in profile \(name)") }
    guard depth < 5 else { throw CredentialsError("source_profile chain deeper than 5 at \(name) (a loop?)") }
    let source: any CredentialsProvider
    if let sp = p["source_profile"], !sp.isEmpty {
      if sp == name, let ak = p["aws_access_key_id"], let sk = p["aws_secret_access_key"] {
        source = StaticCredentialsProvider(AWSCredentials(accessKeyId: ak, secretAccessKey: sk, sessionToken: p["aws_session_token"], source: "profile \(sp)"))
      } else {
        guard files.profile(sp) != nil else { throw CredentialsError("source_profile '\(sp)' of profile \(name) does not exist") }
        source = try baseProvider(sp, depth: depth)
      }
    } else if let cs = p["credential_source"] {
      switch cs {
      case "Environment":
        guard case .use(let e) = CredentialChain(
          environment: environment, explicitProfile: nil, files: files, region: region, transport: transport, stsEndpoint: stsEndpoint
        ).envStep() else { throw CredentialsError("credential_source Environment but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set") }
        source = e
      case "Ec2InstanceMetadata":
        guard case .use(let e) = imdsStep() else { throw CredentialsError("credential_source Ec2InstanceMetadata but IMDS is disabled") }
        source = e
      case "EcsContainer":
        guard case .use(let e) = try containerStep() else { throw CredentialsError("credential_source EcsContainer but no container URI is set") }
        source = e
      default:
        throw CredentialsError("credential_source '\(cs)' is not Environment, Ec2InstanceMetadata or EcsContainer")
      }
    } else if p["web_identity_token_file"] != nil {
      return .skip("role_arn with web_identity_token_file (handled by web identity)")
    } else {
      throw CredentialsError("profile \(name) has role_arn but neither source_profile nor credential_source")
    }
    var duration: Int? = nil
    if let d = p["duration_seconds"] {
      guard let v = Int(d), v >= 900 else { throw CredentialsError("duration_seconds '\(d)' in profile \(name) is not a number ≥ 900") }
      duration = v
    }
    return .use(
      AssumeRoleProvider(
        roleArn: role, sessionName: p["role_session_name"] ?? "dmswatch-\(Int(now().timeIntervalSince1970))", externalId: p["external_id"],
        durationSeconds: duration, mfaSerial: p["mfa_serial"], mfaPrompt: mfaPrompt, source: source, stsEndpoint: stsEndpoint,
        region: region, transport: transport))
  }

  func webIdentityStep(_ name: String) -> Step {
    let p = files.profile(name)
    let file = environment["AWS_WEB_IDENTITY_TOKEN_FILE"] ?? p?["web_identity_token_file"]
    let role = environment["AWS_ROLE_ARN"] ?? p?["role_arn"]
    guard let f = file, !f.isEmpty else { return .skip("AWS_WEB_IDENTITY_TOKEN_FILE not set") }
    guard let r = role, !r.isEmpty else { return .skip("token file set but AWS_ROLE_ARN missing") }
    let session = environment["AWS_ROLE_SESSION_NAME"] ?? p?["role_session_name"] ?? "dmswatch-\(Int(now().timeIntervalSince1970))"
    return .use(WebIdentityProvider(roleArn: r, sessionName: session, tokenFile: f, stsEndpoint: stsEndpoint, transport: transport))
  }

  func ssoStep(_ name: String) throws -> Step {
    guard let p = files.profile(name) else { return .skip("no profile \(name)") }
    guard let account = p["sso_account_id"], let role = p["sso_role_name"] else { return .skip("no sso_account_id/sso_role_name") }
    let key: String
    let ssoRegion: String
    if let sess = p["sso_session"] {
      guard let s = files.section("sso-session", sess) else { throw CredentialsError("[sso-session \(sess)] is missing from \(files.config.path)") }
      guard let r = s["sso_region"] else { throw CredentialsError("[sso-session \(sess)] has no sso_region") }
      key = sess
      ssoRegion = r
    } else {
      guard let url = p["sso_start_url"], let r = p["sso_region"] else { throw CredentialsError("profile \(name) lacks sso_start_url/sso_region") }
      key = url
      ssoRegion = r
    }
    let home = environment["HOME"] ?? NSHomeDirectory()
    return .use(
      SSOProvider(
        cacheKey: key, cacheDir: "\(home)/.aws/sso/cache", region: ssoRegion, accountId: account, roleName: role, transport: transport, now: now))
  }

  func processStep(_ name: String) -> Step {
    guard let cmd = files.profile(name)?["credential_process"], !cmd.isEmpty else { return .skip("no credential_process") }
    let timeout = environment["DMSWATCH_CREDENTIAL_TIMEOUT"].flatMap(Double.init).map { max(0.1, $0) }
      ?? ProcessCredentialsProvider.defaultTimeout
    return .use(ProcessCredentialsProvider(command: cmd, timeout: timeout, sourceName: "credential_process of profile \(name)"))
  }

  func containerStep() throws -> Step {
    guard let c = try ContainerCredentialsProvider.from(environment: environment, transport: transport) else {
      return .skip("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI not set")
    }
    return .use(c)
  }

  func imdsStep() -> Step {
    if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" { return .skip("disabled by AWS_EC2_METADATA_DISABLED") }
    let raw = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254"
    guard let u = URL(string: raw) else { return .skip("AWS_EC2_METADATA_SERVICE_ENDPOINT '\(raw)' is not a URL") }
    return .use(
      IMDSProvider(endpoint: u, transport: transport, v1Disabled: environment["AWS_EC2_METADATA_V1_DISABLED"]?.lowercased() == "true"))
  }
}
