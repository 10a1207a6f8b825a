import DMSWatchModel
import Foundation
import DMSWatchRules
import DMSWatchState

extension DashboardRenderer {
  /// Lines of the task detail: identity, failure, readiness checklist, findings, triage hints.
  public static func detailLines(_ s: AppState, task t: ReplicationTask, width: Int, _ cs: Charset) -> [(text: String, role: Role)] {
    var out: [(String, Role)] = []
    func line(_ text: String, _ role: Role = .overlay) {
      for part in DrawText.wrap(text, width: max(8, width)) { out.append((part, role)) }
    }
    func blank() { out.append(("", .overlay)) }
    let ok = cs.isASCII ? "[x]" : "✓"
    let bad = cs.isASCII ? "[ ]" : "✗"
    let unknown = "?"

    line("\(t.identifier)  \(t.status)  \(t.migrationType)", .overlayTitle)
    line("ARN       \(t.arn)", .dim)
    if let inst = t.replicationInstanceArn {
      line("instance  \(s.fleet.instances[inst]?.identifier ?? inst)", .overlay)
      let h = s.fleet.instanceHealth(inst)
      let role: Role = h.severity == .critical ? .error : (h.severity == .warn ? .warn : (h.severity == .unknown ? .unknown : .ok))
      line("instance health: \(h.severity == .ok ? "ok" : h.summary)\(h.figures.isEmpty ? "" : " (" + h.figures.joined(separator: ", ") + ")")", role)
    }
    for (label, arn) in [("source", t.sourceEndpointArn), ("target", t.targetEndpointArn)] {
      guard let arn else { continue }
      let e = s.fleet.endpoints[arn]
      line("\(label)    \(e.map { "\($0.identifier) (\($0.engineName ?? "?"))" } ?? arn)")
    }
    if let c = s.fleet.connectionResults[t.arn] {
      // The last `t`: what TestConnection said for each endpoint, and when.
      line("connections tested \(Format.clock(c.at)): \(c.text)", c.failed ? .error : .ok)
    } else if t.kind == .task {
      line("connections not tested (t tests source and target from the instance)", .dim)
    }
    if let r = t.stopReason {
      let sr = StopReason(r)
      line("stop      \(StopReason.label(r)) (\(sr.code))", sr.isError ? .error : .warn)
    }
    if let f = t.lastFailureMessage { line("failure   \(StopReason.failureText(f))", .error) }
    if let st = t.stats {
      line("full load \(Format.percent(st.fullLoadProgressPercent))  tables loaded \(st.tablesLoaded ?? 0), loading \(st.tablesLoading ?? 0), queued \(st.tablesQueued ?? 0), errored \(st.tablesErrored ?? 0)")
    }
    if t.serverless != nil { out += serverlessLines(s, t, width: width) }
    blank()
    let readiness = s.readiness(for: t)
    line("CUTOVER READINESS: \(readiness.ready ? "READY" : "NOT READY")", readiness.ready ? .ok : .error)
    if !readiness.ready, readiness.criteria.allSatisfy({ $0.passed != false }) {
      // READY `?` in TASKS: nothing failed, something was not checked yet.
      line("  READY ? = nothing failed, but \(readiness.criteria.filter { $0.passed == nil }.count) criteria not checked yet", .unknown)
    }
    for c in readiness.criteria {
      let mark = c.passed == true ? ok : (c.passed == false ? bad : unknown)
      let role: Role = c.passed == true ? .ok : (c.passed == false ? .error : .unknown)
      line("  \(mark) \(c.name.replacingOccurrences(of: "_", with: " ")): \(c.detail)", role)
    }
    blank()
    let findings = TaskRules.sorted(s.findings(for: t))
    line("FINDINGS (\(findings.count))", .overlayTitle)
    if findings.isEmpty { line("  none", .ok) }
    for f in findings.prefix(40) {
      line("  \(f.severity.label.uppercased()) \(f.table.map { "\($0): " } ?? "")\(f.message)", f.severity.role)
    }
    if findings.count > 40 { line("  … \(findings.count - 40) more (see FLAGS)", .dim) }
    blank()
    let hints = s.hints(for: t)
    line("TRIAGE HINTS (\(hints.count))", .overlayTitle)
    if hints.isEmpty { line("  no known pattern in the failure message, stop reason or recent log lines", .dim) }
    for h in hints {
      line("  \(h.title)", .warn)
      line("    cause: \(h.cause)")
      line("    next:  \(h.nextStep)")
      if h.recommendsCdcStart {
        // The position DMS needed is gone: a start from a newer CDC point is the way back (CDC-only tasks).
        line(TaskActions.offersCdcStartPoint(t)
          ? "    do:    s → \"start CDC from a position or time…\" (after fixing the log retention)"
          : "    do:    a CDC start point applies to CDC-only tasks; this one is \(t.migrationType): reload its tables or the target", .ok)
      }
      line("    seen:  \(h.evidence)", .dim)
    }
    return out
  }

