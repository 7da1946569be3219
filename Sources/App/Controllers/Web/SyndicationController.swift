import BinhYenCore
import Fluent
import SQLKit
import Vapor

/// Open formats: an Atom feed per page, and the public warnings as CAP 1.2 alerts (an Atom index
/// at /alerts.cap.xml, one CAP document per alert). Only page posts are public; group posts never
/// appear here.
struct SyndicationController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("pages", ":id", "atom.xml", use: pageAtom)
        routes.get("alerts.cap.xml", use: alertIndex)
        routes.get("alerts", ":file", use: alert)
    }

    static let atomType = HTTPMediaType(type: "application", subType: "atom+xml", parameters: ["charset": "utf-8"])
    static let capType = HTTPMediaType(type: "application", subType: "cap+xml", parameters: ["charset": "utf-8"])

    @Sendable func pageAtom(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id", as: UUID.self), let page = try await Page.find(id, on: req.db) else { throw Abort(.notFound) }
        let feed = try await req.posts.pageFeed(id, viewer: nil, after: nil, limit: PostService.maxFeedLimit)
        let site = req.siteURL
        let entries = feed.items.filter { $0.post.status == .published }.map { item in
            AtomFeed.Entry(id: "urn:uuid:" + (item.post.id?.uuidString.lowercased() ?? ""), title: item.post.title,
                           link: site + "/posts/" + (item.post.id?.uuidString ?? ""), published: item.post.publishAt,
                           updated: item.post.editedAt ?? item.post.publishAt, category: item.post.category.labelVI, content: item.post.body)
        }
        let atom = AtomFeed(id: "urn:uuid:" + id.uuidString.lowercased(), title: page.name, subtitle: page.description,
                            selfLink: site + "/pages/\(id.uuidString)/atom.xml", alternateLink: site + "/pages/\(id.uuidString)",
                            author: page.name, entries: entries, createdAt: page.createdAt)
        return Self.xml(atom.xml, type: Self.atomType)
    }

    /// The newest public warnings, each linking to its CAP document.
    @Sendable func alertIndex(req: Request) async throws -> Response {
        let now = Date()
        let posts = try await Post.query(on: req.db).filter(\.$page.$id != nil).filter(\.$priority ~~ [.warning, .urgent])
            .filter(\.$publishAt <= now).sort(\.$publishAt, .descending).limit(100).all()
            // A warning withdrawn before its time was never sent.
            .filter { !($0.status == .withdrawn && ($0.withdrawnAt ?? now) < $0.publishAt) }
        let site = req.siteURL
        let entries = posts.map { post in
            let id = post.id?.uuidString ?? ""
            return AtomFeed.Entry(id: "urn:uuid:" + id.lowercased(), title: (post.status == .withdrawn ? "[Huỷ] " : "") + post.title,
                                  link: site + "/alerts/\(id).cap.xml", published: post.publishAt, updated: post.withdrawnAt ?? post.editedAt ?? post.publishAt,
                                  category: post.priority.rawValue, content: post.status == .withdrawn ? (post.withdrawalNotice ?? "") : post.body)
        }
        let atom = AtomFeed(id: site + "/alerts.cap.xml", title: "Cảnh báo của công an — Bình Yên", subtitle: "Cảnh báo công khai theo chuẩn CAP 1.2 / Public warnings as CAP 1.2",
                            selfLink: site + "/alerts.cap.xml", alternateLink: site + "/", author: "Bình Yên", entries: entries, createdAt: now)
        return Self.xml(atom.xml, type: Self.atomType)
    }

    @Sendable func alert(req: Request) async throws -> Response {
        guard let file = req.parameters.get("file"), file.hasSuffix(".cap.xml"), let id = UUID(uuidString: String(file.dropLast(".cap.xml".count))),
              let post = try await Post.find(id, on: req.db), let pageID = post.$page.id, post.priority != .information, post.publishAt <= Date(),
              !(post.status == .withdrawn && (post.withdrawnAt ?? post.publishAt) < post.publishAt),
              let page = try await Page.find(pageID, on: req.db)
        else { throw Abort(.notFound) }
        let unit = try await Unit.query(on: req.db).filter(\.$id == post.$unit.id).with(\.$area).first()
        return Self.xml(Self.cap(post, page: page, area: unit?.area, site: req.siteURL).xml(), type: Self.capType)
    }

    /// A post as a CAP alert; a withdrawn post is a cancellation that refers to the original alert.
    static func cap(_ post: Post, page: Page, area: AdminArea?, site: String) -> CAPAlert {
        let id = post.id?.uuidString.lowercased() ?? ""
        let sender = "binhyen@" + (URL(string: site)?.host ?? "localhost")
        let withdrawn = post.status == .withdrawn
        let urgent = post.priority == .urgent
        let category = switch post.category {
        case .helpRequest: "Rescue"
        case .policyLaw, .adminReform, .other: "Other"
        default: "Security"
        }
        var codes: [(name: String, value: String)] = []
        if let area { codes.append((name: "VN-ADMIN-AREA", value: area.code)) }
        return CAPAlert(identifier: "binhyen-post-" + id + (withdrawn ? "-cancel" : ""), sender: sender, sent: withdrawn ? (post.withdrawnAt ?? post.publishAt) : post.publishAt,
                        messageType: withdrawn ? .cancel : .alert,
                        references: withdrawn ? "\(CAPAlert.token(sender)),binhyen-post-\(id),\(vietnamTimestamp(post.publishAt))" : nil,
                        note: withdrawn ? post.withdrawalNotice : nil, category: category, event: post.category.labelVI,
                        urgency: urgent ? "Immediate" : "Expected", severity: urgent ? "Severe" : "Moderate", certainty: "Likely",
                        effective: post.publishAt, expires: post.expiresAt, senderName: page.name, headline: String(post.title.prefix(160)),
                        description: withdrawn ? (post.withdrawalNotice ?? "") : post.body, web: site + "/posts/" + (post.id?.uuidString ?? ""),
                        contact: page.hotline, areaDescription: area?.name ?? page.area, geocodes: codes)
    }

    static func xml(_ text: String, type: HTTPMediaType) -> Response {
        let response = Response(status: .ok, body: .init(string: text))
        response.headers.contentType = type
        response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=60")
        return response
    }
}

extension Request {
    /// This site's address as the client reached it, for links in feeds (only the characters a
    /// host and port can have, so a forged Host header cannot inject markup).
    var siteURL: String {
        let host = String((headers.first(name: .host) ?? "localhost").filter { $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) }.prefix(255))
        return (application.binhyenConfig.secureCookies ? "https://" : "http://") + host
    }
}
