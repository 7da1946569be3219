import Testing
@testable import BinhYenCore

@Suite("Vietnamese text folding")
struct VietnameseTextTests {
    @Test("Folding removes tones and marks, maps đ, lower-cases", arguments: [
        ("Đà Nẵng", "da nang"),
        ("Da\u{300} Na\u{306}\u{303}ng", "da nang"),                 // NFD
        ("Tie\u{302}\u{301}ng Việt", "tieng viet"),                  // mixed form
        ("Ứng Hoà", "ung hoa"), ("Ứng Hòa", "ung hoa"),              // both tone placements
        ("Thừa Thiên Huế", "thua thien hue"),
        ("Nguyễn Ðình", "nguyen dinh"),                              // Icelandic Ð typed for Đ
        ("Ea H'Leo", "ea hleo"), ("Ea H’Leo", "ea hleo"), ("M’Drắk", "mdrak"),
        ("Phan Rang-Tháp Chàm", "phan rang thap cham"), ("Phan Rang - Tháp Chàm", "phan rang thap cham"),
        ("Chân Mây – Lăng Cô", "chan may lang co"),
        ("TP.HCM", "tp hcm"), ("Xã  Bắc Đông Quan", "xa bac dong quan"), ("  Phường 15 ", "phuong 15"),
        ("ĐẮK LẮK", "dak lak"), ("", ""), ("!!!", ""),
    ])
    func fold(input: String, folded: String) {
        #expect(VietnameseText.fold(input) == folded)
    }

    @Test("Distinct names can fold together, which is why exact matches rank first")
    func collisions() {
        #expect(VietnameseText.fold("Văn Lang") == VietnameseText.fold("Văn Lăng"))
        #expect(VietnameseText.fold("Sơn Hà") == VietnameseText.fold("Sơn Hạ"))
    }

    @Test("Tokens are the folded words")
    func tokens() {
        #expect(VietnameseText.tokens("  Buôn  Ma-Thuột ") == ["buon", "ma", "thuot"])
        #expect(VietnameseText.tokens("").isEmpty)
    }

    @Test("clean() stores NFC with single spaces and no control characters")
    func clean() {
        let cleaned = VietnameseText.clean("  Nguye\u{302}\u{303}n \t Thị\u{0007}  Lan ")
        #expect(cleaned == "Nguyễn Thị Lan")
        // Swift's == ignores normal forms, so compare the scalars: NFC "ễ" is one scalar.
        #expect(Array(cleaned.unicodeScalars) == Array("Nguy\u{1EC5}n Th\u{1ECB} Lan".unicodeScalars))
        #expect(VietnameseText.nfc("e\u{302}\u{301}").unicodeScalars.count == 1)
    }

    @Test("trim() drops white space and line breaks at both ends as Foundation does; nfc() leaves ASCII as it is and composes the rest")
    func trimAndNFC() {
        for text in ["  0912 345 678 \n", "\t\r\nVCB 0123\u{00A0}", "\u{2003}Buôn Hồ\u{3000}", "   ", "", "a", " Nguyễn  Lan "] {
            #expect(VietnameseText.trim(text) == text.trimmingCharacters(in: .whitespacesAndNewlines), "\(Array(text.unicodeScalars))")
        }
        #expect(VietnameseText.trim("x y"[...]) == "x y")
        #expect(VietnameseText.nfc("0912.345.678") == "0912.345.678")
        #expect(Array(VietnameseText.nfc("Bu\u{00F4}n Ho\u{0302}\u{0300}").unicodeScalars) == Array("Bu\u{00F4}n H\u{1ED3}".unicodeScalars))
    }

    @Test("clean() drops invisible format characters that would hide or split words")
    func cleanDropsFormatCharacters() {
        #expect(VietnameseText.clean("Buôn\u{200B}Hồ") == "BuônHồ")
        #expect(VietnameseText.clean("\u{FEFF}Lan \u{202E}abc") == "Lan abc")
        #expect(VietnameseText.fold("ðắk") == "dak")
    }

    @Test("Unit-type prefixes come off, numbered wards stay whole", arguments: [
        ("Phường Buôn Ma Thuột", "Buôn Ma Thuột"), ("Xã Ea H'Leo", "Ea H'Leo"), ("Tỉnh Đắk Lắk", "Đắk Lắk"),
        ("Thành phố Hà Nội", "Hà Nội"), ("Đặc khu Phú Quốc", "Phú Quốc"), ("Thị trấn Ea Drăng", "Ea Drăng"),
        ("Thị xã Buôn Hồ", "Buôn Hồ"), ("Huyện Krông Pắc", "Krông Pắc"), ("Quận 1", "Quận 1"), ("Phường 15", "Phường 15"),
        ("P. Bến Nghé", "Bến Nghé"), ("TP. Hồ Chí Minh", "Hồ Chí Minh"), ("TP Hồ Chí Minh", "Hồ Chí Minh"),
        ("Xuân Phương", "Xuân Phương"), ("Phường Xã Đàn", "Xã Đàn"), ("Xã", "Xã"),
    ])
    func prefixes(name: String, short: String) {
        #expect(VietnameseText.stripAdministrativePrefix(name) == short)
    }
}
