import CPty
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A child process on a pseudo-terminal, for measuring what the real binary writes.
final class PtyProcess {
  let pid: pid_t
  let master: Int32
  private(set) var bytesRead = 0
  private(set) var output = [UInt8]()
  var keepOutput = true

  init(path: String, arguments: [String], environment: [String: String], cols: Int, rows: Int) throws {
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    var m: Int32 = -1
    var child: pid_t = 0
    let rc = dmsw_spawn_pty(path, argv, envp, Int32(cols), Int32(rows), &m, &child)
    for p in argv { free(p) }
    for p in envp { free(p) }
    guard rc == 0 else {
      throw BenchError("cannot start \(path) on a pty: \(String(cString: strerror(errno)))")
    }
    pid = child
    master = m
    _ = fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK)
  }

  /// Reads whatever is there for up to `seconds`; returns bytes read in this call.
  @discardableResult
  func pump(seconds: Double) -> Int {
    let deadline = Date().addingTimeInterval(seconds)
    var total = 0
    var buf = [UInt8](repeating: 0, count: 65536)
    while Date() < deadline {
      var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
      let ms = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
      let r = poll(&pfd, 1, min(ms, 100))
      if r <= 0 { continue }
      let n = read(master, &buf, buf.count)
      if n <= 0 { break }
      total += n
      if keepOutput { output.append(contentsOf: buf[0..<n]) }
    }
    bytesRead += total
    return total
  }

  /// Waits until the output contains all needles or the timeout passes; returns elapsed seconds or nil.
  func waitFor(_ needles: [String], timeout: Double) -> Double? {
    let start = Date()
    while Date().timeIntervalSince(start) < timeout {
      pump(seconds: 0.005)
      let text = String(decoding: output, as: UTF8.self)
      if needles.allSatisfy({ text.contains($0) }) { return Date().timeIntervalSince(start) }
    }
    return nil
  }

  func write(_ s: String) {
    let bytes = Array(s.utf8)
    _ = bytes.withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
  }

  /// utime + stime in seconds from /proc.
  func cpuSeconds() -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let ut = Double(fields[11]), let st = Double(fields[12]) else { return nil }
    let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
    return (ut + st) / hz
  }

  /// Peak resident set size in MiB (VmHWM).
  func peakRSSMiB() -> Double? { statusMiB(pid: pid, "VmHWM") }

  /// Private (anonymous) resident memory in MiB: the process's own data, without shared libraries.
  func anonRSSMiB() -> Double? { statusMiB(pid: pid, "RssAnon") }
}

/// A field of /proc/<pid>/status in MiB (`pid` 0 = this process).
func statusMiB(pid: pid_t, _ field: String) -> Double? {
  let path = pid == 0 ? "/proc/self/status" : "/proc/\(pid)/status"
  guard let status = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
  for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
    let kb = line.split(separator: " ").compactMap { Double($0) }.first
    return kb.map { $0 / 1024 }
  }
  return nil
}

extension PtyProcess {

  func terminate() {
    kill(pid, SIGTERM)
    var status: Int32 = 0
    for _ in 0..<100 {
      if waitpid(pid, &status, WNOHANG) == pid { break }
      pump(seconds: 0.02)
    }
    kill(pid, SIGKILL)
    _ = waitpid(pid, &status, WNOHANG)
    close(master)
  }
}

struct BenchError: Error, CustomStringConvertible {
  var description: String
  init(_ s: String) { description = s }
}
