import DMSWatchModel
import Foundation
import DMSWatchReports
import DMSWatchRules

/// Notifications from the running dashboard. Call `update(findings:…)` with the complete current
/// findings after each refresh: the model's `NotificationGate` picks the transitions (healthy → finding,
/// warn → critical, finding → resolved), drops repeats and applies the rate limits; the messages are
/// sent in the background, one batch after the other, and never block the caller. `lastFailure` is
/// the latest failed delivery (redacted) for the status line; a later successful batch clears it.
@MainActor
public final class DashboardNotifier {
  public let notifier: Notifier
  public let targets: [NotificationTarget]
  private let clock: any Clock
  private var gate: NotificationGate
  private var chain: Task<Void, Never>?
  /// Latest delivery failure, one line, redacted; nil once a later batch went through.
  public private(set) var lastFailure: String?
  public private(set) var lastFailureAt: Date?
  /// Notifications delivered / failed since start.
  public private(set) var sentCount = 0
  public private(set) var failedCount = 0
  /// Batches queued or being sent.
  public private(set) var inFlight = 0
  /// Called on the main actor after each batch (e.g. to redraw the status line).
  public var onChange: (() -> Void)?

  public init(notifier: Notifier, targets: [NotificationTarget], clock: any Clock, gate: NotificationGate.Config = .init()) {
    self.notifier = notifier
    self.targets = targets
    self.clock = clock
    self.gate = NotificationGate(config: gate)
  }

  /// True when there is anywhere to send to.
  public var isEnabled: Bool { !targets.isEmpty }

  /// Transitions held back by the rate limits at the last update.
  public var pendingCount: Int { gate.pendingCount }

  /// Marks current findings as known without notifying (e.g. those present when the dashboard starts).
  public func prime(findings: [Finding]) {
    gate.prime(findings: findings, now: clock.now())
  }

  /// Feeds the current findings; returns the notices that were queued for sending.
  /// - Parameters:
  ///   - readiness: cutover readiness by task identifier, added to the messages when present.
  ///   - scope: the task identifiers the findings cover (nil = all tasks); see `NotificationGate.update`.
  @discardableResult
  public func update(findings: [Finding], readiness: [String: Readiness] = [:], scope: Set<String>? = nil) -> [Notice] {
    guard isEnabled else { return [] }
    let notices = gate.update(findings: findings, now: clock.now(), scope: scope)
    guard !notices.isEmpty else { return [] }
    let items = NotificationPlan.forNotices(notices, findings: findings, readiness: readiness, targets: targets)
    guard !items.isEmpty else { return notices }
    let previous = chain
    let notifier = self.notifier
    inFlight += 1
    chain = Task { @MainActor [weak self] in
      await previous?.value
      let results = await notifier.deliver(items)
      self?.record(results)
    }
    return notices
  }

  /// Waits until every queued batch has been sent (tests; orderly shutdown).
  public func waitForIdle() async {
    while let c = chain {
      await c.value
      if chain == c { break }
    }
  }

  private func record(_ results: [DeliveryResult]) {
    inFlight -= 1
    let failed = results.filter { !$0.delivered }
    sentCount += results.count - failed.count
    failedCount += failed.count
    if let f = failed.first {
      lastFailure = f.summary + (failed.count > 1 ? " (+\(failed.count - 1) more)" : "")
      lastFailureAt = clock.now()
    } else if !results.isEmpty {
      lastFailure = nil
      lastFailureAt = nil
    }
    onChange?()
  }
}

extension DashboardNotifier {
  /// The dashboard's notifier from the config file (`notifications:`) and `NOTIFIER_URL`; nil when there
  /// is no target. SNS uses the AWS session (none in demo mode: SNS deliveries then fail with a reason).
  /// `notifications.min_interval` sets the per-finding interval. Throws `NotificationTargetError` for a
  /// bad `NOTIFIER_URL` or topic.
  public static func make(
    config: AppConfig, environment: [String: String], backend: Backend, clock: any Clock, log: @escaping @Sendable (String) -> Void = { _ in }
  ) throws -> DashboardNotifier? {
    let targets = try NotificationTarget.resolve(config: config, webhooks: [], webhookFormat: .json, snsTopics: [], environment: environment)
    guard !targets.isEmpty else { return nil }
    let notifier = Notifier(
      transport: backend.transport, sns: backend.aws?.sns,
      snsUnavailable: backend.aws == nil ? "SNS needs an AWS session (not available in demo mode)" : "no AWS session for SNS", log: log)
    var gate = NotificationGate.Config()
    if let m = config.notifyMinInterval { gate.perFindingInterval = m }
    return DashboardNotifier(notifier: notifier, targets: targets, clock: clock, gate: gate)
  }
}
