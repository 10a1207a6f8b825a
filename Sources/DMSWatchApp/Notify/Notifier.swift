import AWSClient
import DMSWatchModel
import Foundation
import DMSWatchReports

/// Retries of one notification: one attempt, then one retry after each delay.
public struct NotifyRetry: Sendable, Equatable {
  public var delays: [TimeInterval]
  public init(delays: [TimeInterval] = [0.5, 1, 2]) { self.delays = delays }
  public var maxAttempts: Int { delays.count + 1 }
  public static let none = NotifyRetry(delays: [])
}

/// What became of one notification.
public struct DeliveryResult: Sendable, Equatable {
  public var target: NotificationTarget
  public var task: String
  public var delivered: Bool
  /// Attempts made (0 when skipped).
  public var attempts: Int
  /// Why it failed, redacted; nil when delivered.
  public var error: String?

  /// One line for stderr and the log, redacted.
  public var summary: String {
    if delivered { return "notification for \(task) sent to \(target.label)" }
    return "notification for \(task) to \(target.label) failed: \(error ?? "unknown error")"
  }
}

/// Sends notifications: webhooks POSTed as JSON over the transport, SNS through Publish. Each send is
/// retried with backoff on network errors, timeouts, HTTP 408/425/429/5xx and retryable AWS errors.
/// Every message it produces is redacted (webhook URLs, tokens).
public final class Notifier: Sendable {
  public let transport: any HTTPTransport
  public let sns: (any SNSPublisher)?
  /// Why SNS cannot be used when `sns` is nil.
  public let snsUnavailable: String
  public let retry: NotifyRetry
  public let sleep: Sleeper
  /// Per request, seconds.
  public let timeout: TimeInterval
  /// Receives one redacted line per delivery outcome.
  public let log: @Sendable (String) -> Void
  public let userAgent: String

  public init(
    transport: any HTTPTransport, sns: (any SNSPublisher)? = nil, snsUnavailable: String = "no AWS session for SNS",
    retry: NotifyRetry = NotifyRetry(), sleep: @escaping Sleeper = realSleep, timeout: TimeInterval = 10,
    userAgent: String = "dmswatch", log: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.transport = transport
    self.sns = sns
    self.snsUnavailable = snsUnavailable
    self.retry = retry
    self.sleep = sleep
    self.timeout = timeout
    self.userAgent = userAgent
    self.log = log
  }
}

/// A failed attempt: its redacted text and whether another attempt may help.
struct AttemptError: Error {
  var text: String
  var retryable: Bool
}

extension Notifier {
  /// Delivers everything: targets in parallel, each target's notifications in order. Once a target has
  /// failed every attempt, its remaining notifications are not tried (so a dead receiver costs one
  /// retry cycle, not one per task). Results are in the order of `items`.
  public func deliver(_ items: [OutgoingNotification]) async -> [DeliveryResult] {
    var order: [NotificationTarget] = []
    var byTarget: [NotificationTarget: [(Int, OutgoingNotification)]] = [:]
    for (i, item) in items.enumerated() {
      if byTarget[item.target] == nil { order.append(item.target) }
      byTarget[item.target, default: []].append((i, item))
    }
    var results = [DeliveryResult?](repeating: nil, count: items.count)
    await withTaskGroup(of: [(Int, DeliveryResult)].self) { group in
      for target in order {
        let list = byTarget[target] ?? []
        group.addTask {
          var out: [(Int, DeliveryResult)] = []
          var deadReason: String?
          for (i, item) in list {
            if let deadReason {
              let r = DeliveryResult(
                target: target, task: item.task, delivered: false, attempts: 0, error: "not sent: \(deadReason) (earlier notification)")
              self.log(r.summary)
              out.append((i, r))
              continue
            }
            let r = await self.deliverOne(item)
            if !r.delivered { deadReason = r.error ?? "failed" }
            out.append((i, r))
          }
          return out
        }
      }
      for await part in group {
        for (i, r) in part { results[i] = r }
      }
    }
    return results.compactMap { $0 }
  }

  /// One notification, with retries. Never throws: the outcome says what happened.
  public func deliverOne(_ item: OutgoingNotification) async -> DeliveryResult {
    var attempt = 0
    var lastError = "not attempted"
    while attempt < retry.maxAttempts {
      if attempt > 0 {
        let delay = retry.delays[attempt - 1]
        log("notification for \(item.task) to \(item.target.label): attempt \(attempt) failed (\(lastError)); retrying in \(delay)s")
        do { try await sleep(delay) } catch { break }
      }
      attempt += 1
      do {
        try await send(item)
        let r = DeliveryResult(target: item.target, task: item.task, delivered: true, attempts: attempt, error: nil)
        log(r.summary + (attempt > 1 ? " (attempt \(attempt))" : ""))
        return r
      } catch let e as AttemptError {
        lastError = e.text
        if !e.retryable { break }
      } catch {
        lastError = Redact.text(String(describing: error))
      }
    }
    let r = DeliveryResult(
      target: item.target, task: item.task, delivered: false, attempts: attempt,
      error: "\(lastError) (after \(attempt) attempt\(attempt == 1 ? "" : "s"))")
    log(r.summary)
    return r
  }

  func send(_ item: OutgoingNotification) async throws {
    switch (item.target, item.payload) {
    case (.webhook(let url, _), .body(let body)):
      try await post(url: url, body: body)
    case (.sns(let topic), .sns(let message)):
      guard let sns else { throw AttemptError(text: snsUnavailable, retryable: false) }
      do {
        _ = try await sns.publish(topicArn: topic, subject: message.subject, message: message.message)
      } catch let e as ServiceError {
        // Publish is sent once by the AWS client; this loop is its one retry policy (an alert is
        // delivered at least once: a lost answer is retried, a possible duplicate page is accepted).
        throw AttemptError(text: Redact.text(e.description), retryable: e.isRetryable || e.kind == .unknownOutcome)
      }
    default:
      throw AttemptError(text: "internal: payload does not match the target", retryable: false)
    }
  }

  /// POSTs JSON; 2xx is success.
  func post(url: String, body: String) async throws {
    guard let u = URL(string: url) else { throw AttemptError(text: "not a URL: \(Redact.url(url))", retryable: false) }
    let req = HTTPRequest(
      method: "POST", url: u, headers: ["Content-Type": "application/json", "User-Agent": userAgent], body: Data(body.utf8),
      timeout: timeout)
    let resp: HTTPResponse
    do {
      resp = try await transport.send(req)
    } catch let e as ServiceError {
      throw AttemptError(text: Self.redact(e.description, url: url), retryable: e.isRetryable || e.kind == .unknownOutcome)
    }
    guard (200..<300).contains(resp.status) else {
      let snippet = String(decoding: resp.body.prefix(200), as: UTF8.self)
        .replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
      let text = "HTTP \(resp.status)\(snippet.isEmpty ? "" : ": \(snippet)")"
      throw AttemptError(text: Self.redact(text, url: url), retryable: resp.status >= 500 || [408, 425, 429].contains(resp.status))
    }
  }

  /// Redacts text that may quote the webhook URL verbatim or in parts.
  static func redact(_ s: String, url: String) -> String {
    var out = s
    let safe = Redact.url(url)
    if safe != url { out = out.replacingOccurrences(of: url, with: safe) }
    return Redact.text(out)
  }
}
