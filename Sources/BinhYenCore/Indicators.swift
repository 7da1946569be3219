import Foundation

// MARK: - Kinds and indicators

/// What a scam indicator is: the kinds the cyber-patrol registry files reports under.
public enum IndicatorKind: String, CaseIterable, Sendable, Codable {
    case phone
    case bankAccount = "bank_account"
    case website
    case social
    case email

    public var labelVI: String {
        switch self {
        case .phone: "Số điện thoại"
        case .bankAccount: "Tài khoản ngân hàng"
        case .website: "Trang web"
        case .social: "Tài khoản mạng xã hội"
        case .email: "Địa chỉ email"
        }
    }

    public var labelEN: String {
        switch self {
        case .phone: "Phone number"
        case .bankAccount: "Bank account"
        case .website: "Website"
        case .social: "Social media account"
        case .email: "E-mail address"
        }
    }
}

/// One normalised indicator.
///
/// - `value` is the registry's key: every spelling of the same number, account, site, profile or
///   mailbox gives the same value ("+84912345678", "VCB:0123456789", "abc.com.vn/khuyen-mai",
///   "facebook:nguyenvana", "ten@gmail.com").
/// - `matchKey` is the coarser key lookups compare: the registrable domain for a website (so every
///   page of a scam site matches), the digits alone for an account (any bank), the handle without
///   its platform for a social account (so "@abc" finds it on every platform; a Zalo phone gives the
///   phone's E.164), and `value` otherwise.
/// - `display` is for people: grouped digits, Unicode host names.
///
/// Two indicators are equal when kind and value are.
public struct Indicator: Hashable, Sendable, CustomStringConvertible {
    public let kind: IndicatorKind
    public let value: String
    public let display: String
    public let matchKey: String

    public init(kind: IndicatorKind, value: String, display: String, matchKey: String) {
        self.kind = kind
        self.value = value
        self.display = display
        self.matchKey = matchKey
    }

    public static func == (lhs: Indicator, rhs: Indicator) -> Bool {
        lhs.kind == rhs.kind && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(value)
    }

    public var description: String { "\(kind.rawValue):\(value)" }
}

/// The social networks the registry recognises profiles on.
public enum SocialPlatform: String, CaseIterable, Sendable, Codable {
    case facebook, zalo, telegram, tiktok

    public var displayName: String {
        switch self {
        case .facebook: "Facebook"
        case .zalo: "Zalo"
        case .telegram: "Telegram"
        case .tiktok: "TikTok"
        }
    }

    /// "facebook", "FB", "Face", "zalo", "Telegram", "tele", "tg", "TikTok", "Tik Tok".
    public init?(name: String) {
        switch VietnameseText.tokens(name).joined() {
        case "facebook", "fb", "face", "fbook": self = .facebook
        case "zalo": self = .zalo
        case "telegram", "tele", "tg": self = .telegram
        case "tiktok": self = .tiktok
        default: return nil
        }
    }
}

// MARK: - Rules

/// Normalises what people type or paste into one canonical indicator, or says why it cannot.
/// Pure: the report form, the registry API and the public lookup box refuse the same inputs with the
/// same words.
public enum IndicatorRules {
    /// Longest input considered, in UTF-8 bytes.
    public static let maxInputBytes = 512
    /// How many digits a Vietnamese bank account number has.
    public static let accountDigits = 6...19

    /// The canonical indicator of `kind` written as `raw`. For accounts, `bank` names the bank (code,
    /// name, BIN, with or without accents); when nil, a bank written in `raw` itself is used
    /// ("VCB 0123456789", "0123-456-789 Vietcombank", "VCB:0123456789"). An account with no bank at
    /// all is accepted and its value is the digits alone.
    public static func normalise(kind: IndicatorKind, raw: String, bank: String? = nil) -> Result<Indicator, FieldIssue> {
        let text: String
        switch prepare(raw) {
        case .success(let prepared): text = prepared
        case .failure(let issue): return .failure(issue)
        }
        switch kind {
        case .phone: return phone(text)
        case .bankAccount: return bankAccount(text, bank: bank)
        case .website: return website(text)
        case .social: return social(text)
        case .email: return email(text)
        }
    }

    /// The same with the kind as the API sends it ("phone", "bank_account", …).
    public static func normalise(kindName: String, raw: String, bank: String? = nil) -> Result<Indicator, FieldIssue> {
        guard let kind = IndicatorKind(rawValue: VietnameseText.trim(kindName).lowercased()) else {
            return .failure(Issue.unsupportedKind)
        }
        return normalise(kind: kind, raw: raw, bank: bank)
    }

    /// For the public lookup box, where people type anything: decides the kind and normalises.
    ///
    /// In order: "platform: handle" or "platform handle"; "@handle" (platform unknown: value
    /// "@handle"); an e-mail address; a phone number; a web address (a social profile URL becomes a
    /// social account); 6–19 digits, with or without a bank before or after them.
    public static func guess(_ raw: String) -> Result<Indicator, FieldIssue> {
        let text: String
        switch prepare(raw) {
        case .success(let prepared): text = prepared
        case .failure(let issue): return .failure(issue)
        }
        if let explicit = explicitSocial(text) { return explicit }
        if text.hasPrefix("@"), let bare = bareHandle(text) { return .success(bare) }
        let hasSpace = text.contains(where: \.isWhitespace)
        // "tiktok.com/@abc" is a profile, not an address: an e-mail has no slash.
        if !hasSpace, text.contains("@"), !text.contains("/") { return email(text) }
        if case .success(let number) = PhoneNumber.parse(stripping: text) { return .success(phoneIndicator(number)) }
        if !hasSpace, text.contains("://") || text.contains("."), text.contains(where: \.isLetter) {
            if let address = WebAddress(parsing: text) {
                return .success(socialIndicator(address) ?? websiteIndicator(address))
            }
            let lower = text.lowercased()
            if lower.contains("://") || lower.hasPrefix("www.") { return .failure(Issue.invalidWebsite) }
        }
        if let account = AccountText(text) {
            return bankAccount(account)
        }
        return .failure(Issue.unrecognised)
    }

