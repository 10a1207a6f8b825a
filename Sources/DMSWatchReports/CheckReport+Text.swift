import Foundation
import DMSWatchModel
import DMSWatchRules

extension CheckReport {
  /// The plain-text report of `dmswatch check`: a summary line, one aligned row per task, then the
  /// findings, failing readiness criteria and hints of every task that has any. ASCII only; no line
  /// is longer than `width` (long details wrap with an indent).
  public func humanText(width: Int = 100) -> String {
    let width = max(40, width)
    var lines: [String] = []
    let sevParts = [Severity.critical, .warn, .unknown, .ok].compactMap { s -> String? in
      let n = tasks.filter { $0.severity == s }.count
      return n > 0 ? "\(n) \(s.label)" : nil
    }
    var head = "dmswatch check: \(tasks.count) task\(tasks.count == 1 ? "" : "s")"
    if !sevParts.isEmpty { head += " (\(sevParts.joined(separator: ", ")))" }
    head += ", \(summary.ready) ready"
    lines += Self.wrap(head, width: width, indent: 2)
    lines += Self.wrap("source: \(source)  at \(Format.iso(generatedAt))", width: width, indent: 2)
    lines.append("")

    if tasks.isEmpty {
      lines.append("no tasks")
    } else {
      let headers = ["TASK", "STATUS", "TYPE", "HEALTH", "READY", "CDC LAG", "FINDINGS"]
      let rows: [[String]] = tasks.map { t in
        [
          // A serverless replication's type carries the same SL mark as the dashboard's KD column.
          Self.ascii(t.identifier), Self.ascii(t.status), (t.kind == .serverless ? "SL " : "") + Self.ascii(t.migrationType),
          t.severity.label.uppercased(),
          t.readiness.ready ? "READY" : "NOT READY", t.cdcLatencySeconds.map { Format.duration($0) } ?? "-",
          "\(t.findings.count)",
        ]
      }
      var widths = headers.indices.map { i in max(headers[i].count, rows.map { $0[i].count }.max() ?? 0) }
      let gap = 2
      let total = widths.reduce(0, +) + gap * (widths.count - 1)
      if total > width {
        // Shrink TASK first (not below 8), then TYPE (not below 6).
        var over = total - width
        let cutTask = min(over, max(0, widths[0] - 8))
        widths[0] -= cutTask
        over -= cutTask
        let cutType = min(over, max(0, widths[2] - 6))
        widths[2] -= cutType
      }
      let numeric: Set<Int> = [5, 6]
      func row(_ cells: [String]) -> String {
        var out = ""
        for (i, c) in cells.enumerated() {
          let cell = Self.fit(c, widths[i])
          let padded = numeric.contains(i)
            ? String(repeating: " ", count: widths[i] - cell.count) + cell
            : cell + String(repeating: " ", count: widths[i] - cell.count)
          out += (i == 0 ? "" : String(repeating: " ", count: gap)) + padded
        }
        return Self.fit(Self.trimRight(out), width)
      }
      lines.append(row(headers))
      for r in rows { lines.append(row(r)) }
    }

    for t in tasks where !t.findings.isEmpty || !t.readiness.ready || !t.hints.isEmpty {
      lines.append("")
      lines += Self.wrap(
        "\(Self.ascii(t.identifier))  \(t.severity.label.uppercased())  \(t.readiness.ready ? "READY" : "NOT READY")",
        width: width, indent: 2)
      for f in t.findings {
        let label = f.severity.label.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)
        let table = f.table.map { " \($0):" } ?? ":"
        lines += Self.wrap("  \(label) \(f.event)\(table) \(f.message)", width: width, indent: 13)
      }
      for c in t.readiness.failing {
        lines += Self.wrap("  not ready: \(c.name): \(c.passed == nil ? "unknown: " : "")\(c.detail)", width: width, indent: 6)
      }
      for h in t.hints {
        lines += Self.wrap("  hint [\(h.id)] \(h.title)", width: width, indent: 6)
        lines += Self.wrap("    cause: \(h.cause)", width: width, indent: 11)
        lines += Self.wrap("    next:  \(h.nextStep)", width: width, indent: 11)
        lines += Self.wrap("    seen:  \(h.evidence)", width: width, indent: 11)
      }
    }
    if !missingTasks.isEmpty {
      lines.append("")
      lines += Self.wrap("WARN tasks not found: \(missingTasks.map(Self.ascii).joined(separator: ", "))", width: width, indent: 2)
    }
    return lines.map(Self.trimRight).joined(separator: "\n") + "\n"
  }

  /// ASCII-only, single-line text: common typography mapped, control and other characters become '?'.
  static func ascii(_ s: String) -> String {
    var out = ""
    for u in s.unicodeScalars {
      switch u.value {
      case 0x20..<0x7f: out.unicodeScalars.append(u)
      case 0x09, 0x0a, 0x0d: out += " "
      case 0x2014, 0x2013, 0x2212: out += "-"
      case 0x2026: out += "..."
      case 0x2265: out += ">="
      case 0x2264: out += "<="
      case 0x2018, 0x2019: out += "'"
      case 0x201c, 0x201d: out += "\""
      case 0x2192: out += "->"
      default: out += "?"
      }
    }
    return out
  }

  static func fit(_ s: String, _ n: Int) -> String {
    if s.count <= n { return s }
    if n <= 1 { return String(s.prefix(n)) }
    return String(s.prefix(n - 1)) + "~"
  }

  static func trimRight(_ s: String) -> String {
    var s = s
    while s.last == " " { s.removeLast() }
    return s
  }

  /// Word-wraps one logical line (made ASCII) to `width`; continuation lines start with `indent` spaces.
  /// Words longer than the room are cut.
  static func wrap(_ text: String, width: Int, indent: Int) -> [String] {
    let text = ascii(text)
    let indent = min(indent, width / 2)
    if text.count <= width { return [text] }
    var lines: [String] = []
    var current = ""
    let lead = text.prefix { $0 == " " }
    current = String(lead)
    let words = text.dropFirst(lead.count).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
    let pad = String(repeating: " ", count: indent)
    for var w in words {
      while true {
        let sep = current.trimmingCharacters(in: .whitespaces).isEmpty ? "" : " "
        if current.count + sep.count + w.count <= width {
          current += sep + w
          break
        }
        if current.trimmingCharacters(in: .whitespaces).isEmpty {
          // A word wider than the line: cut it.
          let room = width - current.count
          current += w.prefix(room)
          w = String(w.dropFirst(room))
          lines.append(current)
          current = pad
          if w.isEmpty { break }
          continue
        }
        lines.append(current)
        current = pad
      }
    }
    if !current.trimmingCharacters(in: .whitespaces).isEmpty { lines.append(current) }
    return lines
  }
}
