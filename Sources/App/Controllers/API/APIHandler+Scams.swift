import BinhYenAPI
import BinhYenCore
import Foundation
import OpenAPIRuntime
import Vapor

/// The scam registry in the JSON API: anyone looks up and reports, the cyber patrol decides.
extension APIHandler {
    func lookupScam(_ input: Operations.LookupScam.Input) async throws -> Operations.LookupScam.Output {
        let req = try APIRequestContext.current()
        if let wait = req.lookupWait() {
            return .tooManyRequests(.init(headers: .init(retryAfter: wait), body: .json(Self.error("too_many_lookups",
                "Bạn tra cứu quá nhiều lần. Vui lòng thử lại sau \(wait) giây.", "Too many lookups. Try again in \(wait) seconds."))))
        }
        do {
            let answer = try await req.scams.lookup(input.query.q)
            return .ok(.init(body: .json(Self.lookup(answer))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues.map { var issue = $0; issue.field = "q"; return issue }))))
        }
    }

    static func lookup(_ answer: ScamRegistry.Answer) -> Schemas.ScamLookup {
        let (vi, en) = ScamLookupText.message(answer)
        return .init(indicator: indicator(answer.indicator), verdict: .init(rawValue: answer.verdict.rawValue) ?? .notFound,
                     reports: answer.reports, warning: answer.warning, byMatch: answer.byMatch, message: vi, messageEn: en)
    }

    func createScamReport(_ input: Operations.CreateScamReport.Input) async throws -> Operations.CreateScamReport.Output {
        let req = try APIRequestContext.current()
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        var submitter = TipService.Submitter.anonymous
        if req.headers.bearerAuthorization != nil {
            guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
            submitter = .citizen(account.id)
        }
        let draft = ScamReportDraft(indicators: body.indicators.map { IndicatorInput(kind: $0.kind?.rawValue, value: $0.value, bank: $0.bank) },
                                    description: body.description, moneyLost: body.moneyLost, occurredAt: body.occurredAt)
        do {
            let reported = try await req.scams.report(draft, by: submitter, screenshotKey: true)
            return .created(.init(body: .json(.init(reference: reported.reference, screenshotKey: reported.screenshotKey ?? "", indicators: reported.indicators.map {
                .init(indicator: Self.indicator($0.indicator), status: .init(rawValue: $0.status.rawValue) ?? .reported, reports: $0.reports)
            }))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func listScamIndicators(_ input: Operations.ListScamIndicators.Input) async throws -> Operations.ListScamIndicators.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        let status = input.query.status.flatMap { ScamStatus(rawValue: $0.rawValue) } ?? .reported
        let kind = input.query.kind.flatMap { IndicatorKind(rawValue: $0.rawValue) }
        do {
            let found = try await req.scams.queue(status: status, kind: kind, limit: input.query.limit ?? 50, for: account)
            return .ok(.init(body: .json(.init(items: found.compactMap(Self.scamIndicator)))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.scamIndicatorNotFound)))
        }
    }

    func decideScamIndicator(_ input: Operations.DecideScamIndicator.Input) async throws -> Operations.DecideScamIndicator.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let id = UUID(uuidString: input.path.id) else { return .notFound(.init(body: .json(Self.scamIndicatorNotFound))) }
        let decision: ScamRegistry.Decision = switch body.decision {
        case .verify: .verify(warning: body.warning ?? "")
        case .reject: .reject(note: body.note ?? "")
        }
        do {
            let decided = try await req.scams.decide(id, decision, by: account)
            guard let view = Self.scamIndicator(decided) else { throw Abort(.internalServerError) }
            return .ok(.init(body: .json(view)))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.scamIndicatorNotFound)))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func mergeScamIndicator(_ input: Operations.MergeScamIndicator.Input) async throws -> Operations.MergeScamIndicator.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let id = UUID(uuidString: input.path.id), let into = UUID(uuidString: body.into) else {
            return .notFound(.init(body: .json(Self.scamIndicatorNotFound)))
        }
        do {
            let merged = try await req.scams.merge(id, into: into, note: body.note, by: account)
            guard let view = Self.scamIndicator(merged) else { throw Abort(.internalServerError) }
            return .ok(.init(body: .json(view)))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.scamIndicatorNotFound)))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    static func indicator(_ indicator: Indicator) -> Schemas.NormalisedIndicator {
        .init(kind: .init(rawValue: indicator.kind.rawValue) ?? .phone, value: indicator.value, display: indicator.display)
    }

    static func scamIndicator(_ row: ScamIndicator) -> Schemas.ScamIndicator? {
        guard let id = row.id, let kind = Schemas.IndicatorKind(rawValue: row.kind), let status = Schemas.ScamStatus(rawValue: row.status.rawValue) else { return nil }
        return .init(id: id.uuidString, indicator: .init(kind: kind, value: row.value, display: row.display), status: status, reports: row.reportCount,
                     warning: row.warningVI, note: row.decisionNote, source: row.source, decidedAt: row.decidedAt, createdAt: row.createdAt, updatedAt: row.updatedAt)
    }

    /// One screenshot for a scam or harmful-content report just filed, with the key its creation gave.
    func addReportScreenshot(_ input: Operations.AddReportScreenshot.Input) async throws -> Operations.AddReportScreenshot.Output {
        let req = try APIRequestContext.current()
        guard case .binary(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        do {
            let data = try await Data(collecting: body, upTo: APIBodyLimitMiddleware.uploadLimit)
            let file: SanitizedAttachment
            switch AttachmentRules.sanitize(data, declaredName: input.query.filename, field: "file") {
            case .failure(let issue): throw ValidationFailure(issues: [issue])
            case .success(let clean): file = clean
            }
            let stored = try await EvidenceUploadKeys.add(file, key: input.headers.xReportKey, db: req.db, gate: req.application.writeGate,
                                                          store: req.application.attachmentStore)
            return .created(.init(body: .json(.init(id: stored.id?.uuidString ?? "", kind: .init(rawValue: stored.kind.rawValue) ?? .jpeg,
                                                    byteCount: stored.byteCount, metadataRemoved: stored.metadataRemoved))))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.error("not_found", "Khoá gửi ảnh không đúng hoặc đã hết hạn (một giờ sau khi gửi phản ánh).",
                                                          "The screenshot key is wrong or has expired (an hour after the report was filed)."))))
        }
    }

    static let scamIndicatorNotFound = error("not_found", "Không tìm thấy dấu hiệu này, hoặc bạn không có quyền xử lý sổ dấu hiệu lừa đảo.",
                                             "No such indicator, or you may not work the scam registry.")
}

