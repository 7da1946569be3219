import Testing
@testable import BinhYenCore

@Suite("Scam indicators: normalising, guessing, extracting")
struct IndicatorTests {
    static func value(_ kind: IndicatorKind, _ raw: String, bank: String? = nil) -> String? {
        try? IndicatorRules.normalise(kind: kind, raw: raw, bank: bank).get().value
    }

    /// "field/code" of the refusal, or nil when accepted.
    static func refusal(_ result: Result<Indicator, FieldIssue>) -> String? {
        guard case .failure(let issue) = result else { return nil }
        return issue.field + "/" + issue.code
    }

    // MARK: Phones

    /// The registry's own phone table; PhoneNumberTests covers the normaliser in depth.
    static let phones: [(String, String)] = [
        ("0912 345 678", "+84912345678"), ("0912.345.678", "+84912345678"), ("0912-345-678", "+84912345678"),
        ("091 234 5678", "+84912345678"), ("+84 912 345 678", "+84912345678"), ("+84-912-345-678", "+84912345678"),
        ("84912345678", "+84912345678"), ("(+84) 912-345-678", "+84912345678"), ("0084 912 345 678", "+84912345678"),
        ("tel:0912345678", "+84912345678"), ("\u{200B}0912345678\u{200B}", "+84912345678"), ("  0912345678\n", "+84912345678"),
        ("0169 123 4567", "+84391234567"), ("028 3823 4567", "+842838234567"),
    ]

    @Test("Phone spellings become E.164", arguments: phones)
    func phone(raw: String, e164: String) throws {
        let indicator = try IndicatorRules.normalise(kind: .phone, raw: raw).get()
        #expect(indicator.kind == .phone)
        #expect(indicator.value == e164)
        #expect(indicator.matchKey == e164)
    }

    // MARK: Bank accounts

    /// Raw text, the bank field (if any), the canonical value.
    static let accounts: [(String, String?, String)] = [
        ("VCB 0123456789", nil, "VCB:0123456789"),
        ("Vietcombank 0123-456-789", nil, "VCB:0123456789"),
        ("0123 456 789 Vietcombank", nil, "VCB:0123456789"),
        ("VCB:0123456789", nil, "VCB:0123456789"),
        ("970436 0123456789", nil, "VCB:0123456789"),
        ("0123456789", "vcb", "VCB:0123456789"),
        ("0123.456.789", "970436", "VCB:0123456789"),
        ("0123456789", "Ngân hàng TMCP Ngoại thương Việt Nam", "VCB:0123456789"),
        ("0123456789", "ngan hang ngoai thuong", "VCB:0123456789"),
        ("STK 0123456789 ngân hàng Á Châu", nil, "ACB:0123456789"),
        ("Techcombank: 1903 5087 6500 13", nil, "TCB:19035087650013"),
        ("MB 0912345678", nil, "MB:0912345678"),
        ("0912345678", "Quân đội", "MB:0912345678"),
        ("vietinbank 1010.2233.44", nil, "ICB:1010223344"),
        ("CTG 1010223344", nil, "ICB:1010223344"),
        ("Sacom 0601 2345 6789", nil, "STB:060123456789"),
        ("0123456789 (TPBank)", nil, "TPB:0123456789"),
        ("BVBank 0123456789", nil, "VCCB:0123456789"),
        ("bvb 0123456789", nil, "BVB:0123456789"),
        ("Saigonbank 0123456789", nil, "SGICB:0123456789"),
        ("Sài Gòn 0123456789", nil, "SCB:0123456789"),
        ("LienVietPostBank 0123456789", nil, "LPB:0123456789"),
        ("Nam A Bank 0123456789", nil, "NAB:0123456789"),
        ("０１２３４５６７８９", "acb", "ACB:0123456789"),
        ("0123456789", nil, "0123456789"),
        ("0123456789", "  ", "0123456789"),
    ]

    @Test("Account spellings, with the bank by code, name, BIN or accent-free name", arguments: accounts)
    func account(raw: String, bank: String?, expected: String) throws {
        let indicator = try IndicatorRules.normalise(kind: .bankAccount, raw: raw, bank: bank).get()
        #expect(indicator.kind == .bankAccount)
        #expect(indicator.value == expected)
        #expect(indicator.matchKey == expected.split(separator: ":").last.map(String.init))
    }

