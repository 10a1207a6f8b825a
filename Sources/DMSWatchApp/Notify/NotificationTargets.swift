import AWSClient
import DMSWatchModel
import Foundation
import DMSWatchReports

/// Where a notification goes.
public enum NotificationTarget: Sendable, Equatable, Hashable {
  case webhook(url: String, format: WebhookTarget.Format)
  case sns(topicArn: String)

  /// For messages and logs: the URL redacted.
  public var label: String {
    switch self {
    case .webhook(let url, let format): "webhook \(Redact.url(url)) (\(format.rawValue))"
    case .sns(let arn): "SNS \(arn)"
    }
  }
}

/// A bad `--webhook`, `--sns-topic` or `NOTIFIER_URL` value (exit 2).
public struct NotificationTargetError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public var description: String { message }
}

extension NotificationTarget {
  /// The name of the environment variable existing deployments set: a compat-mode webhook.
  public static let environmentVariable = "NOTIFIER_URL"

  /// Targets from the config file, the command line and `NOTIFIER_URL`, in that order, duplicates removed.
  /// URLs must be http(s) with a host; topics must be SNS ARNs.
  public static func resolve(
    config: AppConfig, webhooks: [String], webhookFormat: WebhookTarget.Format, snsTopics: [String],
    environment: [String: String]
  ) throws -> [NotificationTarget] {
    var out: [NotificationTarget] = []
    func add(_ t: NotificationTarget) {
      if !out.contains(t) { out.append(t) }
    }
    for w in config.webhooks { add(.webhook(url: w.url, format: w.format)) }
    for t in config.snsTopics {
      try checkTopic(t, what: "sns_topics entry in the config file")
      add(.sns(topicArn: t))
    }
    for w in webhooks {
      try checkURL(w, what: "--webhook")
      add(.webhook(url: w, format: webhookFormat))
    }
    for t in snsTopics {
      try checkTopic(t, what: "--sns-topic")
      add(.sns(topicArn: t))
    }
    if let env = environment[environmentVariable]?.trimmingCharacters(in: .whitespaces), !env.isEmpty {
      try checkURL(env, what: environmentVariable)
      add(.webhook(url: env, format: .compat))
    }
    return out
  }

  static func checkURL(_ s: String, what: String) throws {
    guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), let host = u.host, !host.isEmpty
    else {
      throw NotificationTargetError(message: "\(what) \"\(Redact.url(s))\" is not an http(s) URL")
    }
  }

  static func checkTopic(_ s: String, what: String) throws {
    let parts = s.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 6, parts[0] == "arn", parts[2] == "sns", !parts[5].isEmpty else {
      throw NotificationTargetError(message: "\(what) \"\(s)\" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)")
    }
  }
}

/// SNS Publish, as `AWSSNSClient` does it (injectable for tests).
public protocol SNSPublisher: Sendable {
  func publish(topicArn: String, subject: String?, message: String) async throws -> String
}

extension AWSSNSClient: SNSPublisher {}

/// What to send to one target.
public struct OutgoingNotification: Sendable, Equatable {
  public enum Payload: Sendable, Equatable {
    /// A JSON body POSTed to the webhook.
    case body(String)
    case sns(SNSMessage)
  }
  public var target: NotificationTarget
  public var payload: Payload
  /// The task it is about (for messages).
  public var task: String

  public init(target: NotificationTarget, payload: Payload, task: String) {
    self.target = target
    self.payload = payload
    self.task = task
  }
}
