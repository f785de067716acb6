/// The version `presswork --version` prints.
public enum PressworkVersion {
    public static let current = "0.1.0"
}
