/// RFC 3492 Punycode: the Bootstring encoding that spells a Unicode domain label in ASCII letters,
/// digits and hyphens ("bücher" → "bcher-kva"). IDNA puts "xn--" in front of the result.
///
/// Works on Unicode scalars; the case of basic (ASCII) code points is kept, as the RFC says. Callers
/// that want a host name lower-case and NFC it first (see ``DomainName/toASCII(_:)``).
public enum Punycode {
    private static let base = 36
    private static let tMin = 1
    private static let tMax = 26
    private static let skew = 38
    private static let damp = 700
    private static let initialBias = 72
    private static let initialN = 0x80
    /// The RFC's overflow limit for its 32-bit sample code; nothing sensible comes near it.
    private static let maxInt = Int(Int32.max)

    /// The Punycode of `input` without the "xn--" prefix, or nil if it overflows.
    public static func encode(_ input: String) -> String? {
        let codePoints = input.unicodeScalars.map { Int($0.value) }
        var output = String.UnicodeScalarView()
        for point in codePoints where point < initialN {
            output.append(Unicode.Scalar(UInt8(point)))
        }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append("-") }

        var n = initialN
        var delta = 0
        var bias = initialBias
        while handled < codePoints.count {
            // The smallest code point not handled yet.
            var m = Int.max
            for point in codePoints where point >= n && point < m { m = point }
            guard (m - n) <= (maxInt - delta) / (handled + 1) else { return nil }
            delta += (m - n) * (handled + 1)
            n = m
            for point in codePoints {
                if point < n {
                    delta += 1
                    guard delta <= maxInt else { return nil }
                }
                guard point == n else { continue }
                var q = delta
                var k = base
                while true {
                    let t = threshold(k, bias)
                    if q < t { break }
                    output.append(digit(t + (q - t) % (base - t)))
                    q = (q - t) / (base - t)
                    k += base
                }
                output.append(digit(q))
                bias = adapt(delta, points: handled + 1, first: handled == basicCount)
                delta = 0
                handled += 1
            }
            delta += 1
            n += 1
        }
        return String(output)
    }

    /// The Unicode string a Punycode string (without "xn--") stands for, or nil if it is malformed.
    public static func decode(_ input: String) -> String? {
        let scalars = Array(input.unicodeScalars)
        let delimiter = scalars.lastIndex(of: "-") ?? 0
        var output: [Int] = []
        for scalar in scalars[..<delimiter] {
            guard scalar.isASCII else { return nil }
            output.append(Int(scalar.value))
        }

        var n = initialN
        var i = 0
        var bias = initialBias
        var position = delimiter > 0 ? delimiter + 1 : 0
        while position < scalars.count {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard position < scalars.count, let value = digitValue(scalars[position]) else { return nil }
                position += 1
                guard value <= (maxInt - i) / w else { return nil }
                i += value * w
                let t = threshold(k, bias)
                if value < t { break }
                guard w <= maxInt / (base - t) else { return nil }
                w *= base - t
                k += base
            }
            let length = output.count + 1
            bias = adapt(i - oldI, points: length, first: oldI == 0)
            guard i / length <= maxInt - n else { return nil }
            n += i / length
            i %= length
            guard n >= initialN, Unicode.Scalar(UInt32(n)) != nil else { return nil }
            output.insert(n, at: i)
            i += 1
        }
        var result = String.UnicodeScalarView()
        for point in output {
            guard let scalar = Unicode.Scalar(UInt32(point)) else { return nil }
            result.append(scalar)
        }
        return String(result)
    }

    private static func threshold(_ k: Int, _ bias: Int) -> Int {
        if k <= bias { return tMin }
        if k >= bias + tMax { return tMax }
        return k - bias
    }

    private static func adapt(_ delta: Int, points: Int, first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / points
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    /// 0–25 → a–z, 26–35 → 0–9.
    private static func digit(_ value: Int) -> Unicode.Scalar {
        Unicode.Scalar(UInt8(value < 26 ? 97 + value : 22 + value))
    }

    private static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar.value {
        case 0x30...0x39: Int(scalar.value) - 22
        case 0x41...0x5A: Int(scalar.value) - 0x41
        case 0x61...0x7A: Int(scalar.value) - 0x61
        default: nil
        }
    }
}