    // MARK: Input

    /// Format characters (zero-width spaces, bidi overrides) dropped, tabs read as spaces, trimmed, NFC;
    /// refused when empty, too long or holding other control characters.
    static func prepare(_ raw: String) -> Result<String, FieldIssue> {
        guard raw.utf8.count <= maxInputBytes else { return .failure(Issue.tooLong) }
        // Printable ASCII (most numbers, accounts and addresses): no format or control
        // characters, already NFC; only the spaces at the ends to drop.
        if raw.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) {
            let trimmed = VietnameseText.trim(raw)
            return trimmed.isEmpty ? .failure(Issue.required) : .success(trimmed)
        }
        var scalars = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars where scalar.properties.generalCategory != .format {
            scalars.append(scalar == "\t" ? " " : scalar)
        }
        let trimmed = VietnameseText.trim(String(scalars))
        if trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return .failure(Issue.controlCharacters)
        }
        guard !trimmed.isEmpty else { return .failure(Issue.required) }
        return .success(VietnameseText.nfc(trimmed))
    }

    // MARK: Phones

    static func phone(_ text: String) -> Result<Indicator, FieldIssue> {
        switch PhoneNumber.parse(stripping: text) {
        case .success(let number):
            return .success(phoneIndicator(number))
        case .failure(let error):
            return .failure(FieldIssue(field: "value", code: "phone_\(error)", messageVI: error.messageVI, messageEN: error.messageEN))
        }
    }

    static func phoneIndicator(_ number: PhoneNumber) -> Indicator {
        Indicator(kind: .phone, value: number.e164, display: number.display, matchKey: number.e164)
    }

    // MARK: Bank accounts

    static func bankAccount(_ text: String, bank: String?) -> Result<Indicator, FieldIssue> {
        guard var account = AccountText(text) else { return .failure(Issue.invalidAccount) }
        if let bank, !VietnameseText.trim(bank).isEmpty {
            guard bank.utf8.count <= maxInputBytes else { return .failure(Issue.bankTooLong) }
            account.bank = bank
        }
        return bankAccount(account)
    }

    static func bankAccount(_ account: AccountText) -> Result<Indicator, FieldIssue> {
        guard accountDigits.contains(account.digits.count) else { return .failure(Issue.invalidAccount) }
        guard let name = account.bank else { return .success(accountIndicator(account.digits, bank: nil)) }
        guard let found = VietnameseBank.find(name) else { return .failure(Issue.unknownBank) }
        return .success(accountIndicator(account.digits, bank: found))
    }

    static func accountIndicator(_ digits: String, bank: VietnameseBank?) -> Indicator {
        guard let bank else {
            return Indicator(kind: .bankAccount, value: digits, display: digits, matchKey: digits)
        }
        return Indicator(kind: .bankAccount, value: bank.code + ":" + digits, display: bank.shortName + " " + digits, matchKey: digits)
    }

    // MARK: Websites

    static func website(_ text: String) -> Result<Indicator, FieldIssue> {
        guard let address = WebAddress(parsing: text) else { return .failure(Issue.invalidWebsite) }
        return .success(websiteIndicator(address))
    }

    static func websiteIndicator(_ address: WebAddress) -> Indicator {
        Indicator(kind: .website, value: address.canonical, display: address.display, matchKey: address.matchKey)
    }

    // MARK: Social accounts

    /// A registry entry needs the platform: "@abc" alone is refused here (``guess(_:)`` takes it).
    static func social(_ text: String) -> Result<Indicator, FieldIssue> {
        if let explicit = explicitSocial(text) { return explicit }
        if !text.contains(where: \.isWhitespace), let address = WebAddress(parsing: text), let found = socialIndicator(address) {
            return .success(found)
        }
        return .failure(Issue.invalidSocial)
    }

    /// "facebook: nguyen.van.a", "Zalo 0912 345 678", "telegram:@abc", "TikTok @abc", or a platform
    /// name followed by a profile URL. Nil when the text does not start with a platform name.
    static func explicitSocial(_ text: String) -> Result<Indicator, FieldIssue>? {
        guard let separator = text.firstIndex(where: { $0 == ":" || $0.isWhitespace }),
              let platform = SocialPlatform(name: String(text[..<separator]))
        else { return nil }
        let after = text[text.index(after: separator)...]
        // "http://…" is a scheme, not a platform.
        if text[separator] == ":", after.hasPrefix("//") { return nil }
        let rest = after.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: ":")))
        guard !rest.isEmpty else { return .failure(Issue.invalidSocial) }
        if rest.contains("/"), let address = WebAddress(parsing: rest), let found = socialIndicator(address) {
            return .success(found)
        }
        guard let found = socialHandle(platform, rest) else { return .failure(Issue.invalidSocial) }
        return .success(found)
    }

    /// "@abc" alone: a handle on a platform nobody named. Value "@abc", match key "abc".
    static func bareHandle(_ text: String) -> Indicator? {
        let handle = text.dropFirst()
        guard (2...32).contains(handle.count), handle.allSatisfy({ isHandleCharacter($0) || $0 == "." }) else { return nil }
        let lower = handle.lowercased()
        return Indicator(kind: .social, value: "@" + lower, display: "@" + handle, matchKey: lower)
    }

    /// A handle given with its platform named. Also reads the registry's own values back
    /// ("facebook:id:123", "zalo:g:abc", "telegram:+AbCd…"), so a value normalises to itself.
    static func socialHandle(_ platform: SocialPlatform, _ raw: String) -> Indicator? {
        let handle = raw.hasPrefix("@") ? String(raw.dropFirst()) : raw
        let lower = handle.lowercased()
        switch platform {
        case .facebook:
            if isDigits(handle) { return profile(.facebook, "id:" + handle, display: "id " + handle) }
            if lower.hasPrefix("id:"), case let id = String(handle.dropFirst(3)), isDigits(id) {
                return profile(.facebook, "id:" + id, display: "id " + id)
            }
            if lower.hasPrefix("group:"), case let group = String(handle.dropFirst(6)), isHandleText(group, allowing: ".-") {
                return profile(.facebook, "group:" + group.lowercased(), display: "nhóm " + group)
            }
            guard isFacebookName(handle) else { return nil }
            return profile(.facebook, lower, display: handle)
        case .zalo:
            if let number = try? PhoneNumber(parsing: handle) { return profile(.zalo, number.e164, display: number.display) }
            if lower.hasPrefix("g:"), case let group = String(handle.dropFirst(2)), isHandleText(group, allowing: "") {
                return profile(.zalo, "g:" + group.lowercased(), display: "nhóm " + group)
            }
            guard isDigits(handle), handle.count >= 6 else { return nil }
            return profile(.zalo, handle, display: handle)
        case .telegram:
            if handle.first?.isNumber == true || handle.hasPrefix("+"), let number = try? PhoneNumber(parsing: handle) {
                return profile(.telegram, number.e164, display: number.display)
            }
            if handle.hasPrefix("+") {
                // An invitation link's code: case matters.
                let code = String(handle.dropFirst())
                guard code.count >= 10, isHandleText(code, allowing: "-") else { return nil }
                return profile(.telegram, "+" + code, display: "t.me/+" + code)
            }
            guard isTelegramName(handle) else { return nil }
            return profile(.telegram, lower, display: "@" + handle)
        case .tiktok:
            guard isTikTokName(handle) else { return nil }
            return profile(.tiktok, lower, display: "@" + handle)
        }
    }

    /// A profile URL on one of the platforms, or nil for any other page (a post, a share link, a
    /// different site).
    static func socialIndicator(_ address: WebAddress) -> Indicator? {
        guard !address.isIPAddress, let site = DomainName.registrableDomain(address.host) else { return nil }
        let segments = address.segments
        guard let first = segments.first else { return nil }
        switch site {
        case "facebook.com", "fb.com", "fb.me", "m.me":
            guard site != "facebook.com" || facebookHosts.contains(address.host) || isLocaleFacebookHost(address.host) else { return nil }
            return facebookProfile(segments, query: address.queryItems)
        case "zalo.me":
            guard address.host == "zalo.me" else { return nil }
            if first == "g", segments.count >= 2, isHandleText(segments[1], allowing: "") {
                return profile(.zalo, "g:" + segments[1].lowercased(), display: "nhóm " + segments[1])
            }
            return socialHandle(.zalo, first)
        case "t.me", "telegram.me", "telegram.dog":
            var name = first
            if first.lowercased() == "s" || first.lowercased() == "joinchat", segments.count >= 2 {
                name = first.lowercased() == "joinchat" ? "+" + segments[1] : segments[1]
            }
            guard name.hasPrefix("+") || !telegramReserved.contains(name.lowercased()) else { return nil }
            return socialHandle(.telegram, name)
        case "tiktok.com":
            guard address.host == "tiktok.com", first.hasPrefix("@") else { return nil }
            return socialHandle(.tiktok, first)
        default:
            return nil
        }
    }

    static func facebookProfile(_ segments: [String], query: [(key: String, value: String)]) -> Indicator? {
        guard let first = segments.first else { return nil }
        let lower = first.lowercased()
        switch lower {
        case "profile.php":
            guard let id = query.first(where: { $0.key == "id" })?.value, isDigits(id) else { return nil }
            return profile(.facebook, "id:" + id, display: "id " + id)
        case "people", "pages":
            guard segments.count >= 3, let id = segments.dropFirst(2).last(where: isDigits) else { return nil }
            return profile(.facebook, "id:" + id, display: "id " + id)
        case "groups":
            guard segments.count >= 2, isHandleText(segments[1], allowing: ".-") else { return nil }
            return profile(.facebook, "group:" + segments[1].lowercased(), display: "nhóm " + segments[1])
        case "pg":
            guard segments.count >= 2 else { return nil }
            return socialHandle(.facebook, segments[1])
        default:
            guard !facebookReserved.contains(lower) else { return nil }
            // Pages without a username: "Ten-Trang-100063512345678".
            if let dash = first.lastIndex(of: "-"), case let id = String(first[first.index(after: dash)...]), id.count >= 8, isDigits(id) {
                return profile(.facebook, "id:" + id, display: "id " + id)
            }
            return socialHandle(.facebook, first)
        }
    }

    /// Value "platform:key"; the match key is the key alone.
    static func profile(_ platform: SocialPlatform, _ key: String, display: String) -> Indicator {
        Indicator(kind: .social, value: platform.rawValue + ":" + key, display: platform.displayName + ": " + display, matchKey: key)
    }

    static let facebookHosts: Set<String> = ["facebook.com", "web.facebook.com", "mbasic.facebook.com", "touch.facebook.com", "mobile.facebook.com"]

    /// "vi-vn.facebook.com", "en-gb.facebook.com".
    static func isLocaleFacebookHost(_ host: String) -> Bool {
        guard host.hasSuffix(".facebook.com") else { return false }
        let label = host.dropLast(".facebook.com".count)
        return label.count == 5 && label.dropFirst(2).first == "-" && label.allSatisfy { $0 == "-" || $0.isLetter }
    }

    /// First path segments on facebook.com that are pages of Facebook itself, not someone's profile.
    static let facebookReserved: Set<String> = [
        "ads", "bookmarks", "business", "dialog", "events", "friends", "fundraisers", "gaming", "groups", "hashtag",
        "help", "home.php", "l.php", "live", "login", "login.php", "marketplace", "media", "messages", "notifications",
        "p", "permalink.php", "photo", "photo.php", "photos", "plugins", "policies", "privacy", "recover", "reel",
        "reels", "saved", "search", "settings", "share", "sharer", "sharer.php", "stories", "story.php", "tr",
        "video.php", "videos", "watch", "checkpoint", "composer", "legal", "terms", "pages", "people", "profile.php",
    ]

    static let telegramReserved: Set<String> = [
        "share", "addstickers", "addemoji", "addtheme", "proxy", "socks", "iv", "c", "login", "setlanguage", "bg",
        "confirmphone", "invoice", "boost", "contact", "joinchat", "s",
    ]

    static func isDigits<S: StringProtocol>(_ text: S) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { (0x30...0x39).contains($0.value) }
    }

    static func isHandleCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_")
    }

    static func isHandleText(_ text: String, allowing extra: String) -> Bool {
        !text.isEmpty && text.count <= 100 && text.allSatisfy { isHandleCharacter($0) || extra.contains($0) }
    }

    /// Letters, digits and dots; at least two characters and one letter or digit.
    static func isFacebookName(_ name: String) -> Bool {
        (2...50).contains(name.count) && name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ".") })
            && name.contains(where: { $0 != "." })
    }

    /// Telegram usernames: 4–32 of letters, digits and underscores, starting with a letter.
    static func isTelegramName(_ name: String) -> Bool {
        (4...32).contains(name.count) && name.first?.isLetter == true && isHandleText(name, allowing: "")
    }

    /// TikTok usernames: 2–24 of letters, digits, underscores and dots.
    static func isTikTokName(_ name: String) -> Bool {
        (2...24).contains(name.count) && isHandleText(name, allowing: ".")
    }

    // MARK: E-mail

    /// Lower case throughout — the local part too, although RFC 5321 lets a server tell "An@" from
    /// "an@": for matching reports, one mailbox should be one key, and no mail provider people use
    /// here treats them as different. For Gmail (and googlemail.com, which is the same service) dots
    /// and a "+tag" are dropped, since Gmail delivers "a.b+x@gmail.com" to "ab@gmail.com"; other
    /// providers keep both, as their rules differ.
    static func email(_ text: String) -> Result<Indicator, FieldIssue> {
        var address = Substring(text)
        if address.lowercased().hasPrefix("mailto:") { address = address.dropFirst(7) }
        if let query = address.firstIndex(of: "?") { address = address[..<query] }
        guard let at = address.lastIndex(of: "@") else { return .failure(Issue.invalidEmail) }
        var local = address[..<at].lowercased()
        let domainText = address[address.index(after: at)...]
        guard (1...64).contains(local.count), !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."),
              local.allSatisfy({ $0.isLetter || $0.isNumber || (!$0.isWhitespace && "!#$%&'*+/=?^_`{|}~.-".contains($0)) }),
              let host = DomainName.toASCII(String(domainText)), isPublicHost(host)
        else { return .failure(Issue.invalidEmail) }
        var domain = host
        if domain == "gmail.com" || domain == "googlemail.com" {
            domain = "gmail.com"
            if let plus = local.firstIndex(of: "+") { local = String(local[..<plus]) }
            local.removeAll { $0 == "." }
            guard !local.isEmpty else { return .failure(Issue.invalidEmail) }
        }
        let value = local + "@" + domain
        return .success(Indicator(kind: .email, value: value, display: local + "@" + DomainName.toUnicode(domain), matchKey: value))
    }

    /// At least two labels and a top-level domain of letters (or an IDN one): "a.com", not "a" or "a.1".
    static func isPublicHost(_ asciiHost: String) -> Bool {
        guard let tld = asciiHost.split(separator: ".").last, asciiHost.contains(".") else { return false }
        return tld.hasPrefix("xn--") || (tld.count >= 2 && tld.allSatisfy { $0.isASCII && $0.isLetter })
    }

    // MARK: Errors

    enum Issue {
        static let required = FieldIssue(
            field: "value", code: "required",
            messageVI: "Vui lòng nhập số điện thoại, số tài khoản, trang web, tài khoản mạng xã hội hoặc email.",
            messageEN: "Please enter a phone number, bank account, website, social media account or e-mail address.")
        static let tooLong = FieldIssue(
            field: "value", code: "too_long",
            messageVI: "Nội dung quá dài: tối đa \(maxInputBytes) byte.",
            messageEN: "The value is too long: at most \(maxInputBytes) bytes.")
        static let controlCharacters = FieldIssue(
            field: "value", code: "control_characters",
            messageVI: "Nội dung có ký tự điều khiển không được phép (ví dụ xuống dòng giữa chừng).",
            messageEN: "The value contains control characters that are not allowed (such as a line break inside it).")
        static let unsupportedKind = FieldIssue(
            field: "kind", code: "unsupported_kind",
            messageVI: "Loại thông tin này không được hỗ trợ. Chọn: số điện thoại, tài khoản ngân hàng, trang web, mạng xã hội hoặc email.",
            messageEN: "This kind is not supported. Choose phone, bank account, website, social account or e-mail.")
        static let invalidAccount = FieldIssue(
            field: "value", code: "invalid_bank_account",
            messageVI: "Số tài khoản phải gồm từ \(accountDigits.lowerBound) đến \(accountDigits.upperBound) chữ số (có thể có dấu cách, dấu chấm hoặc gạch ngang).",
            messageEN: "An account number has \(accountDigits.lowerBound) to \(accountDigits.upperBound) digits (spaces, dots and dashes are allowed).")
        static let bankTooLong = FieldIssue(
            field: "bank", code: "too_long",
            messageVI: "Tên ngân hàng quá dài: tối đa \(maxInputBytes) byte.",
            messageEN: "The bank name is too long: at most \(maxInputBytes) bytes.")
        static let unknownBank = FieldIssue(
            field: "bank", code: "unknown_bank",
            messageVI: "Không nhận ra ngân hàng. Hãy nhập tên ngân hàng, mã viết tắt (ví dụ VCB) hoặc mã BIN gồm 6 chữ số.",
            messageEN: "Unknown bank. Enter the bank's name, its short code (e.g. VCB) or its 6-digit BIN.")
        static let invalidWebsite = FieldIssue(
            field: "value", code: "invalid_website",
            messageVI: "Địa chỉ trang web không hợp lệ. Ví dụ hợp lệ: abc-khuyenmai.com hoặc https://abc.com.vn/trang.",
            messageEN: "This is not a valid web address. For example: abc-khuyenmai.com or https://abc.com.vn/page.")
        static let invalidSocial = FieldIssue(
            field: "value", code: "invalid_social",
            messageVI: "Không nhận ra tài khoản mạng xã hội. Hãy dán đường dẫn trang cá nhân Facebook, Zalo, Telegram hoặc TikTok, hoặc ghi dạng \"facebook: tên\".",
            messageEN: "Not a recognised social media account. Paste a Facebook, Zalo, Telegram or TikTok profile link, or write \"facebook: name\".")
        static let invalidEmail = FieldIssue(
            field: "value", code: "invalid_email",
            messageVI: "Địa chỉ email không hợp lệ. Ví dụ hợp lệ: ten@gmail.com.",
            messageEN: "This is not a valid e-mail address. For example: name@gmail.com.")
        static let unrecognised = FieldIssue(
            field: "value", code: "unrecognised",
            messageVI: "Không nhận ra đây là số điện thoại, số tài khoản, trang web, tài khoản mạng xã hội hay email.",
            messageEN: "Could not tell whether this is a phone number, bank account, website, social media account or e-mail address.")
    }
}

