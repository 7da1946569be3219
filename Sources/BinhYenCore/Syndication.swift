import Foundation

/// Text made safe for XML element content and attribute values; characters XML 1.0 cannot carry
/// (most control characters) are dropped.
public func xmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        default:
            if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// Times as CAP and Atom write them: in Vietnam's time zone with its offset (CAP does not
/// allow "Z").
public func vietnamTimestamp(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
    return formatter.string(from: date)
}

/// An Atom 1.0 feed (RFC 4287) of a page's posts.
public struct AtomFeed: Sendable {
    public struct Entry: Sendable {
        public var id: String
        public var title: String
        public var link: String
        public var published: Date
        public var updated: Date
        public var category: String
        public var content: String

        public init(id: String, title: String, link: String, published: Date, updated: Date, category: String, content: String) {
            self.id = id
            self.title = title
            self.link = link
            self.published = published
            self.updated = updated
            self.category = category
            self.content = content
        }
    }

    public var id: String
    public var title: String
    public var subtitle: String
    public var selfLink: String
    public var alternateLink: String
    public var author: String
    public var entries: [Entry]
    /// When nothing has been posted yet.
    public var createdAt: Date

    public init(id: String, title: String, subtitle: String, selfLink: String, alternateLink: String, author: String, entries: [Entry], createdAt: Date) {
        self.id = id
        self.title = title
        self.subtitle = subtitle
        self.selfLink = selfLink
        self.alternateLink = alternateLink
        self.author = author
        self.entries = entries
        self.createdAt = createdAt
    }

    public var xml: String {
        let updated = entries.map(\.updated).max() ?? createdAt
        var out = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">
            <id>\(xmlEscaped(id))</id>
            <title>\(xmlEscaped(title))</title>
            <subtitle>\(xmlEscaped(subtitle))</subtitle>
            <updated>\(vietnamTimestamp(updated))</updated>
            <link rel="self" type="application/atom+xml" href="\(xmlEscaped(selfLink))"/>
            <link rel="alternate" type="text/html" href="\(xmlEscaped(alternateLink))"/>
            <author><name>\(xmlEscaped(author))</name></author>

            """
        for entry in entries {
            out += """
                <entry>
                <id>\(xmlEscaped(entry.id))</id>
                <title>\(xmlEscaped(entry.title))</title>
                <link rel="alternate" type="text/html" href="\(xmlEscaped(entry.link))"/>
                <published>\(vietnamTimestamp(entry.published))</published>
                <updated>\(vietnamTimestamp(entry.updated))</updated>
                <category term="\(xmlEscaped(entry.category))"/>
                <content type="text">\(xmlEscaped(entry.content))</content>
                </entry>

                """
        }
        return out + "</feed>\n"
    }
}

/// One warning as a Common Alerting Protocol 1.2 alert (OASIS), in the element order the CAP 1.2
/// schema requires.
public struct CAPAlert: Sendable {
    public enum MessageType: String, Sendable { case alert = "Alert", update = "Update", cancel = "Cancel" }

    public var identifier: String
    public var sender: String
    public var sent: Date
    public var messageType: MessageType
    /// For an update or a cancellation: "sender,identifier,sent" of the alert it refers to.
    public var references: String?
    public var note: String?
    /// CAP categories: Security, Safety, Rescue…
    public var category: String
    public var event: String
    public var urgency: String
    public var severity: String
    public var certainty: String
    public var effective: Date
    public var expires: Date?
    public var senderName: String
    public var headline: String
    public var description: String
    public var web: String
    public var contact: String?
    public var areaDescription: String
    /// Administrative area codes of the area, as geocodes.
    public var geocodes: [(name: String, value: String)]

    public init(identifier: String, sender: String, sent: Date, messageType: MessageType, references: String?, note: String?, category: String,
                event: String, urgency: String, severity: String, certainty: String, effective: Date, expires: Date?, senderName: String,
                headline: String, description: String, web: String, contact: String?, areaDescription: String, geocodes: [(name: String, value: String)]) {
        self.identifier = identifier
        self.sender = sender
        self.sent = sent
        self.messageType = messageType
        self.references = references
        self.note = note
        self.category = category
        self.event = event
        self.urgency = urgency
        self.severity = severity
        self.certainty = certainty
        self.effective = effective
        self.expires = expires
        self.senderName = senderName
        self.headline = headline
        self.description = description
        self.web = web
        self.contact = contact
        self.areaDescription = areaDescription
        self.geocodes = geocodes
    }

    /// CAP forbids spaces, commas and "<" or "&" in identifiers and senders.
    public static func token(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7F && !",<&".unicodeScalars.contains($0) }.map(Character.init))
    }

    /// The alert element alone (for embedding) or as a document.
    public func xml(document: Bool = true) -> String {
        var out = document ? "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" : ""
        out += "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n"
        out += "<identifier>\(xmlEscaped(Self.token(identifier)))</identifier>\n"
        out += "<sender>\(xmlEscaped(Self.token(sender)))</sender>\n"
        out += "<sent>\(vietnamTimestamp(sent))</sent>\n"
        out += "<status>Actual</status>\n"
        out += "<msgType>\(messageType.rawValue)</msgType>\n"
        out += "<scope>Public</scope>\n"
        if let note { out += "<note>\(xmlEscaped(note))</note>\n" }
        if let references { out += "<references>\(xmlEscaped(references))</references>\n" }
        out += "<info>\n"
        out += "<language>vi-VN</language>\n"
        out += "<category>\(xmlEscaped(category))</category>\n"
        out += "<event>\(xmlEscaped(event))</event>\n"
        out += "<urgency>\(xmlEscaped(urgency))</urgency>\n"
        out += "<severity>\(xmlEscaped(severity))</severity>\n"
        out += "<certainty>\(xmlEscaped(certainty))</certainty>\n"
        out += "<effective>\(vietnamTimestamp(effective))</effective>\n"
        if let expires { out += "<expires>\(vietnamTimestamp(expires))</expires>\n" }
        out += "<senderName>\(xmlEscaped(senderName))</senderName>\n"
        out += "<headline>\(xmlEscaped(headline))</headline>\n"
        out += "<description>\(xmlEscaped(description))</description>\n"
        out += "<web>\(xmlEscaped(web))</web>\n"
        if let contact { out += "<contact>\(xmlEscaped(contact))</contact>\n" }
        out += "<area>\n<areaDesc>\(xmlEscaped(areaDescription))</areaDesc>\n"
        for code in geocodes {
            out += "<geocode><valueName>\(xmlEscaped(code.name))</valueName><value>\(xmlEscaped(code.value))</value></geocode>\n"
        }
        out += "</area>\n</info>\n</alert>\n"
        return out
    }
}