    @Test("An account's display names the bank")
    func accountDisplay() throws {
        #expect(try IndicatorRules.normalise(kind: .bankAccount, raw: "vcb 0123-456-789").get().display == "Vietcombank 0123456789")
    }

    // MARK: Websites

    /// Raw address, canonical value, match key.
    static let websites: [(String, String, String)] = [
        ("https://www.CôngAn.vn/tin?utm_source=x", "xn--cngan-6ta.vn/tin", "xn--cngan-6ta.vn"),
        ("WWW.EXAMPLE.COM.", "example.com", "example.com"),
        ("http://example.com:80/path/", "example.com/path", "example.com"),
        ("https://example.com:443", "example.com", "example.com"),
        ("https://example.com:8443/a?b=2&a=1&fbclid=xyz", "example.com:8443/a?a=1&b=2", "example.com"),
        ("m.abc.com.vn/khuyen-mai?gclid=1&id=5#top", "abc.com.vn/khuyen-mai?id=5", "abc.com.vn"),
        ("abc-khuyenmai.com", "abc-khuyenmai.com", "abc-khuyenmai.com"),
        ("ngânhàng.vn", "xn--ngnhng-ltan.vn", "xn--ngnhng-ltan.vn"),
        ("nga\u{0302}nha\u{0300}ng.vn", "xn--ngnhng-ltan.vn", "xn--ngnhng-ltan.vn"),
        ("công-an.vn", "xn--cng-an-ixa.vn", "xn--cng-an-ixa.vn"),
        ("HTTPS://BỘCÔNGAN.VN/Dang-Ky", "xn--bcngan-jxa6332d.vn/Dang-Ky", "xn--bcngan-jxa6332d.vn"),
        ("https://xn--cngan-6ta.vn/", "xn--cngan-6ta.vn", "xn--cngan-6ta.vn"),
        ("http://103.45.67.89/login", "103.45.67.89/login", "103.45.67.89"),
        ("hxxps://evil[.]com/x", "evil.com/x", "evil.com"),
        ("https://vietcombank.com.vn@evil.com/login", "evil.com/login", "evil.com"),
        ("shop.abc.com.vn", "shop.abc.com.vn", "abc.com.vn"),
        ("sub.tenmien.hanoi.vn", "sub.tenmien.hanoi.vn", "tenmien.hanoi.vn"),
        ("https://ten.github.io/x/", "ten.github.io/x", "ten.github.io"),
        ("https://lua-dao.web.app/?utm_campaign=a", "lua-dao.web.app", "lua-dao.web.app"),
        ("https://www.bbc.co.uk/news", "bbc.co.uk/news", "bbc.co.uk"),
        ("https://abc.com.vn:8080", "abc.com.vn:8080", "abc.com.vn"),
        ("https://abc.com/?zarsrc=30&utm_medium=zalo&gidzl=abc&p=1", "abc.com?p=1", "abc.com"),
        ("abc.com/a/?b=1&a=2&a=1", "abc.com/a?a=1&a=2&b=1", "abc.com"),
        ("https://abc.com/tin tức", "abc.com/tin%20t%E1%BB%A9c", "abc.com"),
        ("https://abc.com/%e1%bb%a9", "abc.com/%E1%BB%A9", "abc.com"),
        ("//abc.com/x#frag", "abc.com/x", "abc.com"),
        ("www.com.vn", "www.com.vn", "www.com.vn"),
        // Shortener and shared hosts match on the whole address, not on the domain everyone shares.
        ("bit.ly/3abcXYZ", "bit.ly/3abcXYZ", "bit.ly/3abcXYZ"),
        ("https://docs.google.com/forms/d/e/abc/viewform?usp=sf_link", "docs.google.com/forms/d/e/abc/viewform?usp=sf_link",
         "docs.google.com/forms/d/e/abc/viewform?usp=sf_link"),
    ]

    @Test("Web addresses reduce to host, path and a clean query", arguments: websites)
    func website(raw: String, expected: String, matchKey: String) throws {
        let indicator = try IndicatorRules.normalise(kind: .website, raw: raw).get()
        #expect(indicator.kind == .website)
        #expect(indicator.value == expected)
        #expect(indicator.matchKey == matchKey)
    }

    @Test("A Vietnamese host and path display in Unicode")
    func websiteDisplay() throws {
        let indicator = try IndicatorRules.normalise(kind: .website, raw: "https://www.CôngAn.vn/tin-tức?utm_source=fb").get()
        #expect(indicator.display == "côngan.vn/tin-tức")
    }