extension PhoneNumber {
    /// Parses, after dropping a "tel:" prefix, for links copied from web pages.
    static func parse(stripping text: String) -> Result<PhoneNumber, PhoneNumberError> {
        var text = Substring(text)
        if text.lowercased().hasPrefix("tel:") { text = text.dropFirst(4) }
        do {
            return .success(try PhoneNumber(parsing: String(text)))
        } catch {
            return .failure(error)
        }
    }
}

// MARK: - Account text

/// An account number as written, split into its digits and whatever names the bank around them:
/// "VCB 0123 456 789", "0123-456-789 (Vietcombank)", "STK: 0123456789", "Vietcombank: 0123.456.789",
/// "970436 0123456789".
struct AccountText {
    var digits: String
    var bank: String?

    init?(_ text: String) {
        var bankText = ""
        var numberText = Substring(text)
        if let colon = text.firstIndex(of: ":") {
            bankText = String(text[..<colon])
            numberText = text[text.index(after: colon)...]
        }
        var tokens = numberText.split(whereSeparator: \.isWhitespace).map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "()[],;"))
        }.filter { !$0.isEmpty }
        guard let firstNumber = tokens.firstIndex(where: Self.isNumberToken),
              let lastNumber = tokens.lastIndex(where: Self.isNumberToken),
              tokens[firstNumber...lastNumber].allSatisfy(Self.isNumberToken)
        else { return nil }
        var words = Array(tokens[..<firstNumber]) + Array(tokens[(lastNumber + 1)...])
        tokens = Array(tokens[firstNumber...lastNumber])
        if !bankText.isEmpty { words.insert(bankText, at: 0) }
        let name = Self.withoutKeywords(words.joined(separator: " "))
        if name.isEmpty, tokens.count >= 2, tokens[0].count == 6, VietnameseBank.find(tokens[0]) != nil {
            bank = tokens.removeFirst()
        } else {
            bank = name.isEmpty ? nil : name
        }
        var digits = ""
        for scalar in tokens.joined().unicodeScalars {
            switch scalar.value {
            case 0x30...0x39: digits.unicodeScalars.append(scalar)
            case 0xFF10...0xFF19: digits.unicodeScalars.append(Unicode.Scalar(UInt8(scalar.value - 0xFF10 + 0x30)))
            default: continue
            }
        }
        self.digits = digits
    }

    /// Digits with dots and dashes between them.
    static func isNumberToken(_ token: String) -> Bool {
        token.contains(where: \.isNumber) && token.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" }
            && token.unicodeScalars.allSatisfy { $0.isASCII || (0xFF10...0xFF19).contains($0.value) }
    }

    /// "STK", "số tài khoản", "tk" and the like around the bank's name removed.
    static func withoutKeywords(_ text: String) -> String {
        var words = VietnameseText.tokens(text)
        let keywords: Set<String> = ["stk", "tk", "so", "tai", "khoan", "account", "acc", "no", "number", "ck", "chuyen"]
        while let first = words.first, keywords.contains(first) { words.removeFirst() }
        while let last = words.last, keywords.contains(last) { words.removeLast() }
        return words.joined(separator: " ")
    }
}

