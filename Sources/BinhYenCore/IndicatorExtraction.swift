/// Finds indicators in free text — a tip's description, a pasted chat — so the cyber patrol can look
/// them up in the registry.
///
/// Conservative by design: a false match points an officer at an innocent number, so anything
/// doubtful is left out. Phones must be written with a leading 0, 84 or +84. A digit run counts as a
/// bank account only next to words such as "STK", "số tài khoản", "chuyển khoản" or a bank's name.
/// Amounts ("5.000.000 đồng", "500k", "2tr"), dates and numbers introduced as an ID card, tax code
/// or OTP are skipped. Bare domains need a common top-level domain ("abc-khuyenmai.com", not "TP.HCM").
public enum IndicatorExtractor {
    /// Characters of text looked at; the rest of a longer text is ignored.
    public static let maxTextLength = 20_000

    /// The indicators in `text`, each once, in the order they first appear.
    public static func extract(from text: String) -> [Indicator] {
        var scan = Scan(Array(VietnameseText.nfc(text).prefix(maxTextLength)))
        scan.findLinksAndAddresses()
        scan.findMarkers()
        scan.findNumbers()
        var seen: Set<Indicator> = []
        return scan.found.sorted { $0.position < $1.position }.compactMap { seen.insert($0.indicator).inserted ? $0.indicator : nil }
    }
}

/// One pass over a text: the characters, the words, and what was found where.
private struct Scan {
    let chars: [Character]
    var found: [(position: Int, indicator: Indicator)] = []
    /// Characters inside a link or address already taken, so its digits are not read again.
    var consumed: [Bool]
    /// Runs of letters and digits, folded (no accents, lower case), with where they are.
    var words: [(start: Int, end: Int, folded: String)] = []
    var markers: [Marker] = []

    init(_ chars: [Character]) {
        self.chars = chars
        consumed = Array(repeating: false, count: chars.count)
    }

    struct Marker {
        enum Kind {
            case account
            case bank(VietnameseBank)
            case phone
            /// An ID card, tax code, OTP…: the number that follows is not an indicator.
            case otherNumber
        }

        var firstWord: Int
        var lastWord: Int
        var kind: Kind
    }

    // MARK: Links, e-mail addresses, handles

    mutating func findLinksAndAddresses() {
        var start = 0
        var previous: String?
        while start < chars.count {
            guard !chars[start].isWhitespace else { start += 1; continue }
            var end = start
            while end < chars.count, !chars[end].isWhitespace { end += 1 }
            let token = trimmed(start, end)
            if token.lowerBound < token.upperBound {
                let text = String(chars[token])
                if let indicator = linkOrAddress(text, previous: previous) {
                    found.append((token.lowerBound, indicator))
                    for index in start..<end { consumed[index] = true }
                }
                previous = text
            }
            start = end
        }
    }