    // MARK: Social accounts

    static let socials: [(String, String)] = [
        ("https://www.facebook.com/nguyen.van.a", "facebook:nguyen.van.a"),
        ("https://m.facebook.com/profile.php?id=100012345678901&mibextid=abc", "facebook:id:100012345678901"),
        ("fb.com/NguyenVanA", "facebook:nguyenvana"),
        ("https://web.facebook.com/people/Nguyen-Van-A/100087654321098/", "facebook:id:100087654321098"),
        ("https://facebook.com/Ten-Trang-100063512345678", "facebook:id:100063512345678"),
        ("facebook.com/groups/muabanxe", "facebook:group:muabanxe"),
        ("vi-vn.facebook.com/abc.def", "facebook:abc.def"),
        ("m.me/shopabc", "facebook:shopabc"),
        ("https://zalo.me/0912345678", "zalo:+84912345678"),
        ("zalo.me/84912345678", "zalo:+84912345678"),
        ("https://zalo.me/g/abcxyz123", "zalo:g:abcxyz123"),
        ("https://t.me/lua_dao_vn", "telegram:lua_dao_vn"),
        ("telegram.me/LuaDaoVN", "telegram:luadaovn"),
        ("https://t.me/s/kenhluadao", "telegram:kenhluadao"),
        ("https://t.me/+AbCdEfGhIjKl", "telegram:+AbCdEfGhIjKl"),
        ("https://www.tiktok.com/@shop.gia.re/video/123", "tiktok:shop.gia.re"),
        ("tiktok.com/@Shop_Gia_Re", "tiktok:shop_gia_re"),
        ("facebook: nguyen.van.a", "facebook:nguyen.van.a"),
        ("fb:100012345678901", "facebook:id:100012345678901"),
        ("Zalo 0912 345 678", "zalo:+84912345678"),
        ("telegram:@abcd_e", "telegram:abcd_e"),
        ("tiktok @abc", "tiktok:abc"),
        ("Facebook https://www.facebook.com/nguyen.van.a", "facebook:nguyen.van.a"),
    ]

    @Test("Profile links and platform:handle become platform:handle", arguments: socials)
    func social(raw: String, expected: String) throws {
        let indicator = try IndicatorRules.normalise(kind: .social, raw: raw).get()
        #expect(indicator.kind == .social)
        #expect(indicator.value == expected)
    }

    @Test("A Zalo phone matches the phone; a handle matches without its platform")
    func socialMatchKeys() throws {
        let zalo = try IndicatorRules.normalise(kind: .social, raw: "https://zalo.me/0912345678").get()
        let phone = try IndicatorRules.normalise(kind: .phone, raw: "0912 345 678").get()
        #expect(zalo.matchKey == phone.matchKey)
        #expect(try IndicatorRules.guess("@Lua_Dao").get().matchKey == "lua_dao")
        #expect(try IndicatorRules.normalise(kind: .social, raw: "t.me/lua_dao").get().matchKey == "lua_dao")
    }

    // MARK: E-mail

    static let emails: [(String, String)] = [
        ("Nguyen.Van.A+lua@GMAIL.com", "nguyenvana@gmail.com"),
        ("abc@googlemail.com", "abc@gmail.com"),
        ("Abc.Def+x@Yahoo.COM", "abc.def+x@yahoo.com"),
        ("mailto:abc@ngânhàng.vn", "abc@xn--ngnhng-ltan.vn"),
        ("  HoTro@CongAn.VN ", "hotro@congan.vn"),
        ("info@bộcôngan.vn", "info@xn--bcngan-jxa6332d.vn"),
        ("lua.dao@outlook.com.vn", "lua.dao@outlook.com.vn"),
    ]

    @Test("E-mail addresses: lower case, IDN domains in ASCII, Gmail dots and tags dropped", arguments: emails)
    func email(raw: String, expected: String) throws {
        #expect(try IndicatorRules.normalise(kind: .email, raw: raw).get().value == expected)
    }

    // MARK: Refusals

