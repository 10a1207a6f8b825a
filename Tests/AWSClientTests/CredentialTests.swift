import AWSClient
import CurlTransport
import DMSWatchModel
import Foundation
import XCTest

final class CredentialTests: XCTestCase {
  var home: URL!

  override func setUpWithError() throws {
    home = FileManager.default.temporaryDirectory.appendingPathComponent("dmswatch-creds-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: home.appendingPathComponent(".aws/sso/cache"), withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: home) }

  func write(_ rel: String, _ text: String) throws {
    try Data(text.utf8).write(to: home.appendingPathComponent(rel))
  }

  /// No IMDS/container lookups leave the process: IMDS is disabled unless a test points it at a fake.
  func env(_ extra: [String: String] = [:]) -> [String: String] {
    ["HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true"].merging(extra) { _, b in b }
  }

  func chain(_ env: [String: String], profile: String? = nil, transport: any HTTPTransport = FakeTransport { _, _ in
    throw ServiceError(kind: .network, code: "Unexpected", message: "no network in this test")
  }, mfa: MFAPrompt? = nil, now: @escaping @Sendable () -> Date = { Date() }) throws -> CredentialChain {
    CredentialChain(
      environment: env, explicitProfile: profile, files: try AWSConfigFiles.load(environment: env), region: "eu-west-1",
      transport: transport, stsEndpoint: URL(string: "https://sts.eu-west-1.amazonaws.com")!, mfaPrompt: mfa, now: now)
  }

  func testINIParserNestedSectionsAndLineNumbers() throws {
    let ini = try INIFile.parse(
      """
      # comment
      [profile dev]
      region = eu-west-1 # trailing comment
      services = local
      [services local]
      database_migration_service =
        endpoint_url = http://127.0.0.1:5055
      cloudwatch =
        endpoint_url = http://127.0.0.1:5056
      """, path: "cfg")
    XCTAssertEqual(ini.sections["profile dev"]?["region"], "eu-west-1")
    XCTAssertEqual(ini.sections["services local"]?["database_migration_service.endpoint_url"], "http://127.0.0.1:5055")
    XCTAssertEqual(ini.sections["services local"]?["cloudwatch.endpoint_url"], "http://127.0.0.1:5056")
    XCTAssertThrowsError(try INIFile.parse("[default]\nregion = x\nthis line is junk\n", path: "cfg")) { e in
      XCTAssertEqual(String(describing: e), "cfg: line 3: expected 'key = value', found 'this line is junk'")
    }
    XCTAssertThrowsError(try INIFile.parse("region = x\n", path: "c2")) { e in
      XCTAssertTrue(String(describing: e).hasPrefix("c2: line 1:"))
    }
    XCTAssertThrowsError(try INIFile.parse("\n\n[default\n", path: "c3")) { e in
      XCTAssertTrue(String(describing: e).contains("line 3"))
    }
  }

  func testEnvironmentFirstUnlessProfileGiven() async throws {
    try write(".aws/credentials", "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = filesecret\n[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = opssecret\n")
    let e = env(["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "SESSIONTOKENVALUE"])
    let c1 = try await chain(e).resolve().credentials()
    XCTAssertEqual(c1.accessKeyId, "AKIAENV")
    XCTAssertEqual(c1.sessionToken, "SESSIONTOKENVALUE")
    XCTAssertEqual(c1.source, "environment")
    XCTAssertFalse(c1.description.contains("envsecret"))
    XCTAssertFalse(c1.description.contains("SESSIONTOKENVALUE"))
    let c2 = try await chain(e, profile: "ops").resolve().credentials()
    XCTAssertEqual(c2.accessKeyId, "AKIAOPS")
    let c3 = try await chain(env(["AWS_PROFILE": "ops"])).resolve().credentials()
    XCTAssertEqual(c3.accessKeyId, "AKIAOPS")
    let c4 = try await chain(env()).resolve().credentials()
    XCTAssertEqual(c4.accessKeyId, "AKIAFILE")
    // Custom file locations.
    try write("alt-creds", "[default]\naws_access_key_id = AKIAALT\naws_secret_access_key = alt\n")
    let c5 = try await chain(env(["AWS_SHARED_CREDENTIALS_FILE": home.appendingPathComponent("alt-creds").path])).resolve().credentials()
    XCTAssertEqual(c5.accessKeyId, "AKIAALT")
  }

  func testNothingConfiguredListsEverySource() async throws {
    do {
      _ = try await chain(env()).resolve()
      XCTFail("must fail")
    } catch let e as ServiceError {
      XCTAssertEqual(e.kind, .credentials)
      for s in ["environment: AWS_ACCESS_KEY_ID not set", "assume-role", "web identity", "sso", "shared credentials file", "credential_process",
        "config file keys", "container endpoint", "EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED"]
      {
        XCTAssertTrue(e.message.contains(s), "missing '\(s)' in:\n\(e.message)")
      }
      XCTAssertTrue(e.message.hasPrefix("No AWS credentials found."))
    }
    do {
      _ = try await chain(env(), profile: "nope").resolve()
      XCTFail("unknown profile must fail")
    } catch {
      XCTAssertTrue(String(describing: error).contains("profile 'nope'"), "\(error)")
    }
  }

  func testCredentialProcessAndShortExpiryRefresh() async throws {
    let counter = home.appendingPathComponent("count")
    let script = home.appendingPathComponent("cp.sh")
    try Data("""
      #!/bin/sh
      n=$(cat '\(counter.path)' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '\(counter.path)'
      exp=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)
      printf '{"Version":1,"AccessKeyId":"AKIAPROC%s","SecretAccessKey":"s","SessionToken":"t","Expiration":"%s"}' "$n" "$exp"
      """.utf8).write(to: script)
    try write(".aws/config", "[profile proc]\ncredential_process = /bin/sh \(script.path)\nregion = eu-west-1\n")
    let ch = try chain(env(), profile: "proc")
    // The cache takes a clock: moved past the expiry instead of sleeping 2.2 s.
    let clock = Box(Date())
    let cache = CachingCredentialsProvider(ProcessCredentialsProvider(command: "/bin/sh \(script.path)"), refreshAhead: 1, now: { clock.value })
    let a = try await cache.credentials()
    XCTAssertEqual(a.accessKeyId, "AKIAPROC1")
    let b = try await cache.credentials()
    XCTAssertEqual(b.accessKeyId, "AKIAPROC1", "still valid: cached")
    clock.value = clock.value.addingTimeInterval(3)
    let c = try await cache.credentials()
    XCTAssertNotEqual(c.accessKeyId, "AKIAPROC1", "expired: refreshed without restart")
    let fetches = await cache.fetchCount
    XCTAssertEqual(fetches, 2)
    let viaChain = try await ch.resolve().credentials()
    XCTAssertTrue(viaChain.accessKeyId.hasPrefix("AKIAPROC"))
    XCTAssertEqual(viaChain.source, "credential_process")

    try write(".aws/config", "[profile v2]\ncredential_process = echo '{\"Version\":2}'\n[profile boom]\ncredential_process = sh -c 'echo nope >&2; exit 3'\n")
    do {
      _ = try await chain(env(), profile: "v2").resolve()
      XCTFail("Version 2 must be rejected")
    } catch {
      XCTAssertTrue(String(describing: error).contains("only 1 is supported"), "\(error)")
    }
    do {
      _ = try await chain(env(), profile: "boom").resolve()
      XCTFail("a failing process must be reported")
    } catch {
      XCTAssertTrue(String(describing: error).contains("exited with status 3: nope"), "\(error)")
    }
  }

  func testAssumeRoleViaMotoSTS() async throws {
    let peer = try PeerServer()
    defer { peer.stop() }
    try write(".aws/credentials", "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = basesecret\n")
    try write(
      ".aws/config",
      """
      [profile ops]
      role_arn = arn:aws:iam::123456789012:role/ops
      source_profile = base
      external_id = ext-1
      duration_seconds = 1800
      mfa_serial = arn:aws:iam::123456789012:mfa/me
      region = eu-west-1
      """)
    let asked = Box<[String]>([])
    let transport = CurlTransport()
    let ch = CredentialChain(
      environment: env(), explicitProfile: "ops", files: try AWSConfigFiles.load(environment: env()), region: "eu-west-1",
      transport: transport, stsEndpoint: peer.url, mfaPrompt: { serial in asked.value.append(serial); return "123456" })
    let creds = try await ch.resolve().credentials()
    XCTAssertEqual(asked.value, ["arn:aws:iam::123456789012:mfa/me"])
    XCTAssertTrue(creds.source.contains("assume-role arn:aws:iam::123456789012:role/ops"))
    XCTAssertNotNil(creds.sessionToken)
    XCTAssertNotEqual(creds.accessKeyId, "AKIABASE")
    let exp = try XCTUnwrap(creds.expiration)
    XCTAssertEqual(exp.timeIntervalSinceNow, 1800, accuracy: 120)

    // The whole factory with the profile: moto STS also labels the identity.
    let services = try await AWSClientFactory.makeServices(
      settings: AWSSettings(profile: "ops", endpointURL: peer.url, mfaPrompt: { _ in "000000" }), environment: env(), transport: transport)
    XCTAssertTrue(services.identityLabel.hasPrefix("aws:ops eu-west-1 123456789012/"), services.identityLabel)
    XCTAssertTrue(services.credentialSource.hasPrefix("assume-role"))
  }

  func testRoleWithoutMFAPromptAndBadSourceProfileAreClear() async throws {
    try write(".aws/config", "[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = missing\n[profile m]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = Environment\nmfa_serial = arn:mfa\n")
    do {
      _ = try await chain(env(), profile: "r").resolve()
      XCTFail()
    } catch {
      XCTAssertTrue(String(describing: error).contains("source_profile 'missing' of profile r does not exist"), "\(error)")
    }
    do {
      _ = try await chain(env(["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"]), profile: "m").resolve()
      XCTFail()
    } catch {
      XCTAssertTrue(String(describing: error).contains("needs an MFA code"), "\(error)")
    }
  }

  func testWebIdentitySSOContainerAndIMDSWithFakes() async throws {
    // Web identity: unsigned AssumeRoleWithWebIdentity carrying the token file's content.
    try write("token", "eyJ.jwt.token\n")
    let sts = FakeTransport { req, _ in
      XCTAssertNil(req.header("authorization"))
      XCTAssertTrue(String(decoding: req.body, as: UTF8.self).contains("WebIdentityToken=eyJ.jwt.token&") || String(decoding: req.body, as: UTF8.self).hasSuffix("WebIdentityToken=eyJ.jwt.token"))
      return HTTPResponse(status: 200, body: Data("""
        <AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>w</SecretAccessKey><SessionToken>wt</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>
        """.utf8))
    }
    let web = try await chain(env(["AWS_WEB_IDENTITY_TOKEN_FILE": home.appendingPathComponent("token").path, "AWS_ROLE_ARN": "arn:aws:iam::1:role/web"]), transport: sts).resolve().credentials()
    XCTAssertEqual(web.accessKeyId, "ASIAWEB")
    XCTAssertEqual(web.expiration, Timestamp.parse("2099-01-01T00:00:00Z"))

    // SSO: cache file named by SHA-1 of the session name, bearer token header, ms expiration.
    try write(".aws/config", "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n[sso-session corp]\nsso_region = eu-central-1\nsso_start_url = https://corp.awsapps.com/start\n")
    let cacheFile = SSOProvider.cacheFile(dir: home.appendingPathComponent(".aws/sso/cache").path, key: "corp")
    XCTAssertTrue(cacheFile.hasSuffix("/ee0bfd2552fbd840c02cc48b6e823320543c450f.json"), cacheFile)
    try Data(#"{"accessToken":"ssotoken","expiresAt":"2099-01-01T00:00:00Z"}"#.utf8).write(to: URL(fileURLWithPath: cacheFile))
    let sso = FakeTransport { req, _ in
      XCTAssertEqual(req.url.host, "portal.sso.eu-central-1.amazonaws.com")
      XCTAssertEqual(req.url.query, "role_name=ReadOnly&account_id=111122223333")
      XCTAssertEqual(req.header("x-amz-sso_bearer_token"), "ssotoken")
      return HTTPResponse(status: 200, body: Data(#"{"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"s","sessionToken":"t","expiration":4070908800000}}"#.utf8))
    }
    let s = try await chain(env(), profile: "sso", transport: sso).resolve().credentials()
    XCTAssertEqual(s.accessKeyId, "ASIASSO")
    XCTAssertEqual(s.expiration, Date(timeIntervalSince1970: 4_070_908_800))
    // Expired SSO token: a clear instruction.
    try Data(#"{"accessToken":"old","expiresAt":"2001-01-01T00:00:00Z"}"#.utf8).write(to: URL(fileURLWithPath: cacheFile))
    do {
      _ = try await chain(env(), profile: "sso", transport: sso).resolve()
      XCTFail()
    } catch {
      XCTAssertTrue(String(describing: error).contains("aws sso login"), "\(error)")
    }
    try write(".aws/config", "")

    // Container: full URI on loopback with the token file as Authorization.
    try write("ctok", "Bearer abc\n")
    let ecs = FakeTransport { req, _ in
      XCTAssertEqual(req.url.absoluteString, "http://127.0.0.1:9911/creds")
      XCTAssertEqual(req.header("authorization"), "Bearer abc")
      return HTTPResponse(status: 200, body: Data(#"{"AccessKeyId":"ASIAECS","SecretAccessKey":"s","Token":"t","Expiration":"2099-01-01T00:00:00Z"}"#.utf8))
    }
    let c = try await chain(env(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9911/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": home.appendingPathComponent("ctok").path, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored"]), transport: ecs).resolve().credentials()
    XCTAssertEqual(c.accessKeyId, "ASIAECS")
    do {
      _ = try await chain(env(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://203.0.113.9/creds"]), transport: ecs).resolve()
      XCTFail("non-loopback plain http must be refused")
    } catch {
      XCTAssertTrue(String(describing: error).contains("not https, loopback"), "\(error)")
    }

    // IMDSv2 pointed at a loopback fake: token PUT, role list, role credentials.
    let imds = FakeTransport { req, _ in
      switch (req.method, String(req.url.absoluteString.dropFirst("http://127.0.0.1:1".count))) {
      case ("PUT", "/latest/api/token"):
        XCTAssertEqual(req.header("x-aws-ec2-metadata-token-ttl-seconds"), "21600")
        XCTAssertLessThanOrEqual(req.timeout ?? 99, 2)
        return HTTPResponse(status: 200, body: Data("imdstoken".utf8))
      case ("GET", "/latest/meta-data/iam/security-credentials/"):
        XCTAssertEqual(req.header("x-aws-ec2-metadata-token"), "imdstoken")
        return HTTPResponse(status: 200, body: Data("dms-role\n".utf8))
      case ("GET", "/latest/meta-data/iam/security-credentials/dms-role"):
        return HTTPResponse(status: 200, body: Data(#"{"Code":"Success","AccessKeyId":"ASIAIMDS","SecretAccessKey":"s","Token":"t","Expiration":"2099-01-01T00:00:00Z"}"#.utf8))
      default:
        return HTTPResponse(status: 404)
      }
    }
    let i = try await chain(["HOME": home.path, "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1"], transport: imds).resolve().credentials()
    XCTAssertEqual(i.accessKeyId, "ASIAIMDS")
    XCTAssertEqual(i.source, "instance profile dms-role")
  }

  func testRegionAndEndpointResolution() throws {
    try write(".aws/config", """
      [profile dev]
      region = ap-south-1
      services = local
      endpoint_url = http://127.0.0.1:7000
      [services local]
      database_migration_service =
        endpoint_url = http://127.0.0.1:5055
      """)
    let e = env()
    let files = try AWSConfigFiles.load(environment: e)
    let p = files.profile("dev")
    XCTAssertEqual(AWSResolve.region(explicit: nil, environment: e, profile: p), "ap-south-1")
    XCTAssertEqual(AWSResolve.region(explicit: nil, environment: ["AWS_DEFAULT_REGION": "us-west-1"], profile: p), "us-west-1")
    XCTAssertEqual(AWSResolve.region(explicit: nil, environment: ["AWS_REGION": "eu-north-1", "AWS_DEFAULT_REGION": "us-west-1"], profile: p), "eu-north-1")
    XCTAssertEqual(AWSResolve.region(explicit: "sa-east-1", environment: ["AWS_REGION": "eu-north-1"], profile: p), "sa-east-1")
    XCTAssertNil(AWSResolve.region(explicit: nil, environment: [:], profile: nil))

    func ep(_ spec: ServiceSpec, _ env: [String: String], explicit: URL? = nil) throws -> String? {
      try AWSResolve.endpoint(for: spec, explicit: explicit, environment: env, profile: p, files: files)?.absoluteString
    }
    XCTAssertEqual(try ep(.dms, [:]), "http://127.0.0.1:5055")
    XCTAssertEqual(try ep(.cloudwatch, [:]), "http://127.0.0.1:7000")
    XCTAssertEqual(try ep(.dms, ["AWS_ENDPOINT_URL": "http://127.0.0.1:6000"]), "http://127.0.0.1:6000")
    XCTAssertEqual(try ep(.dms, ["AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE": "http://127.0.0.1:6001", "AWS_ENDPOINT_URL": "http://127.0.0.1:6000"]), "http://127.0.0.1:6001")
    XCTAssertEqual(try ep(.dms, ["AWS_ENDPOINT_URL_DMS": "http://127.0.0.1:6002"]), "http://127.0.0.1:5055", "the DMS short name is not a thing")
    XCTAssertEqual(try ep(.logs, ["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": "http://127.0.0.1:6003"]), "http://127.0.0.1:6003")
    XCTAssertEqual(try ep(.sts, ["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:6004"]), "http://127.0.0.1:6004")
    XCTAssertEqual(try ep(.sns, ["AWS_ENDPOINT_URL_SNS": "http://127.0.0.1:6005"]), "http://127.0.0.1:6005")
    XCTAssertNil(try ep(.dms, ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:6000"]))
    XCTAssertEqual(try ep(.dms, ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"], explicit: URL(string: "http://127.0.0.1:1")), "http://127.0.0.1:1")
    XCTAssertThrowsError(try ep(.dms, ["AWS_ENDPOINT_URL": "ftp://x"]))
    XCTAssertEqual(ServiceSpec.cloudwatch.defaultEndpoint(region: "eu-west-1")?.absoluteString, "https://monitoring.eu-west-1.amazonaws.com")
    XCTAssertEqual(ServiceSpec.logs.defaultEndpoint(region: "cn-north-1")?.absoluteString, "https://logs.cn-north-1.amazonaws.com.cn")
  }

  func testIMDSv1FallbackUnlessDisabled() async throws {
    let imds = FakeTransport { req, _ in
      let path = String(req.url.absoluteString.dropFirst("http://127.0.0.1:1".count))
      switch (req.method, path) {
      case ("PUT", _): return HTTPResponse(status: 405)
      case ("GET", "/latest/meta-data/iam/security-credentials/"):
        XCTAssertNil(req.header("x-aws-ec2-metadata-token"))
        return HTTPResponse(status: 200, body: Data("r".utf8))
      case ("GET", "/latest/meta-data/iam/security-credentials/r"):
        return HTTPResponse(status: 200, body: Data(#"{"AccessKeyId":"ASIAV1","SecretAccessKey":"s","Token":"t"}"#.utf8))
      default: return HTTPResponse(status: 404)
      }
    }
    let base = ["HOME": home.path, "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1"]
    let c = try await chain(base, transport: imds).resolve().credentials()
    XCTAssertEqual(c.accessKeyId, "ASIAV1")
    do {
      _ = try await chain(base.merging(["AWS_EC2_METADATA_V1_DISABLED": "true"]) { _, b in b }, transport: imds).resolve()
      XCTFail("v1 disabled")
    } catch {
      XCTAssertTrue(String(describing: error).contains("IMDS token request returned HTTP 405"), "\(error)")
    }
  }

  struct FlakyProvider: CredentialsProvider {
    let calls = Box(0)
    func credentials() async throws -> AWSCredentials {
      calls.value += 1
      if calls.value > 1 { throw CredentialsError("refresh endpoint down") }
      return AWSCredentials(accessKeyId: "ASIAOLD", secretAccessKey: "s", expiration: Date().addingTimeInterval(120))
    }
  }

  func testCacheKeepsValidCredentialsWhenRefreshFails() async throws {
    let p = FlakyProvider()
    let cache = CachingCredentialsProvider(p, refreshAhead: 300)
    let a = try await cache.credentials()
    let b = try await cache.credentials()
    XCTAssertEqual(b, a, "inside the refresh window a failed refresh falls back to still-valid credentials")
    XCTAssertEqual(p.calls.value, 2)
    let expired = CachingCredentialsProvider(p, refreshAhead: 300, now: { Date().addingTimeInterval(600) })
    do {
      _ = try await expired.credentials()
      XCTFail()
    } catch {
      XCTAssertTrue(String(describing: error).contains("refresh endpoint down"))
    }
  }

  func testHangingCredentialProcessTimesOutNamingTheSourceAndItsGroupIsKilled() async throws {
    let pids = home.appendingPathComponent("pids")
    // The shell starts a helper that never answers (and holds stdout open), like a login prompt waiting for a browser.
    try write(".aws/config", "[profile slow]\ncredential_process = sh -c 'echo $$ > \(pids.path); sleep 300 & echo $! >> \(pids.path); wait'\n")
    var e = env()
    e["DMSWATCH_CREDENTIAL_TIMEOUT"] = "0.5"
    let t0 = Date()
    do {
      _ = try await chain(e, profile: "slow").resolve()
      XCTFail("a hanging credential_process must time out")
    } catch {
      let msg = String(describing: error)
      XCTAssertTrue(msg.contains("credential_process of profile slow did not finish within"), msg)
    }
    XCTAssertLessThan(Date().timeIntervalSince(t0), 5, "the deadline holds although the helper keeps the pipe open")
    let ids = try String(contentsOf: pids, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
    XCTAssertEqual(ids.count, 2)
    for pid in ids {
      // Gone, or a zombie waiting for its (container) init to reap it: not running either way. SIGKILL is sent
      // before resolve returns, but a busy machine can show a killed process running for a moment: wait at most
      // 2 s for it to die (a process that was never killed stays alive and fails).
      func state() -> String {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.split(separator: ")").last?.split(separator: " ").first.map(String.init) ?? "gone"
      }
      let deadline = Date().addingTimeInterval(2)
      while !["gone", "Z", "X"].contains(state()), Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
      let st = state()
      XCTAssertTrue(st == "gone" || st == "Z" || st == "X", "process \(pid) of the helper's group is still alive (\(st))")
    }
    XCTAssertTrue(ChildProcesses.running.isEmpty)
  }
}
