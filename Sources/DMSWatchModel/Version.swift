/// The one version string: `--version`, the AWS `User-Agent` (`dmswatch/<version> …`) and webhook posts.
public enum DMSWatchVersion {
  public static let string = "0.1.0"
}