    /// Kind, raw input, "field/code".
    static let refused: [(IndicatorKind, String, String)] = [
        (.phone, "", "value/required"),
        (.website, "   \n", "value/required"),
        (.email, "\u{200B}", "value/required"),
        (.phone, String(repeating: "9", count: 10_000), "value/too_long"),
        (.website, "https://abc.com/" + String(repeating: "a", count: 10_000), "value/too_long"),
        (.social, String(repeating: "ạ", count: 200), "value/too_long"),
        (.phone, "0912\u{0007}345678", "value/control_characters"),
        (.website, "abc.com/\u{0000}", "value/control_characters"),
        (.bankAccount, "0123\n456789", "value/control_characters"),
        (.phone, "0912", "value/phone_too_short"),
        (.phone, "0612345678", "value/phone_unknown_prefix"),
        (.bankAccount, "12345", "value/invalid_bank_account"),
        (.bankAccount, "VCB 12345678901234567890", "value/invalid_bank_account"),
        (.bankAccount, "VCB 0123abc456", "value/invalid_bank_account"),
        (.bankAccount, "XYZ Bank 0123456789", "bank/unknown_bank"),
        (.bankAccount, "Ngân hàng Mặt Trăng 0123456789", "bank/unknown_bank"),
        (.website, "localhost", "value/invalid_website"),
        (.website, "abc", "value/invalid_website"),
        (.website, "http://-abc.com", "value/invalid_website"),
        (.website, "http://a_b.com", "value/invalid_website"),
        (.website, "ftp://abc.com", "value/invalid_website"),
        (.website, "javascript:alert(1)", "value/invalid_website"),
        (.website, "https://" + String(repeating: "a", count: 64) + ".com", "value/invalid_website"),
        (.website, "example.com:99999", "value/invalid_website"),
        (.website, "1.2.3", "value/invalid_website"),
        (.website, "http://256.1.1.1", "value/invalid_website"),
        (.social, "@abc", "value/invalid_social"),
        (.social, "https://www.facebook.com/share/p/abc123/", "value/invalid_social"),
        (.social, "https://www.facebook.com/watch/?v=123", "value/invalid_social"),
        (.social, "https://vt.tiktok.com/ZSabc/", "value/invalid_social"),
        (.social, "https://example.com/abc", "value/invalid_social"),
        (.social, "myspace: abc", "value/invalid_social"),
        (.email, "abc@", "value/invalid_email"),
        (.email, "@abc.com", "value/invalid_email"),
        (.email, "a..b@x.com", "value/invalid_email"),
        (.email, "abc@localhost", "value/invalid_email"),
        (.email, "abc@x.c", "value/invalid_email"),
        (.email, "abc@@x.com", "value/invalid_email"),
    ]

    @Test("Refused inputs and why", arguments: refused)
    func refuses(kind: IndicatorKind, raw: String, expected: String) {
        #expect(Self.refusal(IndicatorRules.normalise(kind: kind, raw: raw)) == expected)
    }

    @Test("An unknown bank given separately, and an unsupported kind")
    func bankAndKindFields() {
        #expect(Self.refusal(IndicatorRules.normalise(kind: .bankAccount, raw: "0123456789", bank: "Ngân hàng Mặt Trăng")) == "bank/unknown_bank")
        #expect(Self.refusal(IndicatorRules.normalise(kindName: "fax", raw: "0912345678")) == "kind/unsupported_kind")
        #expect(Self.refusal(IndicatorRules.normalise(kindName: "", raw: "0912345678")) == "kind/unsupported_kind")
        #expect(Self.value(.bankAccount, "0123456789", bank: "vcb") == "VCB:0123456789")
        #expect((try? IndicatorRules.normalise(kindName: " BANK_ACCOUNT ", raw: "VCB 0123456789").get().value) == "VCB:0123456789")
    }

    @Test("Every refusal has Vietnamese and English words")
    func messages() {
        typealias Issue = IndicatorRules.Issue
        let issues = [
            Issue.required, Issue.tooLong, Issue.controlCharacters, Issue.unsupportedKind, Issue.invalidAccount, Issue.unknownBank,
            Issue.invalidWebsite, Issue.invalidSocial, Issue.invalidEmail, Issue.unrecognised,
        ]
        #expect(Set(issues.map(\.code)).count == issues.count)
        for issue in issues {
            #expect(!issue.messageVI.isEmpty && !issue.messageEN.isEmpty)
            #expect(issue.messageVI != issue.messageEN)
        }
    }

    // MARK: Round trips

