public enum TLSDiagCLI {
    public static func main() {}
}