// MARK: - Web addresses

/// A web address reduced to what identifies the page: the host in ASCII without "www."/"m.", a
/// port other than 80 and 443, the path without trailing slashes, and the query without tracking
/// parameters, sorted. Scheme, user info and fragment are dropped.
struct WebAddress {
    var host: String
    var port: Int?
    var path: String
    var segments: [String]
    var queryItems: [(key: String, value: String)]
    var query: String
    var isIPAddress: Bool

    init?(parsing raw: String) {
        var text = Self.refanged(raw)
        var hadScheme = false
        if let schemeEnd = text.range(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "http" || scheme == "https" else { return nil }
            text = String(text[schemeEnd.upperBound...])
            hadScheme = true
        } else if text.hasPrefix("//") {
            text = String(text.dropFirst(2))
        }
        text = text.replacingOccurrences(of: "\\", with: "/")
        let authorityEnd = text.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? text.endIndex
        var authority = Substring(text[..<authorityEnd])
        var rest = text[authorityEnd...]
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }

        if let at = authority.lastIndex(of: "@") {
            guard hadScheme else { return nil }
            authority = authority[authority.index(after: at)...]
        }
        guard !authority.contains("["), !authority.contains(where: \.isWhitespace) else { return nil }
        if let colon = authority.lastIndex(of: ":") {
            let portText = authority[authority.index(after: colon)...]
            authority = authority[..<colon]
            if !portText.isEmpty {
                guard portText.count <= 5, IndicatorRules.isDigits(portText), let number = Int(portText), (1...65535).contains(number) else { return nil }
                port = number == 80 || number == 443 ? nil : number
            }
        }