    static let canonicalValues: [(IndicatorKind, String)] = [
        (.phone, "+84912345678"), (.bankAccount, "VCB:0123456789"), (.bankAccount, "0123456789"),
        (.bankAccount, "OCEANBANK:0123456789"), (.website, "xn--cngan-6ta.vn/tin"), (.website, "example.com:8443/a?a=1&b=2"),
        (.website, "103.45.67.89/login"), (.website, "abc.com/tin%20t%E1%BB%A9c"), (.social, "facebook:nguyen.van.a"),
        (.social, "facebook:id:100012345678901"), (.social, "facebook:group:muabanxe"), (.social, "zalo:+84912345678"),
        (.social, "zalo:g:abcxyz123"), (.social, "zalo:4318202394581512345"), (.social, "telegram:lua_dao_vn"),
        (.social, "telegram:+AbCdEfGhIjKl"), (.social, "telegram:+84912345678"), (.social, "tiktok:shop.gia.re"),
        (.email, "nguyenvana@gmail.com"), (.email, "abc@xn--ngnhng-ltan.vn"),
    ]

    @Test("A canonical value normalises to itself", arguments: canonicalValues)
    func roundTrip(kind: IndicatorKind, value: String) {
        #expect(Self.value(kind, value) == value)
    }

    // MARK: Guessing

    static let guesses: [(String, IndicatorKind, String)] = [
        ("0912 345 678", .phone, "+84912345678"),
        ("+84 912.345.678", .phone, "+84912345678"),
        ("VCB 0123456789", .bankAccount, "VCB:0123456789"),
        ("Vietcombank 0123-456-789", .bankAccount, "VCB:0123456789"),
        ("MB 0912345678", .bankAccount, "MB:0912345678"),
        ("0123456789", .bankAccount, "0123456789"),
        ("abc-khuyenmai.com", .website, "abc-khuyenmai.com"),
        ("https://www.CôngAn.vn/tin?utm_source=x", .website, "xn--cngan-6ta.vn/tin"),
        ("ngânhàng.vn", .website, "xn--ngnhng-ltan.vn"),
        ("https://www.facebook.com/nguyen.van.a", .social, "facebook:nguyen.van.a"),
        ("fb.com/abc", .social, "facebook:abc"),
        ("t.me/abcd_e", .social, "telegram:abcd_e"),
        ("Zalo 0912345678", .social, "zalo:+84912345678"),
        ("@lua_dao", .social, "@lua_dao"),
        ("abc@gmail.com", .email, "abc@gmail.com"),
        ("HoTro@CongAn.VN", .email, "hotro@congan.vn"),
    ]

    @Test("The lookup box decides the kind", arguments: guesses)
    func guess(raw: String, kind: IndicatorKind, expected: String) throws {
        let indicator = try IndicatorRules.guess(raw).get()
        #expect(indicator.kind == kind)
        #expect(indicator.value == expected)
    }

    static let unguessable: [(String, String)] = [
        ("", "value/required"), ("xin chào", "value/unrecognised"), ("ABC 0123456789", "bank/unknown_bank"),
        ("https://", "value/invalid_website"), ("www.", "value/invalid_website"), ("01234", "value/invalid_bank_account"),
        (String(repeating: "x", count: 10_000), "value/too_long"), ("0912\u{0000}345678", "value/control_characters"),
    ]

    @Test("What the lookup box cannot read, and why", arguments: unguessable)
    func unguessed(raw: String, expected: String) {
        #expect(Self.refusal(IndicatorRules.guess(raw)) == expected)
    }

    // MARK: Punycode and host names

