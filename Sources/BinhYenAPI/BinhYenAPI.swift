// The types and the `APIProtocol` of the JSON API are generated from openapi.yaml beside this
// file by swift-openapi-generator's build plugin; the App target implements the protocol.
// SwiftPM needs at least one source file in a target before its plugins run.
public enum APIContract {
    /// The version in openapi.yaml's `info.version`.
    public static let version = "1.0.0"
}
