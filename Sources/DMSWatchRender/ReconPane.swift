import DMSWatchModel
import Foundation
import DMSWatchState

/// The RECON pane: per table source rows, target rows, difference, verdict, checked-at, checksum
/// progress, then the selected table's differing keys and validation-failure rows. Pure: draws a
/// `ReconState` into the grid; `now` is injected for the "checked" ages.
public enum ReconPane {
  public static func draw(_ g: inout Grid, _ s: ReconState, in r: Rect, now: Date, focused: Bool, charset cs: Charset) {
    guard r.width >= 20, r.height >= 4 else { return }
    let frameRole: Role = focused ? .frameFocused : .frame
    g.fill(r)
    g.drawFrame(r, role: frameRole, charset: cs)
    var title: [Segment] = [Segment("RECON", focused ? .titleFocused : .title)]
    if let t = s.taskIdentifier { title.append(Segment(t, .text)) }
    if let res = s.result {
      let mm = res.count(.mismatch)
      title.append(Segment("\(res.tables.count) tables", .dim))
      if mm > 0 { title.append(Segment("\(mm) MISMATCH", .error)) }
    }
    g.frameLabels(r, y: r.y, left: title, right: phaseSegments(s.phase), frameRole: frameRole, charset: cs)
    let inner = Rect(x: r.x + 1, y: r.y + 1, width: r.width - 2, height: r.height - 2)
    guard let res = s.result else {
      let text = s.taskIdentifier == nil ? "no task selected" : "not reconciled yet: run counts to compare source and target"
      g.putCentered(text, in: inner, y: inner.y + inner.height / 2, role: .dim, charset: cs)
      return
    }
    if let e = res.error {
      let role: Role = res.errorKind == "unsupported" ? .warn : .error
      g.put(SafeLine.one(e), x: inner.x + 1, y: inner.y, role: role, maxWidth: inner.width - 1, ellipsis: cs.ellipsis)
      return
    }
    // Columns: name grows; numbers fixed; checksum progress when wide enough.
    let numW = 10
    let diffW = 8
    let verdictW = 10
    let ageW = 7
    let progressW = inner.width >= 100 ? 18 : 0
    let keysW = inner.width >= 80 ? 6 : 0
    let fixed = 2 + numW * 2 + diffW + verdictW + ageW + progressW + keysW + 7
    let nameW = max(8, inner.width - fixed)
    var x = inner.x
    func col(_ w: Int) -> Int {
      let c = x
      x += w + 1
      return c
    }
    let cGutter = col(1)
    let cName = col(nameW)
    let cSrc = col(numW)
    let cTgt = col(numW)
    let cDiff = col(diffW)
    let cVerdict = col(verdictW)
    let cAge = col(ageW)
    let cProg = progressW > 0 ? col(progressW) : -1
    let cKeys = keysW > 0 ? col(keysW) : -1
    _ = cGutter
    var y = inner.y
    func header(_ t: String, _ cx: Int, _ w: Int, right: Bool = false) {
      guard cx >= 0 else { return }
      g.put(right ? pad(t, w) : t, x: cx, y: y, role: .columnHeader, maxWidth: w)
    }
    header("TABLE", cName, nameW)
    header("SOURCE", cSrc, numW, right: true)
    header("TARGET", cTgt, numW, right: true)
    header("DIFF", cDiff, diffW, right: true)
    header("VERDICT", cVerdict, verdictW)
    header("CHECKED", cAge, ageW, right: true)
    header("CHECKSUM", cProg, progressW)
    header("KEYS", cKeys, keysW, right: true)
    y += 1
    let detailRows = min(8, max(0, inner.height - 2 - res.tables.count))
    let listRows = max(1, inner.height - 1 - (detailRows > 0 ? detailRows + 1 : 0))
    let rows = res.tables
    let sel = rows.isEmpty ? 0 : min(max(0, s.selected), rows.count - 1)
    let scroll = min(max(0, s.scroll), max(0, rows.count - listRows))
    for (i, t) in rows.enumerated().dropFirst(scroll).prefix(listRows) {
      let selected = i == sel
      if selected { g.paint(Rect(x: inner.x, y: y, width: inner.width, height: 1), role: focused ? .selected : .selectedUnfocused) }
      func put(_ text: String, _ cx: Int, _ w: Int, _ role: Role, right: Bool = false) {
        guard cx >= 0 else { return }
        let r2: Role = selected ? (focused ? .selected : .selectedUnfocused) : role
        g.put(right ? pad(text, w) : text, x: cx, y: y, role: r2, maxWidth: w, ellipsis: cs.ellipsis)
      }
      if s.marked.contains(t.qualifiedName) { put(String(cs.mark), inner.x, 1, .marked) }
      put(t.qualifiedName, cName, nameW, .text)
      put(t.source?.label ?? "-", cSrc, numW, .text, right: true)
      put(t.target?.label ?? "-", cTgt, numW, .text, right: true)
      let d = t.difference
      let approx = t.source?.estimated == true || t.target?.estimated == true ? "~" : ""
      let dl = d.map { approx + ($0 == 0 ? "0" : ($0 > 0 ? "+\($0)" : "\($0)")) } ?? "-"
      put(dl, cDiff, diffW, d == nil || d == 0 ? .text : .warn, right: true)
      put(t.verdict.rawValue, cVerdict, verdictW, role(t.verdict))
      put(t.checkedAt.map { Format.age(now.timeIntervalSince($0)) } ?? "-", cAge, ageW, .dim, right: true)
      if cProg >= 0 { put(progress(t.checksum, width: progressW, cs), cProg, progressW, checksumRole(t.checksum)) }
      if cKeys >= 0 { put(t.checksum.map { $0.state == .done ? String($0.differingKeys) : "-" } ?? "-", cKeys, keysW, .text, right: true) }
      y += 1
    }
    guard detailRows > 0, sel < rows.count else { return }
    let t = rows[sel]
    let top = inner.y + inner.height - detailRows
    g.put(String(repeating: String(cs.horizontal), count: inner.width), x: inner.x, y: top - 1, role: .dim)
    var lines: [(String, Role)] = [("\(t.qualifiedName): \(t.detail)", .text)]
    if let c = t.checksum {
      switch c.state {
      case .done:
        if !c.missingInTarget.isEmpty { lines.append(("missing in target: " + c.missingInTarget.joined(separator: " "), .error)) }
        if !c.extraInTarget.isEmpty { lines.append(("extra in target: " + c.extraInTarget.joined(separator: " "), .error)) }
        if !c.different.isEmpty { lines.append(("different: " + c.different.joined(separator: " "), .error)) }
        if !c.columnsLeftOut.isEmpty { lines.append(("not compared: " + c.columnsLeftOut.joined(separator: ", "), .dim)) }
      case .running:
        lines.append(("checksum: \(c.segmentsDone)/\(c.segmentsTotal) segments, \(c.queries) queries", .dim))
      case .skipped, .failed:
        lines.append(("checksum \(c.state.rawValue): \(c.reason ?? "")", c.state == .failed ? .error : .dim))
      }
    }
    for f in t.validationFailures {
      lines.append(("validation \(f.failureType.rawValue) key \(f.key.joined(separator: ",")) \(f.details ?? "")", .warn))
    }
    for (i, (text, role)) in lines.prefix(detailRows).enumerated() {
      g.put(SafeLine.one(text), x: inner.x + 1, y: top + i, role: role, maxWidth: inner.width - 1, ellipsis: cs.ellipsis)
    }
  }