  /// A serverless replication: provisioning and capacity, capacity utilisation, assessments, start
  /// settings and the orchestrator's last failure message (from its log stream, when it was read).
  static func serverlessLines(_ s: AppState, _ t: ReplicationTask, width: Int) -> [(text: String, role: Role)] {
    guard let sl = t.serverless else { return [] }
    var out: [(String, Role)] = []
    func line(_ text: String, _ role: Role = .overlay) {
      for part in DrawText.wrap(text, width: max(8, width)) { out.append((part, role)) }
    }
    var kind = "DMS Serverless replication"
    if !sl.hasReplication { kind += ", never started" }
    line(kind)
    if sl.isReadOnly { line("read-only: a zero-ETL integration, no actions are offered", .warn) }
    let bounds = "min \(sl.minCapacityUnits.map(String.init) ?? "?"), max \(sl.maxCapacityUnits.map(String.init) ?? "?") DCU"
    switch (sl.provisionState, sl.provisionedCapacityUnits) {
    case (let state?, let dcu?) where dcu > 0:
      line("provisioning: \(dcu) DCU \(state) (\(bounds))")
    case (let state?, _):
      line("provisioning: \(state) (\(bounds))", state.lowercased() == "provisioning" ? .warn : .overlay)
    default:
      line("provisioning: none (\(bounds))", .dim)
    }
    if sl.isNewProvisioningAvailable {
      line("provisioning: new provisioning available\(sl.provision?.reasonForNewProvisioningData.map { ": \($0)" } ?? "")", .warn)
    }
    let util = s.fleet.metrics[t.arn]?.series[ServerlessMetrics.capacityUtilization]
    if let last = util?.last {
      let cut = s.now.addingTimeInterval(-3600)
      let peak = util?.points.filter { $0.time >= cut }.map(\.value).max() ?? last.value
      line("capacity utilisation: \(Int(last.value.rounded()))% (\(Format.age(s.now.timeIntervalSince(last.time))) ago), peak \(Int(peak.rounded()))% in the last hour", last.value >= 90 ? .warn : .overlay)
    } else {
      line("capacity utilisation: unknown, no CapacityUtilization metrics yet", .dim)
    }
    if let a = sl.assessmentSummary {
      let failed = sl.premigrationAssessments.contains { ($0.status ?? "").lowercased().contains("fail") || ($0.status ?? "").lowercased().contains("error") }
      line("premigration \(a)", failed ? .error : .overlay)
      for f in sl.premigrationAssessments.compactMap(\.lastFailureMessage).prefix(3) { line("premigration assessment failure: \(f)", .error) }
    } else {
      line("premigration assessment: none", .dim)
    }
    var start: [String] = []
    if let st = sl.startReplicationType { start.append("last \(st)") }
    if let c = sl.cdcStartTime { start.append("CDC from \(Format.iso(c))") }
    if let p = sl.cdcStartPosition { start.append("CDC position \(p)") }
    if !start.isEmpty { line("start: \(start.joined(separator: ", "))", .dim) }
    if let cp = sl.recoveryCheckpoint { line("recovery checkpoint: \(cp)", .dim) }
    if sl.failureMessages.count > 1 {
      for m in sl.failureMessages.dropLast().suffix(3) { line("earlier failure: \(m)", .dim) }
    }
    // The orchestrator stream's newest failure (entries the LOG pane parsed as ORCHESTRATOR errors).
    if let e = (s.fleet.errorLog[t.identifier] ?? []).last(where: { $0.component == "ORCHESTRATOR" }) {
      line("orchestrator \(Format.clock(e.time)): \(e.text)", .error)
    } else if sl.hasReplication {
      line("orchestrator: no failure in its log", .dim)
    } else {
      line("orchestrator: no log yet (the first run creates it)", .dim)
    }
    return out
  }

  static func drawDetail(_ g: inout Grid, _ s: AppState, _ cs: Charset, taskArn: String, scroll: Int) {
    guard let task = s.fleet.task(taskArn) else { return }
    let r0 = overlayRect(g, width: 110, height: g.height)
    let lines = detailLines(s, task: task, width: r0.inner.width - 2, cs)
    let r = overlayRect(g, width: 110, height: lines.count + 2)
    guard let (inner, top) = scrollingBox(&g, r, title: "DETAIL \(task.identifier)", count: lines.count, scroll: scroll, cs) else { return }
    for row in 0..<inner.height {
      let i = top + row
      guard i < lines.count else { break }
      g.put(lines[i].text, x: inner.x + 1, y: inner.y + row, role: lines[i].role, maxWidth: inner.width - 2, ellipsis: cs.ellipsis)
    }
  }

  /// `y`: the raw JSON, indented, scrolling; long lines are cut (`c` copies it whole).
  static func drawRaw(_ g: inout Grid, _ v: RawView, _ cs: Charset) {
    let lines: [(String, Role)]
    if let text = v.text {
      lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { (SafeLine.one(String($0)), Role.overlay) }
    } else if let e = v.error {
      lines = [("no raw JSON: " + SafeLine.one(e), .error)]
    } else {
      lines = [("reading \(v.title) from DMS\(cs.ellipsisText)", .dim)]
    }
    let r = overlayRect(g, width: min(140, g.width - 4), height: lines.count + 2)
    let title = v.wrap ? v.title.uppercased() : "RAW \(v.title) (secrets redacted)"
    guard let (inner, top) = scrollingBox(&g, r, title: title, count: lines.count, scroll: v.scroll, cs) else { return }
    for row in 0..<inner.height {
      let i = top + row
      guard i < lines.count else { break }
      g.put(lines[i].0, x: inner.x + 1, y: inner.y + row, role: lines[i].1, maxWidth: inner.width - 2, ellipsis: cs.ellipsis)
    }
  }
}