/// Host names as DNS spells them, and where the part someone registered begins.
public enum DomainName {
    /// The ASCII form of a host name: NFC, lower case, ideographic full stops read as dots, one
    /// trailing dot dropped, and every label holding non-ASCII letters written as "xn--" + Punycode
    /// ("CôngAn.vn" → "xn--cngan-6ta.vn"). Nil when it cannot be a host name: an empty label, a label
    /// over 63 characters, characters other than letters, digits and inner hyphens, or over 253
    /// characters in all.
    ///
    /// This is the IDNA2008 shape without its full tables: enough for the Vietnamese alphabet and the
    /// names people paste, not a registry's validator.
    public static func toASCII(_ host: String) -> String? {
        var text = VietnameseText.nfc(host).lowercased()
        text = String(text.map { "\u{3002}\u{FF0E}\u{FF61}".contains($0) ? "." : $0 })
        if text.hasSuffix(".") { text.removeLast() }
        guard !text.isEmpty else { return nil }
        var labels: [String] = []
        for label in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard let ascii = asciiLabel(label) else { return nil }
            labels.append(ascii)
        }
        let result = labels.joined(separator: ".")
        return result.utf8.count <= 253 ? result : nil
    }

    /// The readable form of an ASCII host: "xn--" labels decoded, the rest unchanged.
    public static func toUnicode(_ asciiHost: String) -> String {
        asciiHost.split(separator: ".", omittingEmptySubsequences: false).map { label in
            if label.hasPrefix("xn--"), let decoded = Punycode.decode(String(label.dropFirst(4))) { return decoded }
            return String(label)
        }.joined(separator: ".")
    }

    /// The longest public suffix `asciiHost` ends with, from the built-in list; a host ending in no
    /// listed suffix has its last label as suffix (the "*" rule).
    public static func publicSuffix(of asciiHost: String) -> String {
        let labels = asciiHost.split(separator: ".")
        for start in labels.indices {
            let candidate = labels[start...].joined(separator: ".")
            if publicSuffixes.contains(candidate) { return candidate }
        }
        return labels.last.map(String.init) ?? asciiHost
    }

    /// eTLD+1: the public suffix and the one label before it ("shop.abc.com.vn" → "abc.com.vn",
    /// "ten.github.io" → "ten.github.io"). Nil when the host is itself a public suffix.
    public static func registrableDomain(_ asciiHost: String) -> String? {
        let suffix = publicSuffix(of: asciiHost)
        guard asciiHost.hasSuffix("." + suffix) else { return nil }
        let rest = asciiHost.dropLast(suffix.count + 1)
        let label = rest.split(separator: ".").last.map(String.init) ?? String(rest)
        return label + "." + suffix
    }

    static func asciiLabel(_ label: Substring) -> String? {
        guard !label.isEmpty, label.first != "-", label.last != "-" else { return nil }
        if label.unicodeScalars.allSatisfy(\.isASCII) {
            guard label.count <= 63, label.unicodeScalars.allSatisfy(isLDH) else { return nil }
            if label.hasPrefix("xn--") {
                guard let decoded = Punycode.decode(String(label.dropFirst(4))), !decoded.isEmpty else { return nil }
            }
            return String(label)
        }
        for scalar in label.unicodeScalars where !scalar.isASCII {
            switch scalar.properties.generalCategory {
            case .lowercaseLetter, .uppercaseLetter, .titlecaseLetter, .otherLetter, .modifierLetter,
                 .nonspacingMark, .spacingMark, .decimalNumber:
                continue
            default:
                return nil
            }
        }
        guard label.unicodeScalars.allSatisfy({ !$0.isASCII || isLDH($0) }),
              let encoded = Punycode.encode(String(label)), encoded.count + 4 <= 63
        else { return nil }
        return "xn--" + encoded
    }

    /// Letters, digits, hyphen: what an ASCII DNS label may hold (input is already lower case).
    static func isLDH(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x61...0x7A, 0x30...0x39, 0x2D: true
        default: false
        }
    }

    /// A few rows of the Public Suffix List (publicsuffix.org): all of Vietnam's, the multi-label ones
    /// common in mail and scams from nearby countries, and hosting platforms where each customer gets
    /// their own subdomain — so "tenlua.web.app" and "khac.web.app" never count as one site. Any other
    /// top-level domain falls under the one-label default.
    static let publicSuffixes: Set<String> = {
        let vietnam = [
            "ac.vn", "ai.vn", "biz.vn", "com.vn", "edu.vn", "gov.vn", "health.vn", "id.vn", "info.vn",
            "int.vn", "io.vn", "name.vn", "net.vn", "org.vn", "pro.vn",
        ]
        let provinces = [
            "angiang", "bacgiang", "backan", "baclieu", "bacninh", "baria-vungtau", "bentre", "binhdinh",
            "binhduong", "binhphuoc", "binhthuan", "camau", "cantho", "caobang", "daklak", "daknong",
            "danang", "dienbien", "dongnai", "dongthap", "gialai", "hagiang", "haiduong", "haiphong",
            "hanam", "hanoi", "hatinh", "haugiang", "hoabinh", "hue", "hungyen", "khanhhoa", "kiengiang",
            "kontum", "laichau", "lamdong", "langson", "laocai", "longan", "namdinh", "nghean", "ninhbinh",
            "ninhthuan", "phutho", "phuyen", "quangbinh", "quangnam", "quangngai", "quangninh", "quangtri",
            "soctrang", "sonla", "tayninh", "thaibinh", "thainguyen", "thanhhoa", "thanhphohochiminh",
            "thuathienhue", "tiengiang", "travinh", "tuyenquang", "vinhlong", "vinhphuc", "yenbai",
        ].map { $0 + ".vn" }
        let countries = [
            "co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.nz", "co.jp", "co.kr",
            "com.cn", "com.hk", "com.tw", "com.sg", "com.my", "co.th", "co.id", "com.ph", "com.kh", "com.la",
            "co.in", "com.br", "com.tr",
        ]
        let platforms = [
            "github.io", "gitlab.io", "bitbucket.io", "blogspot.com", "web.app", "firebaseapp.com",
            "appspot.com", "herokuapp.com", "netlify.app", "vercel.app", "pages.dev", "workers.dev", "r2.dev",
            "trycloudflare.com", "azurewebsites.net", "web.core.windows.net", "cloudfront.net",
            "s3.amazonaws.com", "amplifyapp.com", "ngrok.io", "ngrok.app", "ngrok-free.app", "onrender.com",
            "replit.app", "repl.co", "up.railway.app", "fly.dev", "myshopify.com", "webflow.io", "wixsite.com",
            "framer.website", "my.canva.site", "square.site", "carrd.co", "notion.site", "duckdns.org",
            "ddns.net", "no-ip.org", "hopto.org", "zapto.org", "translate.goog",
        ]
        return Set(vietnam + provinces + countries + platforms)
    }()
}