    /// The token without brackets, quotes and sentence punctuation around it.
    func trimmed(_ start: Int, _ end: Int) -> Range<Int> {
        var lower = start
        var upper = end
        while lower < upper, "([{<\"'“‘«".contains(chars[lower]) { lower += 1 }
        while upper > lower, ")]}>\"'”’».,;:!?…".contains(chars[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    func linkOrAddress(_ token: String, previous: String?) -> Indicator? {
        if token.hasPrefix("@") {
            // "telegram @abc", "TikTok: @abc".
            guard let previous, let platform = SocialPlatform(name: previous) else { return nil }
            return IndicatorRules.socialHandle(platform, token)
        }
        if token.contains("@"), !token.contains("/") {
            if case .success(let email) = IndicatorRules.email(token) { return email }
            return nil
        }
        var candidate = Substring(token)
        // "zalo:0912345678", "web:abc.com".
        if let colon = candidate.firstIndex(of: ":"), !candidate[colon...].hasPrefix("://"),
           candidate[..<colon].allSatisfy(\.isLetter), !candidate[..<colon].isEmpty {
            if let platform = SocialPlatform(name: String(candidate[..<colon])) {
                return IndicatorRules.socialHandle(platform, String(candidate[candidate.index(after: colon)...]))
            }
            candidate = candidate[candidate.index(after: colon)...]
        }
        guard Self.looksLikeLink(candidate), let address = WebAddress(parsing: String(candidate)) else { return nil }
        return IndicatorRules.socialIndicator(address) ?? IndicatorRules.websiteIndicator(address)
    }

    /// A scheme, "www.", or a host ending in a common top-level domain.
    static func looksLikeLink(_ text: Substring) -> Bool {
        let lower = text.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("hxxp") || lower.hasPrefix("www.") {
            return true
        }
        let host = lower.prefix { !"/?#:".contains($0) }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }), let tld = labels.last else { return false }
        return commonTopLevelDomains.contains(String(tld))
    }

    static let commonTopLevelDomains: Set<String> = [
        "vn", "com", "net", "org", "info", "biz", "xyz", "top", "online", "site", "shop", "store", "club", "live",
        "app", "io", "me", "co", "cc", "tk", "ml", "ga", "cf", "gq", "asia", "pro", "vip", "link", "click",
        "website", "space", "fun", "icu", "cn", "us", "uk", "ru", "tv", "ly", "gl", "gle", "ee", "sh", "ws",
        "pw", "win", "bid", "life", "today", "tech", "cloud", "world", "work", "email", "page", "dev", "group",
        "company", "services", "finance", "money", "loan", "cash", "games", "bet", "casino", "news", "blog",
        "mobi", "name", "one", "plus", "global", "host", "fit", "lol", "buzz", "cyou", "sbs", "cfd", "quest",
    ]

    // MARK: Words and markers

    mutating func findMarkers() {
        var index = 0
        while index < chars.count {
            guard chars[index].isLetter || chars[index].isNumber else { index += 1; continue }
            let start = index
            while index < chars.count, chars[index].isLetter || chars[index].isNumber { index += 1 }
            words.append((start, index, consumed[start] ? "" : VietnameseText.tokens(String(chars[start..<index])).joined()))
        }
        var position = 0
        wordLoop: while position < words.count {
            for length in stride(from: min(6, words.count - position), through: 1, by: -1) {
                let slice = words[position..<(position + length)].map(\.folded)
                guard !slice.contains("") else { continue }
                var kind: Marker.Kind?
                if let bank = VietnameseBank.mentioned(byFoldedWords: slice[...]) {
                    kind = .bank(bank)
                } else if let keyword = Self.keywords[slice.joined(separator: " ")] {
                    kind = keyword
                }
                if let kind {
                    markers.append(Marker(firstWord: position, lastWord: position + length - 1, kind: kind))
                    position += length
                    continue wordLoop
                }
            }
            position += 1
        }
    }

    static let keywords: [String: Marker.Kind] = {
        var table: [String: Marker.Kind] = [:]
        for word in ["stk", "tk", "so tk", "so tai khoan", "tai khoan", "account", "acc", "ck", "chuyen khoan",
                     "ngan hang", "nh", "atm", "bank", "banking", "so the"] {
            table[word] = .account
        }
        for word in ["sdt", "dt", "dien thoai", "so dien thoai", "hotline", "phone", "tel", "lh", "lien he", "goi",
                     "zalo", "sms", "nhan tin", "di dong", "whatsapp", "viber"] {
            table[word] = .phone
        }
        for word in ["cccd", "cmnd", "cmt", "can cuoc", "mst", "ma so thue", "otp", "ma otp", "ma don", "van don",
                     "ma giao dich", "ma gd", "bien so", "ho chieu", "passport"] {
            table[word] = .otherNumber
        }
        return table
    }()

    // MARK: Numbers

    /// A run of digit groups joined by single spaces, dots or dashes ("0912 345 678", "0123-456-789").
    struct Run {
        var start: Int
        var end: Int
        var groups: [Range<Int>]
        var separators: [Character]
        var plus: Bool
    }

    mutating func findNumbers() {
        var index = 0
        while index < chars.count {
            let plus = chars[index] == "+" && index + 1 < chars.count && chars[index + 1].isASCIIDigit
            guard plus || chars[index].isASCIIDigit else { index += 1; continue }
            let start = index
            var run = Run(start: start, end: start, groups: [], separators: [], plus: plus)
            var position = plus ? start + 1 : start
            while true {
                let groupStart = position
                while position < chars.count, chars[position].isASCIIDigit { position += 1 }
                run.groups.append(groupStart..<position)
                if position + 1 < chars.count, " .-\u{00A0}".contains(chars[position]), chars[position + 1].isASCIIDigit {
                    run.separators.append(chars[position])
                    position += 1
                } else {
                    break
                }
            }
            run.end = position
            index = position
            // Glued to letters on either side ("abc123456", "500k", "2tr"), inside a link, or a
            // value followed by a currency or unit: not an indicator.
            if start > 0, chars[start - 1].isLetter || chars[start - 1].isNumber || "_@=#".contains(chars[start - 1]) {
                while index < chars.count, chars[index].isLetter || chars[index].isNumber { index += 1 }
                continue
            }
            if run.end < chars.count, chars[run.end].isLetter || chars[run.end].isNumber || "%$₫€".contains(chars[run.end]) { continue }
            if consumed[run.start..<run.end].contains(true) || followedByUnit(run) || (start > 0 && chars[start - 1] == "$") { continue }
            classify(run)
        }
    }

    func followedByUnit(_ run: Run) -> Bool {
        var index = run.end
        while index < chars.count, chars[index] == " " { index += 1 }
        guard index < chars.count, index - run.end <= 1 else { return false }
        if "%$₫€".contains(chars[index]) { return true }
        let position = wordIndex(startingAtOrAfter: index)
        guard position < words.count, words[position].start == index else { return false }
        let word = words[position]
        return Self.units.contains(String(chars[word.start..<word.end]).lowercased())
    }

    /// Currencies and units, compared with their accents: "ngàn" is a thousand, "ngân" is a bank.
    static let units: Set<String> = [
        "đ", "d", "đồng", "dong", "vnd", "vnđ", "k", "tr", "triệu", "trieu", "nghìn", "nghin", "ngàn", "tỷ", "tỉ",
        "ty", "usd", "usdt", "củ", "xu", "m", "cm", "km", "kg", "ml", "lít", "lit", "m2",
    ]

    mutating func classify(_ run: Run) {
        let firstWord = wordIndex(startingAtOrAfter: run.start)
        let lastWord = max(firstWord, wordIndex(startingAtOrAfter: run.end) - 1)
        let before = markers.last { $0.lastWord < firstWord && firstWord - $0.lastWord - 1 <= 8 }
        let after = markers.first { $0.firstWord > lastWord && $0.firstWord - lastWord - 1 <= 3 }
        let distance = before.map { firstWord - $0.lastWord - 1 } ?? Int.max
        // Close: at most two words between, none of them another number ("STK VCB 0123456789 -
        // 0987654321" gives an account and a phone).
        let close = before.map { marker in
            distance <= 2 && !words[(marker.lastWord + 1)..<firstWord].contains { IndicatorRules.isDigits($0.folded) }
        } ?? false

        var accountBefore = false
        var phoneBefore = false
        switch before?.kind {
        case .otherNumber? where distance <= 3: return
        case .account?, .bank?: accountBefore = true
        case .phone?: phoneBefore = close
        default: break
        }
        var bankAfter = false
        if case .bank? = after?.kind { bankAfter = true }

        if accountBefore && close {
            addAccounts(run, firstWord: firstWord, lastWord: lastWord)
            return
        }
        let phones = phoneNumbers(in: run)
        if !phones.isEmpty {
            found += phones
            return
        }
        if (accountBefore || bankAfter) && !phoneBefore {
            addAccounts(run, firstWord: firstWord, lastWord: lastWord)
        }
    }

    /// The first word starting at or after `position` (binary search; `words` is in text order).
    func wordIndex(startingAtOrAfter position: Int) -> Int {
        var low = 0
        var high = words.count
        while low < high {
            let middle = (low + high) / 2
            if words[middle].start < position { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Phones in a run, trying the longest stretch of groups from each group on: a run may hold two
    /// numbers ("0912345678 0987654321") or a number after a stray one.
    func phoneNumbers(in run: Run) -> [(position: Int, indicator: Indicator)] {
        var result: [(position: Int, indicator: Indicator)] = []
        var first = 0
        search: while first < run.groups.count {
            for last in stride(from: run.groups.count, to: first, by: -1) {
                let groups = Array(run.groups[first..<last])
                let separators = Array(run.separators[first..<(last - 1)])
                let digits = groups.map { String(chars[$0]) }.joined()
                let plus = first == 0 && run.plus
                guard (9...12).contains(digits.count), plus || digits.hasPrefix("0") || (digits.hasPrefix("84") && digits.count >= 11),
                      !looksLikeAmountOrDate(groups, separators)
                else { continue }
                let startIndex = plus ? run.start : groups[0].lowerBound
                let text = String(chars[startIndex..<groups[groups.count - 1].upperBound])
                guard let number = try? PhoneNumber(parsing: text) else { continue }
                result.append((startIndex, IndicatorRules.phoneIndicator(number)))
                first = last
                continue search
            }
            first += 1
        }
        return result
    }

    /// The run as one account, or — when it joins long numbers with spaces — each long group alone.
    mutating func addAccounts(_ run: Run, firstWord: Int, lastWord: Int) {
        guard !run.plus else { return }
        let bank = nearestBank(firstWord: firstWord, lastWord: lastWord)
        var pieces: [[Range<Int>]] = [run.groups]
        if run.groups.count > 1, run.groups.contains(where: { $0.count > 5 }) {
            pieces = run.groups.filter { $0.count >= IndicatorRules.accountDigits.lowerBound }.map { [$0] }
        } else if looksLikeAmountOrDate(run.groups, run.separators) {
            return
        }
        for groups in pieces {
            let digits = groups.map { String(chars[$0]) }.joined()
            guard IndicatorRules.accountDigits.contains(digits.count) else { continue }
            found.append((groups[0].lowerBound, IndicatorRules.accountIndicator(digits, bank: bank)))
        }
    }

    /// The bank named closest to a number: up to eight words before it or four after.
    func nearestBank(firstWord: Int, lastWord: Int) -> VietnameseBank? {
        var best: (distance: Int, bank: VietnameseBank)?
        for marker in markers {
            guard case .bank(let bank) = marker.kind else { continue }
            let distance: Int
            if marker.lastWord < firstWord {
                distance = firstWord - marker.lastWord - 1
                guard distance <= 8 else { continue }
            } else if marker.firstWord > lastWord {
                distance = marker.firstWord - lastWord - 1
                guard distance <= 4 else { continue }
            } else {
                continue
            }
            if best.map({ distance < $0.distance }) ?? true { best = (distance, bank) }
        }
        return best?.bank
    }

    /// "5.000.000", "1,200,000" (thousands groups) and "12-05-2024", "2024.05.12" (dates).
    func looksLikeAmountOrDate(_ groups: [Range<Int>], _ separators: [Character]) -> Bool {
        guard groups.count >= 2, let separator = separators.first, separators.allSatisfy({ $0 == separator }), separator != " " else {
            return false
        }
        let lengths = groups.map(\.count)
        let leadingZero = chars[groups[0].lowerBound] == "0"
        if separator == ".", (1...3).contains(lengths[0]), !leadingZero, lengths.dropFirst().allSatisfy({ $0 == 3 }) {
            return true
        }
        if groups.count == 3 {
            if lengths[0] <= 2, lengths[1] <= 2, lengths[2] == 2 || lengths[2] == 4 { return true }
            if lengths[0] == 4, lengths[1] <= 2, lengths[2] <= 2 { return true }
        }
        return false
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