    /// RFC 3492 section 7.1 samples (A, B, D, J, K, L–S) and Vietnamese labels, checked against Python's codec.
    static let punycodeSamples: [(String, String)] = [
        ("bücher", "bcher-kva"), ("münchen", "mnchen-3ya"), ("ngânhàng", "ngnhng-ltan"), ("côngan", "cngan-6ta"),
        ("công-an", "cng-an-ixa"), ("bộcôngan", "bcngan-jxa6332d"), ("việtnam", "vitnam-jk8b"),
        ("\u{0644}\u{064A}\u{0647}\u{0645}\u{0627}\u{0628}\u{062A}\u{0643}\u{0644}\u{0645}\u{0648}\u{0634}\u{0639}\u{0631}\u{0628}\u{064A}\u{061F}",
         "egbpdaj6bu4bxfgehfvwxn"),
        ("\u{4ED6}\u{4EEC}\u{4E3A}\u{4EC0}\u{4E48}\u{4E0D}\u{8BF4}\u{4E2D}\u{6587}", "ihqwcrb4cv8a8dqg056pqjye"),
        ("Pročprostěnemluvíčesky", "Proprostnemluvesky-uyb24dma41a"),
        ("PorquénopuedensimplementehablarenEspañol", "PorqunopuedensimplementehablarenEspaol-fmd56a"),
        ("TạisaohọkhôngthểchỉnóitiếngViệt", "TisaohkhngthchnitingVit-kjcr8268qyxafd2f1b9g"),
        ("3年B組金八先生", "3B-ww4c5e180e575a65lsy2b"),
        ("安室奈美恵-with-SUPER-MONKEYS", "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n"),
        ("Hello-Another-Way-それぞれの場所", "Hello-Another-Way--fc4qua05auwb3674vfr0b"),
        ("ひとつ屋根の下2", "2-u9tlzr9756bt3uc0v"),
        ("MajiでKoiする5秒前", "MajiKoi5-783gue6qz075azm5e"),
        ("パフィーdeルンバ", "de-jg4avhby1noc0d"),
        ("そのスピードで", "d9juau41awczczp"),
        ("-> $1.00 <-", "-> $1.00 <--"),
    ]

    @Test("Punycode encodes and decodes the RFC 3492 samples", arguments: punycodeSamples)
    func punycode(unicode: String, encoded: String) {
        #expect(Punycode.encode(unicode) == encoded)
        #expect(Punycode.decode(encoded) == unicode)
    }

    @Test("Malformed Punycode decodes to nothing")
    func malformedPunycode() {
        #expect(Punycode.decode("abc!") == nil)
        #expect(Punycode.decode("zz") == nil)
        #expect(Punycode.decode("99999999999999999999") == nil)
    }

    static let hosts: [(String, String?)] = [
        ("ngânhàng.vn", "xn--ngnhng-ltan.vn"), ("CôngAn.vn", "xn--cngan-6ta.vn"), ("việtnam.vn", "xn--vitnam-jk8b.vn"),
        ("bücher.de", "xn--bcher-kva.de"), ("a\u{3002}b\u{FF0E}c", "a.b.c"), ("Example.COM.", "example.com"),
        ("ab..c", nil), ("-a.com", nil), ("a b.com", nil), ("a_b.com", nil), ("xn--zz.com", nil), ("ví❤.vn", nil),
        (String(repeating: "a", count: 64) + ".com", nil),
    ]

    @Test("Host names in ASCII", arguments: hosts)
    func host(raw: String, ascii: String?) {
        #expect(DomainName.toASCII(raw) == ascii)
    }

    static let registrable: [(String, String?)] = [
        ("shop.abc.com.vn", "abc.com.vn"), ("abc.com.vn", "abc.com.vn"), ("com.vn", nil), ("a.b.hanoi.vn", "b.hanoi.vn"),
        ("x.y.github.io", "y.github.io"), ("www.bbc.co.uk", "bbc.co.uk"), ("example.com", "example.com"), ("vn", nil),
        ("tin.xn--cngan-6ta.vn", "xn--cngan-6ta.vn"),
    ]

    @Test("Registrable domains from the built-in suffix list", arguments: registrable)
    func registrableDomain(host: String, expected: String?) {
        #expect(DomainName.registrableDomain(host) == expected)
    }

    @Test("toUnicode reverses toASCII")
    func unicodeHost() {
        #expect(DomainName.toUnicode("xn--bcngan-jxa6332d.vn") == "bộcôngan.vn")
        #expect(DomainName.toUnicode("abc.com.vn") == "abc.com.vn")
    }

    // MARK: Banks

    @Test("Bank data: unique codes and BINs, every bank found by code, name, BIN and accent-free name")
    func bankData() {
        let banks = VietnameseBank.all
        #expect(banks.count >= 30)
        #expect(Set(banks.map(\.code)).count == banks.count)
        #expect(Set(banks.map(\.bin)).count == banks.count)
        for bank in banks {
            #expect(bank.bin.count == 6 && bank.bin.allSatisfy(\.isNumber))
            for query in [bank.code, bank.code.lowercased(), bank.shortName, bank.bin, bank.name, VietnameseText.fold(bank.name)] + bank.aliases {
                #expect(VietnameseBank.find(query) == bank)
            }
        }
    }

