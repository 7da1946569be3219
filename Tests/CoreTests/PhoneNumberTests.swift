import Testing
@testable import BinhYenCore

@Suite("Vietnamese phone numbers")
struct PhoneNumberTests {
    /// How people really write numbers, and the one E.164 form each must become.
    static let accepted: [(String, String)] = [
        ("0912345678", "+84912345678"), ("0912 345 678", "+84912345678"), ("0912.345.678", "+84912345678"),
        ("0912-345-678", "+84912345678"), ("091 234 5678", "+84912345678"), ("(091) 234-5678", "+84912345678"),
        ("+84912345678", "+84912345678"), ("+84 912 345 678", "+84912345678"), ("+84-912-345-678", "+84912345678"),
        ("(+84) 912 345 678", "+84912345678"), ("+84 (0) 912 345 678", "+84912345678"), ("84912345678", "+84912345678"),
        ("84 912 345 678", "+84912345678"), ("0084912345678", "+84912345678"), ("0084 912 345 678", "+84912345678"),
        ("  0912345678  ", "+84912345678"), ("0912\u{00A0}345\u{00A0}678", "+84912345678"), ("０９１２３４５６７８", "+84912345678"),
        ("+840912345678", "+84912345678"), ("0912/345/678", "+84912345678"),
        // Every mobile network's prefixes.
        ("0321234567", "+84321234567"), ("0339 999 999", "+84339999999"), ("0351234567", "+84351234567"),
        ("0381234567", "+84381234567"), ("0561234567", "+84561234567"), ("0581234567", "+84581234567"),
        ("0591234567", "+84591234567"), ("0701234567", "+84701234567"), ("0761234567", "+84761234567"),
        ("0771234567", "+84771234567"), ("0781234567", "+84781234567"), ("0791234567", "+84791234567"),
        ("0811234567", "+84811234567"), ("0821234567", "+84821234567"), ("0831234567", "+84831234567"),
        ("0841234567", "+84841234567"), ("0851234567", "+84851234567"), ("0861234567", "+84861234567"),
        ("0881234567", "+84881234567"), ("0891234567", "+84891234567"), ("0901234567", "+84901234567"),
        ("0931234567", "+84931234567"), ("0941234567", "+84941234567"), ("0961234567", "+84961234567"),
        ("0971234567", "+84971234567"), ("0981234567", "+84981234567"), ("0991234567", "+84991234567"),
        ("0871234567", "+84871234567"), ("0921234567", "+84921234567"),
        // Eleven-digit numbers from before the 2018 change.
        ("01621234567", "+84321234567"), ("0169 123 4567", "+84391234567"), ("01201234567", "+84701234567"),
        ("01211234567", "+84791234567"), ("01221234567", "+84771234567"), ("01261234567", "+84761234567"),
        ("01281234567", "+84781234567"), ("01231234567", "+84831234567"), ("01241234567", "+84841234567"),
        ("01251234567", "+84851234567"), ("01271234567", "+84811234567"), ("01291234567", "+84821234567"),
        ("01861234567", "+84561234567"), ("01881234567", "+84581234567"), ("01991234567", "+84591234567"),
        ("+84 162 123 4567", "+84321234567"), ("841681234567", "+84381234567"),
        // Landlines: area code + number, 11 digits with the 0.
        ("024 3123 4567", "+842431234567"), ("02431234567", "+842431234567"), ("028.3823.4567", "+842838234567"),
        ("0262 3123 456", "+842623123456"), ("+84 262 3123 456", "+842623123456"), ("(0269) 382 4567", "+842693824567"),
    ]

    @Test("Accepted spellings", arguments: accepted)
    func accepts(raw: String, e164: String) throws {
        #expect(try PhoneNumber(parsing: raw).e164 == e164)
    }

    @Test("The three spellings in the issue are one number")
    func sameNumber() throws {
        let forms = try ["0912 345 678", "+84912345678", "84912345678"].map { try PhoneNumber(parsing: $0) }
        #expect(Set(forms).count == 1)
    }

    static let rejected: [(String, PhoneNumberError)] = [
        ("", .empty), ("   ", .empty), ("---", .empty), ("+", .empty),
        ("abc", .invalidCharacters), ("0912abc678", .invalidCharacters), ("0912 345 678 ext 2", .invalidCharacters),
        ("0912\u{0000}345678", .invalidCharacters), ("09123456７8x", .invalidCharacters), ("0912+345678", .invalidCharacters),
        ("++84912345678", .invalidCharacters), ("0912_345_678", .invalidCharacters),
        ("113", .tooShort), ("091234567", .tooShort), ("0912", .tooShort), ("024 3123 456", .tooShort),
        ("09123456789", .tooLong), ("+8491234567890", .tooLong), (String(repeating: "9", count: 10_000), .tooLong),
        ("0612345678", .unknownPrefix), ("0112345678", .unknownPrefix), ("0412345678", .unknownPrefix),
        ("+1 650 253 0000", .unknownPrefix), ("0612 345 6789", .unknownPrefix),
    ]

    @Test("Refused inputs and why", arguments: rejected)
    func rejects(raw: String, error: PhoneNumberError) {
        #expect(throws: error) { try PhoneNumber(parsing: raw) }
    }

    @Test("National form, reading form and kind")
    func forms() throws {
        let mobile = try PhoneNumber(parsing: "+84912345678")
        #expect(mobile.national == "0912345678")
        #expect(mobile.display == "0912 345 678")
        #expect(mobile.isMobile)
        #expect(mobile.description == "+84912345678")
        let landline = try PhoneNumber(parsing: "02431234567")
        #expect(landline.national == "02431234567")
        #expect(landline.display == "024 3123 4567")
        #expect(!landline.isMobile)
    }

    @Test("Every error has Vietnamese and English words")
    func messages() {
        for error in [PhoneNumberError.empty, .invalidCharacters, .tooShort, .tooLong, .unknownPrefix] {
            #expect(!error.messageVI.isEmpty && !error.messageEN.isEmpty)
            #expect(error.messageVI != error.messageEN)
        }
    }
}