        if let address = Self.ipv4(authority) {
            host = address
            isIPAddress = true
        } else {
            guard let ascii = DomainName.toASCII(String(authority)), IndicatorRules.isPublicHost(ascii) else { return nil }
            var labels = ascii.split(separator: ".").map(String.init)
            while let first = labels.first, first == "www" || first == "m", labels.count > 2 {
                let remainder = labels.dropFirst().joined(separator: ".")
                guard DomainName.publicSuffix(of: remainder) != remainder else { break }
                labels.removeFirst()
            }
            host = labels.joined(separator: ".")
            isIPAddress = false
        }

        var pathText = rest
        var queryText: Substring = ""
        if let question = rest.firstIndex(of: "?") {
            pathText = rest[..<question]
            queryText = rest[rest.index(after: question)...]
        }
        var canonicalPath = Self.percentEncoded(pathText)
        while canonicalPath.hasSuffix("/") { canonicalPath.removeLast() }
        path = canonicalPath
        segments = pathText.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }

        var items: [(key: String, value: String)] = []
        var kept: [String] = []
        for item in queryText.split(whereSeparator: { $0 == "&" || $0 == ";" }) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            items.append((key, parts.count > 1 ? String(parts[1]) : ""))
            guard !key.isEmpty, !Self.isTracking(key) else { continue }
            kept.append(Self.percentEncoded(item))
        }
        queryItems = items
        query = kept.sorted().joined(separator: "&")
    }

    /// Host, port, path and query: the registry's value for the site.
    var canonical: String {
        host + (port.map { ":\($0)" } ?? "") + path + (query.isEmpty ? "" : "?" + query)
    }

    /// The same with Unicode host labels and path, for people.
    var display: String {
        DomainName.toUnicode(host) + (port.map { ":\($0)" } ?? "") + (path.removingPercentEncoding ?? path)
            + (query.isEmpty ? "" : "?" + query)
    }

    /// The registrable domain, except on sites where many unrelated people publish (social networks,
    /// link shorteners, form and marketplace hosts): there the whole address, or every page on them
    /// would match every other.
    var matchKey: String {
        if isIPAddress { return host }
        let site = DomainName.registrableDomain(host) ?? host
        return Self.sharedSites.contains(site) ? canonical : site
    }

    static let sharedSites: Set<String> = [
        "facebook.com", "fb.com", "fb.me", "m.me", "messenger.com", "instagram.com", "threads.net", "zalo.me",
        "t.me", "telegram.me", "telegram.dog", "tiktok.com", "youtube.com", "youtu.be", "x.com", "twitter.com",
        "google.com", "goo.gl", "forms.gle", "bit.ly", "tinyurl.com", "t.co", "cutt.ly", "shorturl.at", "rb.gy",
        "is.gd", "tiny.cc", "s.id", "linktr.ee", "shopee.vn", "lazada.vn", "tiki.vn",
    ]

    /// Query parameters that only say where a click came from.
    static func isTracking(_ key: String) -> Bool {
        let key = key.lowercased()
        return key.hasPrefix("utm_") || key.hasPrefix("__cft__") || trackingParameters.contains(key)
    }

    static let trackingParameters: Set<String> = [
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "ttclid", "twclid", "igshid", "igsh",
        "mibextid", "zarsrc", "gidzl", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__tn__", "_ga", "_gl", "srsltid",
    ]

    /// "hxxps://abc[.]com" as threat reports write links so nobody clicks them.
    static func refanged(_ text: String) -> String {
        var text = text
        if text.contains(where: { $0 == "[" || $0 == "(" }) {
            for dot in ["[.]", "(.)", "[dot]", "(dot)"] { text = text.replacingOccurrences(of: dot, with: ".", options: .caseInsensitive) }
        }
        if text.lowercased().hasPrefix("hxxp") { text = "http" + text.dropFirst(4) }
        return text
    }

    /// Dotted decimal with four parts of 0–255 and no leading zeros, or nil.
    static func ipv4(_ text: Substring) -> String? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ IndicatorRules.isDigits($0) && $0.count <= 3 && ($0 == "0" || $0.first != "0") }),
              parts.allSatisfy({ (Int($0) ?? 256) <= 255 })
        else { return nil }
        return parts.joined(separator: ".")
    }

    /// Non-ASCII, spaces and characters URLs may not hold as UTF-8 percent escapes; escapes in upper-case hex.
    static func percentEncoded(_ text: Substring) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count, isHex(bytes[index + 1]), isHex(bytes[index + 2]) {
                out += [byte, upperHex(bytes[index + 1]), upperHex(bytes[index + 2])]
                index += 3
                continue
            }
            if byte > 0x20, byte < 0x7F, !"\"<>`{}|^%".utf8.contains(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    private static func upperHex(_ byte: UInt8) -> UInt8 {
        (0x61...0x66).contains(byte) ? byte - 32 : byte
    }
}