    /// NAPAS BINs as VietQR lists them.
    static let bins: [(String, String)] = [
        ("970436", "VCB"), ("970415", "ICB"), ("970418", "BIDV"), ("970405", "VBA"), ("970407", "TCB"), ("970422", "MB"),
        ("970416", "ACB"), ("970432", "VPB"), ("970403", "STB"), ("970423", "TPB"), ("970441", "VIB"), ("970443", "SHB"),
        ("970437", "HDB"), ("970448", "OCB"), ("970426", "MSB"), ("970440", "SEAB"), ("970431", "EIB"), ("970449", "LPB"),
        ("970428", "NAB"), ("970409", "BAB"), ("970425", "ABB"), ("970427", "VAB"), ("970412", "PVCB"), ("970419", "NCB"),
        ("970452", "KLB"), ("970438", "BVB"), ("970400", "SGICB"), ("970429", "SCB"), ("970433", "VIETBANK"),
        ("970430", "PGB"), ("970408", "GPB"), ("970406", "DOB"), ("970444", "CBB"), ("970414", "OCEANBANK"),
        ("546034", "CAKE"), ("970454", "VCCB"),
    ]

    @Test("BINs name their banks", arguments: bins)
    func bin(bin: String, code: String) {
        #expect(VietnameseBank.find(bin)?.code == code)
    }

    static let bankNames: [(String, String?)] = [
        ("ngoai thuong", "VCB"), ("Ngân hàng Ngoại thương", "VCB"), ("VIETCOMBANK", "VCB"), ("Vietcom", "VCB"),
        ("cong thuong", "ICB"), ("a chau", "ACB"), ("NH Á Châu", "ACB"), ("ky thuong", "TCB"), ("techcom", "TCB"),
        ("quân đội", "MB"), ("MB Bank", "MB"), ("Đông Á", "DOB"), ("Bưu điện Liên Việt", "LPB"), ("Maritime Bank", "MSB"),
        ("Sài Gòn Thương Tín", "STB"), ("xyz", nil), ("ngân hàng", nil), ("", nil),
    ]

    @Test("Banks by the names people use", arguments: bankNames)
    func bankName(query: String, code: String?) {
        #expect(VietnameseBank.find(query)?.code == code)
    }

    // MARK: Extraction

