/// Bounds checked before a recursive parser sees untrusted text (Yams for config and theme files,
/// Foundation's XMLParser for AWS query responses), so deep nesting is a clear error, not a stack overflow.
public enum InputLimits {
  /// Deeper than any config, theme or AWS response dmswatch reads (they nest five to eight levels).
  public static let maxNesting = 100

  /// The first line where a YAML document nests deeper than `limit`, or nil. Counts block indentation
  /// levels, `- `/`? ` entries that open a nested node on the same line, and open flow brackets
  /// (`[`, `{`) outside quotes and comments. It over-counts rather than under-counts.
  public static func yamlTooDeep(_ text: String, limit: Int = maxNesting) -> Int? {
    var indents: [Int] = []
    var flow = 0
    var lineNo = 0
    for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
      lineNo += 1
      let line = Array(raw.utf8)
      var i = 0
      while i < line.count, line[i] == 0x20 { i += 1 }
      if i == line.count || line[i] == UInt8(ascii: "#") || line[i] == 0x0D { continue }
      var block = 0
      if flow == 0 {
        while let last = indents.last, last > i { indents.removeLast() }
        if indents.last.map({ $0 < i }) ?? true { indents.append(i) }
        // `- - - x` and `? ? x` open one nested collection per indicator.
        var j = i
        while j < line.count, line[j] == UInt8(ascii: "-") || line[j] == UInt8(ascii: "?"),
          j + 1 == line.count || line[j + 1] == 0x20 || line[j + 1] == 0x09
        {
          block += 1
          j += 2
          while j < line.count, line[j] == 0x20 || line[j] == 0x09 { j += 1 }
        }
        i = j
      }
      if indents.count + block + flow > limit { return lineNo }
      var quote: UInt8? = nil
      var k = i
      while k < line.count {
        let c = line[k]
        let atStart = k == i || [0x20, 0x09, UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","), UInt8(ascii: ":")].contains(line[k - 1])
        if let q = quote {
          if c == UInt8(ascii: "\\"), q == UInt8(ascii: "\"") {
            k += 1
          } else if c == q {
            quote = nil
          }
        } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'"), atStart {
          quote = c
        } else if c == UInt8(ascii: "#"), k == 0 || line[k - 1] == 0x20 {
          break
        } else if c == UInt8(ascii: "[") || c == UInt8(ascii: "{") {
          flow += 1
          if indents.count + block + flow > limit { return lineNo }
        } else if c == UInt8(ascii: "]") || c == UInt8(ascii: "}") {
          flow = max(0, flow - 1)
        }
        k += 1
      }
    }
    return nil
  }

  /// Whether an XML document nests elements deeper than `limit` (a linear scan of `<name`, `</name>`, `/>`).
  public static func xmlTooDeep(_ bytes: some Collection<UInt8>, limit: Int = maxNesting) -> Bool {
    var depth = 0
    var prev: UInt8 = 0
    var inTag = false
    var opening = false
    var it = bytes.makeIterator()
    var pending: UInt8? = nil
    while let c = pending ?? it.next() {
      pending = nil
      if !inTag {
        if c == UInt8(ascii: "<") {
          guard let n = it.next() else { break }
          inTag = true
          // `</` closes; `<?` and `<!` (declarations, comments, CDATA) do not nest.
          if n == UInt8(ascii: "/") {
            opening = false
            depth -= 1
          } else if n == UInt8(ascii: "?") || n == UInt8(ascii: "!") {
            opening = false
          } else {
            opening = true
            depth += 1
            if depth > limit { return true }
            pending = n
          }
        }
      } else if c == UInt8(ascii: ">") {
        inTag = false
        if opening, prev == UInt8(ascii: "/") { depth -= 1 }
      }
      prev = c
    }
    return false
  }
}