  static func phaseSegments(_ p: ReconState.Phase) -> [Segment] {
    switch p {
    case .idle: [Segment("idle", .dim)]
    case .running(let done, let total): [Segment("counting \(done)/\(total)", .warn)]
    case .finished: [Segment("done", .ok)]
    case .stopped(let why): [Segment(SafeLine.one(why), .error)]
    }
  }

  static func role(_ v: ReconVerdict) -> Role {
    switch v {
    case .match: .ok
    case .drift, .estimated: .warn
    case .mismatch: .error
    case .unknown, .unsupported: .unknown
    }
  }

  static func checksumRole(_ c: ChecksumResult?) -> Role {
    guard let c else { return .dim }
    switch c.state {
    case .done: return c.differingKeys > 0 ? .error : .ok
    case .running: return .warn
    case .skipped: return .dim
    case .failed: return .error
    }
  }

  /// `[#####.....] 50%`, or the state when not running.
  static func progress(_ c: ChecksumResult?, width: Int, _ cs: Charset) -> String {
    guard let c else { return "-" }
    switch c.state {
    case .skipped: return "skipped"
    case .failed: return "failed"
    case .running, .done:
      let pct = Int((c.fraction * 100).rounded(.down))
      let barW = max(3, width - 7)
      let filled = Int((Double(barW) * c.fraction).rounded(.down))
      let full: Character = cs.isASCII ? "#" : "█"
      let empty: Character = cs.isASCII ? "." : "░"
      return String(repeating: full, count: filled) + String(repeating: empty, count: barW - filled) + " \(pct)%"
    }
  }

  static func pad(_ s: String, _ w: Int) -> String {
    let n = TextWidth.of(s)
    return n >= w ? s : String(repeating: " ", count: w - n) + s
  }
}

/// One line of text: newlines and tabs become spaces.
enum SafeLine {
  static func one(_ s: String) -> String {
    String(s.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
  }
}

enum TextWidth {
  static func of(_ s: String) -> Int { CharWidth.of(s) }
}