    /// Tip texts and what should be found in them, as "kind:value".
    static let tips: [(String, [String])] = [
        ("Tôi bị lừa, gọi 0912.345.678 nhé, chuyển 5.000.000 đồng vào STK 0123456789 Vietcombank.",
         ["phone:+84912345678", "bank_account:VCB:0123456789"]),
        ("Vao trang abc-khuyenmai.com de nhan qua, lien he zalo 0987 654 321 hoac email hotro@khuyenmai-abc.com",
         ["website:abc-khuyenmai.com", "phone:+84987654321", "email:hotro@khuyenmai-abc.com"]),
        ("Ngày 12/05/2024 lúc 10:30 có người gọi từ số +84 912 345 678 tự xưng công an, yêu cầu chuyển 500k vào tài khoản MB 0912345678.",
         ["phone:+84912345678", "bank_account:MB:0912345678"]),
        ("Fanpage giả https://www.facebook.com/profile.php?id=100012345678901&mibextid=abc, nhóm Telegram t.me/lua_dao_vn và tiktok @shop.gia.re",
         ["social:facebook:id:100012345678901", "social:telegram:lua_dao_vn", "social:tiktok:shop.gia.re"]),
        ("CCCD 001090012345, mã OTP 123456, giá 1.200.000đ, số tiền 900.000.000 đồng, năm 2024.", []),
        ("Số tài khoản: 1903 5087 6500 13 - Techcombank - chủ TK NGUYEN VAN A. Link: https://bit.ly/3abcXYZ?utm_source=fb",
         ["bank_account:TCB:19035087650013", "website:bit.ly/3abcXYZ"]),
        ("Nó dùng SĐT 0912345678 và 0987654321, Zalo: zalo.me/0912345678, web hxxp://evil[.]com",
         ["phone:+84912345678", "phone:+84987654321", "social:zalo:+84912345678", "website:evil.com"]),
        ("TP.HCM, Q.1, v.v. và file anh.jpg không phải trang web; nhưng vietcombank-hotro.xyz thì là.",
         ["website:vietcombank-hotro.xyz"]),
        ("chuyen khoan vao so tai khoan 0071001234567 ngan hang ngoai thuong", ["bank_account:VCB:0071001234567"]),
        ("STK VCB 0123456789 - 0987654321", ["bank_account:VCB:0123456789", "phone:+84987654321"]),
        ("Số tài khoản MB Bank là 0912345678", ["bank_account:MB:0912345678"]),
        ("gọi 0912 345 678 2 lần không ai nghe", ["phone:+84912345678"]),
        ("Hotline 1900 1234 và 028.3823.4567, ngày 05.06.2024, mã đơn 0912345678", ["phone:+842838234567"]),
        ("Nạp tiền qua ví, STK: 0011 0041 23456 (Vietcombank) chủ TK Tran Thi B, sau đó vào web https://vcb-hotro.top/dang-nhap?utm_source=zalo&ref=abc#x",
         ["bank_account:VCB:0011004123456", "website:vcb-hotro.top/dang-nhap?ref=abc"]),
        ("Ngân hàng Á Châu 123456789, sđt liên hệ 0912345678/0987654321",
         ["bank_account:ACB:123456789", "phone:+84912345678", "phone:+84987654321"]),
        ("số tiền 15.000.000 VND chuyển từ 0123 456 789 lúc 14:05 ngày 3-4-2024", []),
        ("Ai có nick fb.com/nguyen.van.lua hay tiktok.com/@lua.dao hay email LuaDao.VN+1@gmail.com thì báo",
         ["social:facebook:nguyen.van.lua", "social:tiktok:lua.dao", "email:luadaovn@gmail.com"]),
        ("Tên miền công-an.vn giả mạo: http://bộcôngan.vn/dang-ky, trang ( www.ngânhàng.vn ).",
         ["website:xn--cng-an-ixa.vn", "website:xn--bcngan-jxa6332d.vn/dang-ky", "website:xn--ngnhng-ltan.vn"]),
        ("Nó bảo ck 2tr vào stk 9704 3612 3456 7890 rồi gửi ảnh qua zalo.me/g/abcxyz123",
         ["bank_account:9704361234567890", "social:zalo:g:abcxyz123"]),
        ("anh ấy nói 0912345678, 0912345678 và +84912345678 là một số", ["phone:+84912345678"]),
        ("", []),
    ]

    @Test("Indicators in tip texts, once each, in order", arguments: tips)
    func extract(text: String, expected: [String]) {
        #expect(IndicatorExtractor.extract(from: text).map(\.description) == expected)
    }

    @Test("A long text is cut, not choked on")
    func longText() {
        let text = String(repeating: "gọi 0912345678 hoặc vào abc.com ", count: 2000)
        #expect(IndicatorExtractor.extract(from: text).map(\.description) == ["phone:+84912345678", "website:abc.com"])
    }

    // MARK: Kinds

    @Test("Kinds: API names and labels in both languages")
    func kinds() {
        #expect(IndicatorKind.allCases.map(\.rawValue) == ["phone", "bank_account", "website", "social", "email"])
        for kind in IndicatorKind.allCases {
            #expect(!kind.labelVI.isEmpty && !kind.labelEN.isEmpty && kind.labelVI != kind.labelEN)
        }
        #expect(SocialPlatform(name: "Tik Tok") == .tiktok)
        #expect(SocialPlatform(name: "FB") == .facebook)
        #expect(SocialPlatform(name: "myspace") == nil)
    }

    @Test("Indicators are equal when kind and value are, whatever the display")
    func equality() throws {
        let a = try IndicatorRules.normalise(kind: .phone, raw: "0912 345 678").get()
        let b = try IndicatorRules.normalise(kind: .phone, raw: "+84912345678").get()
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
        #expect(a != Indicator(kind: .social, value: a.value, display: a.display, matchKey: a.matchKey))
    }

    @Test("A profile link typed without https:// is guessed as a social account, not as an e-mail address")
    func profileWithoutScheme() throws {
        for text in ["tiktok.com/@kiemtien.online", "www.tiktok.com/@kiemtien.online/video/1"] {
            let found = try IndicatorRules.guess(text).get()
            #expect(found.kind == .social && found.value == "tiktok:kiemtien.online", "\(text): \(found)")
        }
        #expect(try IndicatorRules.guess("hotro@gmail.com").get().kind == .email)
    }
}

