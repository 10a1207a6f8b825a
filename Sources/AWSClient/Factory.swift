import DMSWatchModel
import Foundation

/// Everything the app decides about AWS access, usually from command-line flags.
public struct AWSSettings: Sendable {
  public var profile: String?
  public var region: String?
  /// Overrides every service endpoint (e.g. a moto server).
  public var endpointURL: URL?
  public var connectTimeout: TimeInterval
  public var totalTimeout: TimeInterval
  /// Calls STS GetCallerIdentity to label the session ("account / arn").
  public var verifyIdentity: Bool
  public var mfaPrompt: MFAPrompt?
  /// Replaces the environment-derived retry policy (tests inject sleepers).
  public var retry: RetryPolicy?
  public var now: @Sendable () -> Date
  /// `dmswatch/<version>` in the User-Agent.
  public var appVersion: String = DMSWatchVersion.string
  /// False when the caller retries throttled reads itself (the engine charges them to its scope's
  /// bucket and AIMD; `check` backs off once per call): the client then returns ThrottlingException at once.
  public var retryThrottling = true

  public init(
    profile: String? = nil, region: String? = nil, endpointURL: URL? = nil, connectTimeout: TimeInterval = 5, totalTimeout: TimeInterval = 30,
    verifyIdentity: Bool = true, mfaPrompt: MFAPrompt? = nil, retry: RetryPolicy? = nil, now: @escaping @Sendable () -> Date = { Date() }
  ) {
    self.profile = profile
    self.region = region
    self.endpointURL = endpointURL
    self.connectTimeout = connectTimeout
    self.totalTimeout = totalTimeout
    self.verifyIdentity = verifyIdentity
    self.mfaPrompt = mfaPrompt
    self.retry = retry
    self.now = now
  }
}

/// The clients of one AWS session.
public struct AWSServices: Sendable {
  public var dms: AWSDMSClient
  /// DMS Serverless over the same caller as `dms`.
  public var serverless: AWSDMSServerlessClient
  public var metrics: AWSCloudWatchClient
  public var logs: AWSLogsClient
  public var sts: AWSSTSClient
  public var sns: AWSSNSClient
  public var region: String
  public var credentials: CachingCredentialsProvider
  /// Where the credentials came from.
  public var credentialSource: String
  /// For the header: `aws:<profile> <region> <account>/<arn tail>` (`account ?` when STS was unreachable).
  public var identityLabel: String
  /// The account id from STS (nil when STS was not asked or unreachable).
  public var account: String? = nil

  public var bundle: ServiceBundle {
    ServiceBundle(dms: dms, metrics: metrics, logs: logs, sourceLabel: identityLabel, serverless: serverless)
  }
}

public enum AWSClientFactory {
  public static func makeServices(settings: AWSSettings, environment env: [String: String], transport: any HTTPTransport) async throws
    -> AWSServices
  {
    let files: AWSConfigFiles
    do {
      files = try AWSConfigFiles.load(environment: env)
    } catch let e as CredentialsError {
      throw ServiceError(kind: .credentials, code: "InvalidConfig", message: e.message)
    }
    let profileName = settings.profile ?? env["AWS_PROFILE"] ?? "default"
    let profile = files.profile(profileName)
    // A named profile that does not exist is the real problem; say so before "no AWS region".
    if settings.profile != nil || env["AWS_PROFILE"] != nil, profileName != "default", profile == nil {
      throw ServiceError(
        kind: .credentials, code: "ProfileNotFound",
        message: "profile '\(profileName)' is in neither \(files.config.path) nor \(files.credentials.path)")
    }
    guard let region = AWSResolve.region(explicit: settings.region, environment: env, profile: profile) else {
      throw ServiceError(
        kind: .client, code: "NoRegion",
        message: "no AWS region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or add region to profile \(profileName)")
    }
    func endpoint(_ spec: ServiceSpec) throws -> URL {
      if let u = try AWSResolve.endpoint(for: spec, explicit: settings.endpointURL, environment: env, profile: profile, files: files) {
        return u
      }
      guard let d = spec.defaultEndpoint(region: region) else {
        throw ServiceError(kind: .client, code: "InvalidRegion", message: "region '\(region)' does not make a valid host name")
      }
      return d
    }
    let stsURL = try endpoint(.sts)
    let chain = CredentialChain(
      environment: env, explicitProfile: settings.profile, files: files, region: region, transport: transport, stsEndpoint: stsURL,
      mfaPrompt: settings.mfaPrompt, now: settings.now)
    let creds: CachingCredentialsProvider
    do {
      creds = try await chain.resolve()
    } catch let e as CredentialsError {
      throw ServiceError(kind: .credentials, code: "InvalidConfig", message: e.message)
    }
    var retry = try settings.retry ?? RetryPolicy.from(environment: env, profile: profile ?? [:])
    if !settings.retryThrottling { retry.retryThrottling = false }
    let quota = RetryQuota()
    // One clock-skew holder for the whole scope: a skew learnt by one client is used by all.
    let skew = ClockSkew()
    let agent = AWSUserAgent.string(version: settings.appVersion, retryMode: retry.mode)
    func caller(_ spec: ServiceSpec) throws -> AWSCaller {
      AWSCaller(
        spec: spec, endpoint: try endpoint(spec), region: region, credentials: creds, transport: transport, retry: retry, quota: quota,
        now: settings.now, clockSkew: skew, userAgent: agent)
    }
    let sts = AWSSTSClient(caller: try caller(.sts))
    let source = try await creds.credentials().source
    var label = "aws:\(profileName) \(region)"
    var account: String?
    if settings.verifyIdentity {
      do {
        let id = try await sts.getCallerIdentity()
        let tail = id.arn.split(separator: ":").last.map(String.init) ?? id.arn
        label += " \(id.account)/\(tail)"
        account = id.account
      } catch where (error as? ServiceError)?.isRetryable == true {
        // AWS is unreachable or failing right now: start anyway, so the dashboard shows the failure
        // (STALE, the error on the frames) and recovers with the network. Credential errors still stop here.
        label += " account ?"
      }
    }
    let dmsCaller = try caller(.dms)
    return AWSServices(
      dms: AWSDMSClient(caller: dmsCaller), serverless: AWSDMSServerlessClient(caller: dmsCaller), metrics: AWSCloudWatchClient(caller: try caller(.cloudwatch)),
      logs: AWSLogsClient(caller: try caller(.logs)), sts: sts, sns: AWSSNSClient(caller: try caller(.sns)), region: region,
      credentials: creds, credentialSource: source, identityLabel: label, account: account)
  }
}
