import Testing
@testable import BinhYenCore

@Suite("Unit search ranking")
struct UnitSearchTests {
    static let units: [(name: String, area: String, province: String?)] = [
        ("Công an tỉnh Đắk Lắk", "Tỉnh Đắk Lắk", nil),
        ("Công an phường Buôn Ma Thuột", "Phường Buôn Ma Thuột", "Tỉnh Đắk Lắk"),
        ("Công an phường Tân Lập", "Phường Tân Lập", "Tỉnh Đắk Lắk"),
        ("Công an xã Ea H'Leo", "Xã Ea H'Leo", "Tỉnh Đắk Lắk"),
        ("Công an xã Văn Lang", "Xã Văn Lang", "Tỉnh Thái Nguyên"),
        ("Công an xã Văn Lăng", "Xã Văn Lăng", "Tỉnh Thái Nguyên"),
    ]

    static func ranked(_ query: String) -> [String] {
        units.compactMap { unit -> (String, Int)? in
            let text = UnitSearch.searchText(name: unit.name, areaName: unit.area, provinceName: unit.province)
            return UnitSearch.score(query: query, name: unit.name, searchText: text).map { (unit.name, $0) }
        }
        .sorted { $0.1 > $1.1 }
        .map(\.0)
    }

    @Test("With or without diacritics, any case, NFC or NFD, the commune comes first", arguments: [
        "buon ma thuot", "Buôn Ma Thuột", "BUÔN MA THUỘT", "Buo\u{302}n Ma Thuo\u{323}\u{302}t", "  buon   ma thuot ", "buon ma",
    ])
    func buonMaThuot(query: String) {
        #expect(Self.ranked(query).first == "Công an phường Buôn Ma Thuột")
    }

    @Test("A province name finds the province police first, then the units inside it")
    func province() {
        let results = Self.ranked("dak lak")
        #expect(results.first == "Công an tỉnh Đắk Lắk")
        #expect(results.count == 4)
        #expect(Self.ranked("đắk lắk").first == "Công an tỉnh Đắk Lắk")
    }

    @Test("Exact diacritics outrank a folded twin")
    func exactFirst() {
        #expect(Self.ranked("Văn Lăng").prefix(2) == ["Công an xã Văn Lăng", "Công an xã Văn Lang"])
        #expect(Self.ranked("Văn Lang").prefix(2) == ["Công an xã Văn Lang", "Công an xã Văn Lăng"])
    }

    @Test("Apostrophes do not matter, every token must match, and an empty query matches nothing")
    func tokens() {
        #expect(Self.ranked("ea hleo") == ["Công an xã Ea H'Leo"])
        #expect(Self.ranked("Ea H’Leo") == ["Công an xã Ea H'Leo"])
        #expect(Self.ranked("buon tan lap").isEmpty)
        #expect(Self.ranked("   ").isEmpty)
        #expect(Self.ranked("!!!").isEmpty)
    }
}
