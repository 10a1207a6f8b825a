import Foundation

extension AWSPartition {
  /// The partition of `region`: a known region first, then the partition's region pattern, else `aws`
  /// (botocore's order).
  public static func of(region: String) -> AWSPartition {
    if let p = all.first(where: { $0.regions.contains(region) }) { return p }
    let range = NSRange(region.startIndex..., in: region)
    for p in all where p.id != "aws" {
      if let re = try? NSRegularExpression(pattern: p.regionRegex), re.firstMatch(in: region, range: range) != nil { return p }
    }
    return all.first(where: { $0.id == "aws" }) ?? AWSPartition(id: "aws", regionRegex: "", dnsSuffix: "amazonaws.com", dualStackDnsSuffix: "api.aws", regions: [])
  }
}