// MARK: - Banks

/// A bank that takes transfers in Vietnam, as the NAPAS/VietQR directory lists it.
public struct VietnameseBank: Hashable, Sendable {
    /// The short code VietQR uses ("VCB", "ICB", "MB"); the prefix of account indicator values.
    public let code: String
    public let shortName: String
    public let name: String
    /// The six-digit NAPAS bank identification number.
    public let bin: String
    /// Other names people use: former names, stock tickers.
    public let aliases: [String]

    public init(code: String, shortName: String, name: String, bin: String, aliases: [String] = []) {
        self.code = code
        self.shortName = shortName
        self.name = name
        self.bin = bin
        self.aliases = aliases
    }

    /// The bank named by `query`: its code, short name, BIN, full name or an alias, in any case and
    /// with or without accents ("vcb", "Vietcombank", "970436", "Ngân hàng Ngoại thương", "ngoai thuong").
    public static func find(_ query: String) -> VietnameseBank? {
        let words = VietnameseText.tokens(query)
        guard !words.isEmpty, words.count <= 16 else { return nil }
        let stripped = strippedName(words)
        let candidates = [words.joined(), stripped.joined(), withoutVietNam(stripped).joined()]
        for key in candidates where !key.isEmpty {
            if let index = primaryIndex[key] ?? derivedIndex[key] { return all[index] }
        }
        // "Vietcom", "Techcom", "Sacom", "MB bank".
        for key in candidates where !key.isEmpty {
            if let index = primaryIndex[key + "bank"] { return all[index] }
            if key.hasSuffix("bank"), let index = primaryIndex[String(key.dropLast(4))] { return all[index] }
        }
        return nil
    }

