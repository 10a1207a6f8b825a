import DMSWatchModel
import Foundation

/// STS over the query protocol.
public final class AWSSTSClient: Sendable {
  public let caller: AWSCaller
  public init(caller: AWSCaller) { self.caller = caller }
}

public struct CallerIdentity: Sendable, Equatable {
  public var account: String
  public var arn: String
  public var userId: String
}

extension AWSSTSClient {
  public func getCallerIdentity() async throws -> CallerIdentity {
    let r = try await caller.query("GetCallerIdentity", [])
    guard let arn = r.child("Arn")?.text else { throw AWSErrorMapper.malformed("sts", "GetCallerIdentity", "no Arn") }
    return CallerIdentity(account: r.child("Account")?.text ?? "", arn: arn, userId: r.child("UserId")?.text ?? "")
  }

  public func assumeRole(
    roleArn: String, sessionName: String, externalId: String? = nil, durationSeconds: Int? = nil, serialNumber: String? = nil,
    tokenCode: String? = nil
  ) async throws -> AWSCredentials {
    var p = [("RoleArn", roleArn), ("RoleSessionName", sessionName)]
    if let d = durationSeconds { p.append(("DurationSeconds", String(d))) }
    if let e = externalId { p.append(("ExternalId", e)) }
    if let s = serialNumber { p.append(("SerialNumber", s)) }
    if let t = tokenCode { p.append(("TokenCode", t)) }
    let r = try await caller.query("AssumeRole", p)
    return try Self.credentials(r, op: "AssumeRole", source: "assume-role \(roleArn)")
  }

  /// AssumeRoleWithWebIdentity is unsigned: it goes through the transport directly.
  public static func assumeRoleWithWebIdentity(
    endpoint: URL, transport: any HTTPTransport, roleArn: String, sessionName: String, token: String, durationSeconds: Int? = nil
  ) async throws -> AWSCredentials {
    var p = [
      ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleArn), ("RoleSessionName", sessionName),
      ("WebIdentityToken", token),
    ]
    if let d = durationSeconds { p.append(("DurationSeconds", String(d))) }
    let body = p.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&")
    var url = endpoint
    if url.path.isEmpty { url = url.appendingPathComponent("") }
    let resp = try await transport.send(
      HTTPRequest(
        method: "POST", url: url, headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"],
        body: Data(body.utf8)))
    guard (200..<300).contains(resp.status) else { throw AWSErrorMapper.error(from: resp, service: "sts") }
    guard let root = XMLNode.parse(resp.body) else {
      throw AWSErrorMapper.malformed("sts", "AssumeRoleWithWebIdentity", "body is not XML")
    }
    return try credentials(
      root.first("AssumeRoleWithWebIdentityResult") ?? root, op: "AssumeRoleWithWebIdentity", source: "web-identity \(roleArn)")
  }

  static func credentials(_ r: XMLNode, op: String, source: String) throws -> AWSCredentials {
    guard let c = r.first("Credentials"), let ak = c.child("AccessKeyId")?.text, let sk = c.child("SecretAccessKey")?.text
    else { throw AWSErrorMapper.malformed("sts", op, "no Credentials in the response") }
    return AWSCredentials(
      accessKeyId: ak, secretAccessKey: sk, sessionToken: c.child("SessionToken")?.text,
      expiration: c.child("Expiration").flatMap { Timestamp.parse($0.text) }, source: source)
  }
}

/// SNS over the query protocol (alert notifications).
public final class AWSSNSClient: Sendable {
  public let caller: AWSCaller
  public init(caller: AWSCaller) { self.caller = caller }
}

extension AWSSNSClient {
  /// Returns the MessageId.
  public func publish(topicArn: String, subject: String?, message: String) async throws -> String {
    var p = [("TopicArn", topicArn), ("Message", message)]
    if let s = subject { p.append(("Subject", String(s.prefix(100)))) }
    // Sent once by the client; the notifier's own bounded retry loop is the one retry policy.
    let r = try await caller.query("Publish", p, mutating: true)
    guard let id = r.child("MessageId")?.text else { throw AWSErrorMapper.malformed("sns", "Publish", "no MessageId") }
    return id
  }
}