/// What the lookup says, in words every citizen understands. "Not found" never reads as "safe".
enum ScamLookupText {
    static func message(_ answer: ScamRegistry.Answer) -> (vi: String, en: String) {
        let what = answer.indicator.kind.labelVI.lowercased()
        switch answer.verdict {
        case .verified:
            let scope = answer.byMatch ? " (cùng trang web hoặc số tài khoản với một dấu hiệu đã xác minh)" : ""
            return ("CẢNH BÁO: \(answer.indicator.display) đã được lực lượng an ninh mạng xác minh là lừa đảo\(scope). Không chuyển tiền, không cung cấp mã OTP hay thông tin cá nhân.",
                    "WARNING: the cyber patrol has verified \(answer.indicator.display) as a scam\(answer.byMatch ? " (same site or account number as a verified indicator)" : ""). Do not send money, OTP codes or personal details.")
        case .reported:
            return ("\(answer.indicator.display) đã bị người dân phản ánh \(answer.reports) lần, đang chờ xác minh. Hãy hết sức cẩn thận và không chuyển tiền.",
                    "\(answer.indicator.display) has been reported \(answer.reports) time(s) and is awaiting verification. Be very careful and do not send money.")
        case .notFound:
            return ("Chưa có phản ánh nào về \(what) \(answer.indicator.display). Điều này KHÔNG có nghĩa là an toàn: nếu bị yêu cầu chuyển tiền hay cung cấp mã OTP, hãy dừng lại và gọi 113 hoặc công an nơi gần nhất.",
                    "Nothing has been reported about \(answer.indicator.display). This does NOT mean it is safe: if you are asked to send money or an OTP code, stop and call 113 or the nearest police.")
        }
    }
}

/// Harmful content online in the JSON API: anyone reports, the cyber patrol follows takedowns.
extension APIHandler {
    func createHarmfulReport(_ input: Operations.CreateHarmfulReport.Input) async throws -> Operations.CreateHarmfulReport.Output {
        let req = try APIRequestContext.current()
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        var submitter = TipService.Submitter.anonymous
        if req.headers.bearerAuthorization != nil {
            guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
            submitter = .citizen(account.id)
        }
        do {
            let filed = try await req.harmful.report(HarmfulReportDraft(url: body.url, categoryCode: body.category, description: body.description),
                                                     by: submitter, screenshotKey: true)
            var view = Self.harmful(filed.report, language: req.language)
            view.screenshotKey = filed.screenshotKey
            return .created(.init(body: .json(view)))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    func listHarmfulReports(_ input: Operations.ListHarmfulReports.Input) async throws -> Operations.ListHarmfulReports.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        do {
            let reports = try await req.harmful.queue(status: input.query.status.flatMap { HarmfulStatus(rawValue: $0.rawValue) },
                                                      limit: input.query.limit ?? 50, for: account)
            return .ok(.init(body: .json(.init(items: reports.map { Self.harmful($0, language: req.language) }))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.harmfulNotFound)))
        }
    }

    func advanceHarmfulReport(_ input: Operations.AdvanceHarmfulReport.Input) async throws -> Operations.AdvanceHarmfulReport.Output {
        let req = try APIRequestContext.current()
        guard let account = try await Self.bearer(req) else { return .unauthorized(.init(body: .json(Self.unauthorized))) }
        guard case .json(let body) = input.body else { return .badRequest(.init(body: .json(Self.badRequest))) }
        guard let id = UUID(uuidString: input.path.id), let next = HarmfulStatus(rawValue: body.status.rawValue) else {
            return .notFound(.init(body: .json(Self.harmfulNotFound)))
        }
        do {
            let report = try await req.harmful.advance(id, to: next, note: body.note, by: account)
            return .ok(.init(body: .json(Self.harmful(report, language: req.language))))
        } catch is TipService.NotFound {
            return .notFound(.init(body: .json(Self.harmfulNotFound)))
        } catch let failure as ValidationFailure {
            return .badRequest(.init(body: .json(Self.validationError(failure.issues))))
        }
    }

    static func harmful(_ report: HarmfulReport, language: Language) -> Schemas.HarmfulReport {
        .init(id: report.id?.uuidString ?? "", reference: report.reference, url: report.url, host: report.host, category: report.categoryCode,
              status: .init(rawValue: report.status.rawValue) ?? .received,
              statusLabel: language == .vi ? report.status.labelVI : report.status.labelEN,
              note: report.note, takedownRequestedAt: report.takedownRequestedAt, resolvedAt: report.resolvedAt, createdAt: report.createdAt)
    }

    static let harmfulNotFound = error("not_found", "Không tìm thấy phản ánh này, hoặc bạn không có quyền xử lý nội dung xấu độc.",
                                       "No such report, or you may not work harmful-content reports.")
}
