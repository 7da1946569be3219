@testable import App
import Foundation
import Testing
import Vapor
import VaporTesting

/// Drives the web pages like a browser without JavaScript: keeps cookies between requests and
/// sends the form token that the last page carried.
final class WebClient {
    let app: Application
    private(set) var cookies: [String: String] = [:]
    private(set) var csrf: String?

    init(_ app: Application) { self.app = app }

    struct Page {
        var status: HTTPStatus
        var headers: HTTPHeaders
        var body: String
        var location: String? { headers.first(name: .location) }

        /// The text inside the first element carrying `marker` (e.g. `data-field="phone"`).
        func text(after marker: String) -> String? {
            guard let start = body.range(of: marker), let open = body[start.upperBound...].firstIndex(of: ">") else { return nil }
            let rest = body[body.index(after: open)...]
            guard let close = rest.firstIndex(of: "<") else { return nil }
            return String(rest[..<close]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @discardableResult
    func get(_ path: String) async throws -> Page {
        try await send(.GET, path, form: nil)
    }

    /// Posts a form, adding the `_csrf` token from the last page unless `csrf` overrides it.
    @discardableResult
    func post(_ path: String, _ form: [String: String], csrf override: String? = nil, omitCSRF: Bool = false) async throws -> Page {
        var fields = form
        if !omitCSRF { fields["_csrf"] = override ?? csrf ?? "" }
        return try await send(.POST, path, form: fields)
    }

    /// Posts a form with files the way a browser does (multipart), with the `_csrf` token from the last page.
    @discardableResult
    func post(_ path: String, _ form: [String: String], files: [TipAttachmentTests.Part]) async throws -> Page {
        var parts = form.map { TipAttachmentTests.Part(name: $0.key, bytes: Array($0.value.utf8)) }
        parts.append(TipAttachmentTests.Part(name: "_csrf", bytes: Array((csrf ?? "").utf8)))
        return try await send(.POST, path, form: nil, multipart: TipAttachmentTests.multipart(parts + files))
    }

    private func send(_ method: HTTPMethod, _ path: String, form: [String: String]?, multipart: (boundary: String, body: Data)? = nil) async throws -> Page {
        var page: Page?
        try await app.testing().test(method, path, beforeRequest: { req in
            if !cookies.isEmpty {
                req.headers.replaceOrAdd(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
            }
            if let form {
                try req.content.encode(form, as: .urlEncodedForm)
            }
            if let multipart {
                req.headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(multipart.boundary)")
                req.body = ByteBuffer(data: multipart.body)
            }
        }, afterResponse: { res async in
            page = Page(status: res.status, headers: res.headers, body: res.body.string)
        })
        guard let page else { throw Abort(.internalServerError) }
        for header in page.headers[.setCookie] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if header.contains("Max-Age=0") || header.lowercased().contains("expires=thu, 01 jan 1970") {
                cookies[pair[0]] = nil
            } else {
                cookies[pair[0]] = pair[1]
            }
        }
        if let range = page.body.range(of: #"name="_csrf" value="([^"]*)""#, options: .regularExpression) {
            let match = String(page.body[range])
            csrf = match.components(separatedBy: "value=\"").last.map { String($0.dropLast()) }
        }
        return page
    }
}