    /// The bank a run of folded words in free text names, stricter than ``find(_:)``: code, short name,
    /// alias, or a name only after "ngân hàng"/"NH" (so "Sài Gòn" alone is a city, not SCB).
    static func mentioned(byFoldedWords words: ArraySlice<String>) -> VietnameseBank? {
        textIndex[words.joined()].map { all[$0] }
    }

    /// Code, short name, BIN and aliases, folded and without spaces.
    private static let primaryIndex: [String: Int] = {
        var index: [String: Int] = [:]
        for (position, bank) in all.enumerated() {
            for key in [bank.code, bank.shortName, bank.bin] + bank.aliases {
                let folded = VietnameseText.tokens(key).joined()
                if index[folded] == nil { index[folded] = position }
            }
        }
        return index
    }()

    /// Full names, with and without "Ngân hàng TMCP"-style prefixes and a trailing "Việt Nam". A key
    /// two banks share ("sai gon" is in SCB's and Saigonbank's) is dropped.
    private static let derivedIndex: [String: Int] = {
        var index: [String: Int] = [:]
        var ambiguous: Set<String> = []
        for (position, bank) in all.enumerated() {
            for key in Set(nameVariants(bank).map { $0.joined() }) where !key.isEmpty && primaryIndex[key] == nil {
                if let other = index[key], other != position { ambiguous.insert(key) }
                index[key] = position
            }
        }
        for key in ambiguous { index[key] = nil }
        return index
    }()

    private static let textIndex: [String: Int] = {
        var index: [String: Int] = [:]
        for (position, bank) in all.enumerated() {
            for key in [bank.code, bank.shortName] + bank.aliases {
                let folded = VietnameseText.tokens(key).joined()
                if index[folded] == nil { index[folded] = position }
            }
        }
        for (position, bank) in all.enumerated() {
            for variant in nameVariants(bank).dropFirst() where !variant.isEmpty {
                for prefix in ["nganhang", "nh"] where index[prefix + variant.joined()] == nil {
                    index[prefix + variant.joined()] = position
                }
            }
        }
        return index
    }()

    private static func nameVariants(_ bank: VietnameseBank) -> [[String]] {
        let words = VietnameseText.tokens(bank.name)
        let stripped = strippedName(words)
        return [words, stripped, withoutVietNam(stripped)]
    }

    private static func strippedName(_ words: [String]) -> [String] {
        let prefixes: [[String]] = [
            ["ngan", "hang"], ["nh"], ["tmcp"], ["thuong", "mai"], ["co", "phan"], ["tnhh"], ["mtv"],
            ["mot", "thanh", "vien"], ["so"],
        ]
        var words = ArraySlice(words)
        var changed = true
        while changed {
            changed = false
            for prefix in prefixes where words.starts(with: prefix) && words.count > prefix.count {
                words = words.dropFirst(prefix.count)
                changed = true
            }
        }
        return Array(words)
    }

    private static func withoutVietNam(_ words: [String]) -> [String] {
        words.count > 2 && words.suffix(2) == ["viet", "nam"] ? Array(words.dropLast(2)) : words
    }

