import BinhYenCore
import Foundation
import OpenAPIRuntime

/// Writes the API's dates without a date formatter (see `InternetTime`); reads them with the
/// runtime's RFC 3339 parser, which accepts every form clients send.
struct APIDateTranscoder: DateTranscoder {
    private let parser = ISO8601DateTranscoder.iso8601

    func encode(_ date: Date) throws -> String { InternetTime.string(date) }

    func decode(_ text: String) throws -> Date { try parser.decode(text) }
}
