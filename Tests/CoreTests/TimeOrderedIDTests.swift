import Foundation
import Testing
@testable import BinhYenCore

@Suite("Time-ordered ids (UUID version 7)")
struct TimeOrderedIDTests {
    @Test("The first 48 bits are the Unix milliseconds, then version 7 and the RFC 9562 variant")
    func layout() {
        let date = Date(timeIntervalSince1970: 1_764_547_200.123)
        let id = UUID.timeOrdered(at: date)
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        let milliseconds = bytes.prefix(6).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(milliseconds == 1_764_547_200_123)
        #expect(bytes[6] >> 4 == 7)
        #expect(bytes[8] >> 6 == 0b10)
        #expect(id.uuidString.dropFirst(14).first == "7")
    }

    @Test("Ids of later milliseconds sort after earlier ones, as bytes and as text; ids of one millisecond differ")
    func ordering() {
        let start = Date(timeIntervalSince1970: 1_764_547_200)
        let ids = (0..<1000).map { UUID.timeOrdered(at: start.addingTimeInterval(Double($0) / 1000)) }
        let texts = ids.map(\.uuidString)
        #expect(zip(texts, texts.dropFirst()).allSatisfy { $0 < $1 })
        let same = (0..<1000).map { _ in UUID.timeOrdered(at: start) }
        #expect(Set(same).count == 1000)
    }
}