    /// Banks and digital banks in the NAPAS directory; BINs as VietQR publishes them.
    public static let all: [VietnameseBank] = [
        VietnameseBank(code: "VCB", shortName: "Vietcombank", name: "Ngân hàng TMCP Ngoại thương Việt Nam", bin: "970436"),
        VietnameseBank(code: "ICB", shortName: "VietinBank", name: "Ngân hàng TMCP Công Thương Việt Nam", bin: "970415", aliases: ["CTG", "Vietin"]),
        VietnameseBank(code: "BIDV", shortName: "BIDV", name: "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam", bin: "970418"),
        VietnameseBank(code: "VBA", shortName: "Agribank", name: "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam", bin: "970405"),
        VietnameseBank(code: "TCB", shortName: "Techcombank", name: "Ngân hàng TMCP Kỹ Thương Việt Nam", bin: "970407"),
        VietnameseBank(code: "MB", shortName: "MBBank", name: "Ngân hàng TMCP Quân đội", bin: "970422"),
        VietnameseBank(code: "ACB", shortName: "ACB", name: "Ngân hàng TMCP Á Châu", bin: "970416"),
        VietnameseBank(code: "VPB", shortName: "VPBank", name: "Ngân hàng TMCP Việt Nam Thịnh Vượng", bin: "970432"),
        VietnameseBank(code: "STB", shortName: "Sacombank", name: "Ngân hàng TMCP Sài Gòn Thương Tín", bin: "970403"),
        VietnameseBank(code: "TPB", shortName: "TPBank", name: "Ngân hàng TMCP Tiên Phong", bin: "970423"),
        VietnameseBank(code: "VIB", shortName: "VIB", name: "Ngân hàng TMCP Quốc tế Việt Nam", bin: "970441"),
        VietnameseBank(code: "SHB", shortName: "SHB", name: "Ngân hàng TMCP Sài Gòn – Hà Nội", bin: "970443"),
        VietnameseBank(code: "HDB", shortName: "HDBank", name: "Ngân hàng TMCP Phát triển Thành phố Hồ Chí Minh", bin: "970437"),
        VietnameseBank(code: "OCB", shortName: "OCB", name: "Ngân hàng TMCP Phương Đông", bin: "970448"),
        VietnameseBank(code: "MSB", shortName: "MSB", name: "Ngân hàng TMCP Hàng Hải Việt Nam", bin: "970426", aliases: ["Maritime Bank"]),
        VietnameseBank(code: "SEAB", shortName: "SeABank", name: "Ngân hàng TMCP Đông Nam Á", bin: "970440"),
        VietnameseBank(code: "EIB", shortName: "Eximbank", name: "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam", bin: "970431"),
        VietnameseBank(code: "LPB", shortName: "LPBank", name: "Ngân hàng TMCP Lộc Phát Việt Nam", bin: "970449",
                       aliases: ["LienVietPostBank", "Bưu điện Liên Việt"]),
        VietnameseBank(code: "NAB", shortName: "Nam A Bank", name: "Ngân hàng TMCP Nam Á", bin: "970428"),
        VietnameseBank(code: "BAB", shortName: "Bac A Bank", name: "Ngân hàng TMCP Bắc Á", bin: "970409"),
        VietnameseBank(code: "ABB", shortName: "ABBANK", name: "Ngân hàng TMCP An Bình", bin: "970425"),
        VietnameseBank(code: "VAB", shortName: "VietABank", name: "Ngân hàng TMCP Việt Á", bin: "970427"),
        VietnameseBank(code: "PVCB", shortName: "PVcomBank", name: "Ngân hàng TMCP Đại Chúng Việt Nam", bin: "970412"),
        VietnameseBank(code: "NCB", shortName: "NCB", name: "Ngân hàng TMCP Quốc Dân", bin: "970419"),
        VietnameseBank(code: "KLB", shortName: "Kienlongbank", name: "Ngân hàng TMCP Kiên Long", bin: "970452"),
        VietnameseBank(code: "BVB", shortName: "BaoViet Bank", name: "Ngân hàng TMCP Bảo Việt", bin: "970438"),
        VietnameseBank(code: "SGICB", shortName: "Saigonbank", name: "Ngân hàng TMCP Sài Gòn Công Thương", bin: "970400"),
        VietnameseBank(code: "SCB", shortName: "SCB", name: "Ngân hàng TMCP Sài Gòn", bin: "970429"),
        VietnameseBank(code: "VIETBANK", shortName: "VietBank", name: "Ngân hàng TMCP Việt Nam Thương Tín", bin: "970433"),
        VietnameseBank(code: "PGB", shortName: "PGBank", name: "Ngân hàng TMCP Thịnh vượng và Phát triển", bin: "970430",
                       aliases: ["Xăng dầu Petrolimex"]),
        VietnameseBank(code: "GPB", shortName: "GPBank", name: "Ngân hàng TNHH MTV Dầu khí Toàn cầu", bin: "970408"),
        VietnameseBank(code: "DOB", shortName: "DongA Bank", name: "Ngân hàng TMCP Đông Á", bin: "970406", aliases: ["Vikki", "Vikki Bank"]),
        VietnameseBank(code: "CBB", shortName: "CBBank", name: "Ngân hàng TNHH MTV Xây dựng Việt Nam", bin: "970444"),
        VietnameseBank(code: "OCEANBANK", shortName: "OceanBank", name: "Ngân hàng TNHH MTV Đại Dương", bin: "970414", aliases: ["OJB", "MBV"]),
        VietnameseBank(code: "VCCB", shortName: "BVBank", name: "Ngân hàng TMCP Bản Việt", bin: "970454", aliases: ["Viet Capital Bank", "VietCapitalBank"]),
        VietnameseBank(code: "TIMO", shortName: "Timo", name: "Ngân hàng số Timo by Bản Việt", bin: "963388"),
        VietnameseBank(code: "CAKE", shortName: "CAKE", name: "Ngân hàng số CAKE by VPBank", bin: "546034"),
        VietnameseBank(code: "UBANK", shortName: "Ubank", name: "Ngân hàng số Ubank by VPBank", bin: "546035"),
        VietnameseBank(code: "COOPBANK", shortName: "Co-opBank", name: "Ngân hàng Hợp tác xã Việt Nam", bin: "970446"),
        VietnameseBank(code: "VRB", shortName: "VRB", name: "Ngân hàng Liên doanh Việt – Nga", bin: "970421"),
        VietnameseBank(code: "IVB", shortName: "Indovina Bank", name: "Ngân hàng TNHH Indovina", bin: "970434"),
        VietnameseBank(code: "SHBVN", shortName: "Shinhan Bank", name: "Ngân hàng TNHH MTV Shinhan Việt Nam", bin: "970424"),
        VietnameseBank(code: "WVN", shortName: "Woori Bank", name: "Ngân hàng TNHH MTV Woori Việt Nam", bin: "970457"),
        VietnameseBank(code: "UOB", shortName: "UOB", name: "Ngân hàng United Overseas Bank – Chi nhánh TP. Hồ Chí Minh", bin: "970458"),
        VietnameseBank(code: "SCVN", shortName: "Standard Chartered", name: "Ngân hàng TNHH MTV Standard Chartered Bank Việt Nam", bin: "970410"),
        VietnameseBank(code: "PBVN", shortName: "Public Bank", name: "Ngân hàng TNHH MTV Public Việt Nam", bin: "970439"),
        VietnameseBank(code: "HLBVN", shortName: "Hong Leong Bank", name: "Ngân hàng TNHH MTV Hong Leong Việt Nam", bin: "970442"),
        VietnameseBank(code: "HSBC", shortName: "HSBC", name: "Ngân hàng TNHH MTV HSBC (Việt Nam)", bin: "458761"),
        VietnameseBank(code: "CIMB", shortName: "CIMB", name: "Ngân hàng TNHH MTV CIMB Việt Nam", bin: "422589"),
        VietnameseBank(code: "KBANK", shortName: "KBank", name: "Ngân hàng Đại chúng TNHH Kasikornbank – Chi nhánh TP. Hồ Chí Minh", bin: "668888"),
    ]
}
