import AWSClient
import CurlTransport
import DMSSimulator
import DMSWatchModel
import Foundation

/// Where the data comes from: the simulated fleet or AWS. Shared by the dashboard and `check`.
public struct BackendOptions: Sendable {
  public var demo = false
  public var demoTasks = 12
  public var demoTables: Int?
  public var demoSeed: UInt64 = 1
  public var profile: String?
  public var region: String?
  public var endpointURL: String?
  public var connectTimeout: TimeInterval = 5
  public var totalTimeout: TimeInterval = 30
  public var mfaPrompt: MFAPrompt?
  /// The scope's label, accent and read-only setting (config `scopes:`).
  public var label: String?
  public var accent: String?
  public var readOnly = false
  /// Demo: which simulated account/region this is (0 = the classic single fleet).
  public var demoScope = 0
  public init() {}

  /// The scope id: `profile/region` (or `demo/<region>`).
  public var scopeID: ScopeID {
    demo ? ScopeID("demo/\(DemoScopes.region(demoScope))") : ScopeInfo.id(profile: profile, region: region)
  }
}

/// The simulated accounts and regions of `--demo-scopes N`: pairs of regions share an account and
/// their task names (as a multi-region deployment does), so names collide across scopes.
public enum DemoScopes {
  static let regions = ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2", "eu-central-1", "sa-east-1", "ca-central-1", "ap-northeast-1"]
  static let labels = ["PROD", "PROD-EU", "STAGING", "STAGING-AP", "DEV", "DEV-SA", "QA", "QA-AP"]
  public static let max = regions.count
  public static func region(_ i: Int) -> String { regions[i % regions.count] }
  public static func account(_ i: Int) -> String { String(123_456_789_012 + (i / 2) * 1_111) }
  public static func label(_ i: Int) -> String { labels[i % labels.count] }
  /// Scopes 0 and 1 share a seed, so their task names are the same.
  public static func seed(_ base: UInt64, _ i: Int) -> UInt64 { base &+ UInt64(i / 2) }
}

public struct Backend: Sendable {
  public var bundle: ServiceBundle
  /// Present for AWS; nil in demo mode.
  public var aws: AWSServices?
  /// Present in demo mode.
  public var fleet: SimulatedFleet?
  /// The HTTP transport (for webhooks), shared with the AWS clients.
  public var transport: any HTTPTransport
  /// "demo" or the profile name, for the audit log.
  public var auditSource: String
}

/// A backend that could not be set up: bad settings (exit 2) or no or rejected credentials (exit 3).
public struct BackendError: Error, CustomStringConvertible {
  public var message: String
  public var exitCode: Int32
  public var description: String { message }
  public init(message: String, exitCode: Int32) {
    self.message = message
    self.exitCode = exitCode
  }
}

public enum BackendFactory {
  public static func make(_ o: BackendOptions, environment env: [String: String], clock: any Clock) async throws -> Backend {
    let transport = CurlTransport(options: .init(connectTimeout: o.connectTimeout, totalTimeout: o.totalTimeout))
    if o.demo {
      let i = o.demoScope
      var cfg = SimulatorConfig(tasks: o.demoTasks, tablesPerTask: o.demoTables, seed: DemoScopes.seed(o.demoSeed, i))
      cfg.region = DemoScopes.region(i)
      cfg.account = DemoScopes.account(i)
      let fleet = SimulatedFleet(config: cfg, clock: clock)
      let info = ScopeInfo(
        id: o.scopeID, label: o.label, profile: "demo", region: cfg.region,
        account: cfg.account, readOnly: o.readOnly, accent: o.accent)
      return Backend(
        bundle: ServiceBundle(
          dms: fleet, metrics: fleet, logs: fleet, sourceLabel: "demo (simulated fleet, seed \(o.demoSeed))", scope: info,
          serverless: fleet),
        aws: nil, fleet: fleet, transport: transport, auditSource: "demo")
    }
    var endpoint: URL? = nil
    if let e = o.endpointURL {
      guard let u = URL(string: e), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil else {
        throw BackendError(message: "--endpoint-url \"\(e)\" is not an http(s) URL", exitCode: 2)
      }
      endpoint = u
    }
    var settings = AWSSettings(
      profile: o.profile, region: o.region, endpointURL: endpoint, connectTimeout: o.connectTimeout,
      totalTimeout: o.totalTimeout, verifyIdentity: true, mfaPrompt: o.mfaPrompt)
    // One place decides when a throttled read is tried again: the engine's lane (charged to the scope's
    // bucket, feeding AIMD) or check's per-call backoff — never the client as well.
    settings.retryThrottling = false
    do {
      let aws = try await AWSClientFactory.makeServices(settings: settings, environment: env, transport: transport)
      var bundle = aws.bundle
      bundle.scope = ScopeInfo(
        id: o.scopeID, label: o.label, profile: o.profile ?? env["AWS_PROFILE"] ?? "default", region: aws.region, account: aws.account,
        readOnly: o.readOnly, accent: o.accent)
      return Backend(bundle: bundle, aws: aws, fleet: nil, transport: transport, auditSource: o.profile ?? env["AWS_PROFILE"] ?? "default")
    } catch let e as ServiceError {
      let code: Int32 = ["InvalidConfig", "NoRegion", "InvalidRegion"].contains(e.code) ? 2 : 3
      throw BackendError(message: e.message.isEmpty ? e.description : e.message, exitCode: code)
    }
  }

  /// Runs async set-up from synchronous code (before the main loop exists), without the main actor.
  public static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let sem = DispatchSemaphore(value: 0)
    Task.detached {
      do { box.set(.success(try await body())) } catch { box.set(.failure(error)) }
      sem.signal()
    }
    sem.wait()
    return try box.get()
  }
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var result: Result<T, Error>?
  func set(_ r: Result<T, Error>) { lock.withLock { result = r } }
  func get() throws -> T {
    guard let r = lock.withLock({ result }) else { throw BackendError(message: "internal: no result", exitCode: 70) }
    return try r.get()
  }
}

extension ScopeInfo {
  /// The account and region this scope reaches, once the identity is known: two profiles of one account
  /// in one region see the same resources (same ARNs) and share one DMS quota, so they are one scope.
  public var accountRegion: String? { account.map { "\($0)/\(region ?? "")" } }
}

extension BackendFactory {
  /// Drops a backend whose account and region an earlier one already watches; returns the kept ones and a
  /// message for each dropped one.
  public static func distinctAccounts(_ backends: [Backend]) -> ([Backend], [String]) {
    var seen: [String: ScopeInfo] = [:]
    var kept: [Backend] = []
    var notes: [String] = []
    for b in backends {
      if let key = b.bundle.scope.accountRegion, let first = seen[key] {
        notes.append("\(b.bundle.scope.display) reaches the same account and region as \(first.display) (\(key)): watched once")
        continue
      }
      if let key = b.bundle.scope.accountRegion { seen[key] = b.bundle.scope }
      kept.append(b)
    }
    return (kept, notes)
  }
}
