import BinhYenCore
import Fluent
import Vapor

/// `serve`, refusing to start on a database that has not been migrated.
struct GuardedServeCommand: AsyncCommand {
    typealias Signature = ServeCommand.Signature
    let inner: ServeCommand
    var help: String { "Chạy máy chủ / Serve BinhYen over HTTP (the database must be migrated: binhyen migrate)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let pending = try await MigrationCheck.pending(context.application)
        guard pending.isEmpty else {
            throw CommandFailure("""
                Cơ sở dữ liệu chưa được khởi tạo hoặc chưa cập nhật: còn \(pending.count) bước migration.
                The database is not migrated: \(pending.count) migration(s) pending.
                Chạy / run:  binhyen migrate --yes   (hoặc / or: binhyen demo)
                """)
        }
        context.application.backgroundJobs?.start(context.application)
        try await inner.run(using: context, signature: signature)
    }
}

/// `demo`: migrate, import the administrative units, load the demo province, print the logins,
/// serve on 127.0.0.1:8080.
struct DemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "hostname", short: "H", help: "Địa chỉ lắng nghe / hostname (127.0.0.1)")
        var hostname: String?
        @Option(name: "port", short: "p", help: "Cổng / port (8080)")
        var port: Int?
        init() {}
    }

    let serve: ServeCommand
    var help: String { "Chạy bản trình diễn / Run the demo: migrate, load demo data, serve on 127.0.0.1:8080." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        for scheme in AdminArea.Scheme.allCases {
            let report = try await AreaImporter.importShipped(scheme: scheme, resourcesDirectory: app.directory.resourcesDirectory, on: app.db)
            context.console.info("Địa bàn hành chính (\(scheme.rawValue)): \(report.inserted) mới, \(report.updated) cập nhật, \(report.unchanged) giữ nguyên")
        }
        let result = try await DemoSeeder.seed(on: app.db, passwords: app.binhyenPasswords)
        try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app)
        context.console.info(result.seeded ? "Đã tạo dữ liệu trình diễn / demo data loaded." : "Dữ liệu trình diễn đã có sẵn / demo data already present.")
        let tips = try await DemoTips.seed(TipService(db: app.db, app: app), on: app.db)
        _ = try await DemoScams.seed(ScamRegistry(db: app.db, app: app), on: app.db)
        _ = try await DemoCommunity.seed(app: app)
        try await DemoStatistics.seed(app: app)
        try await DemoKnowledge.seed(app: app)
        let hostname = signature.hostname ?? "127.0.0.1"
        let port = signature.port ?? 8080
        context.console.print("""

            Bình Yên – bản trình diễn / demo:  http://\(hostname):\(port)
            Mật khẩu mọi tài khoản / password of every account: \(DemoSeeder.password)
            """)
        for login in result.logins {
            context.console.print("  \(login.phone)  \(login.role.padding(toLength: 15, withPad: " ", startingAt: 0)) \(login.unit.padding(toLength: 10, withPad: " ", startingAt: 0)) \(login.name)")
        }
        if let receipt = tips.sampleReceipt {
            context.console.print("  \(tips.count) tin báo mẫu / demo tips; mã tra cứu mẫu / sample receipt (/tips/follow): \(TipReceipt.display(receipt))")
        }
        app.http.server.configuration.hostname = hostname
        app.http.server.configuration.port = port
        app.backgroundJobs?.start(app)
        // No flags: the server then binds to the configuration set just above.
        var noFlags = CommandInput(arguments: ["serve"])
        try await serve.run(using: context, signature: try ServeCommand.Signature(from: &noFlags))
    }
}

/// `import-units`: load (or refresh) the administrative areas shipped in Resources/AdminUnits,
/// or a file in the same format.
struct ImportUnitsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "scheme", help: "current (2 cấp, mặc định) | legacy (3 cấp cũ) | all")
        var scheme: String?
        @Option(name: "file", help: "Tệp CSV khác cùng định dạng / another CSV file: code,name,type,parent_code")
        var file: String?
        init() {}
    }

    var help: String { "Nhập danh mục địa bàn hành chính / Import administrative areas." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let schemes: [AdminArea.Scheme]
        switch signature.scheme ?? "current" {
        case "all": schemes = AdminArea.Scheme.allCases
        case let raw: guard let scheme = AdminArea.Scheme(rawValue: raw) else {
                throw CommandFailure("--scheme phải là current, legacy hoặc all / must be current, legacy or all")
            }
            schemes = [scheme]
        }
        if signature.file != nil && schemes.count != 1 {
            throw CommandFailure("--file cần đúng một --scheme / --file needs exactly one --scheme")
        }
        for scheme in schemes {
            let report: AreaImporter.Report
            if let file = signature.file {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                report = try await AreaImporter.importAreas(try AreaImporter.parse(text), scheme: scheme, on: app.db)
            } else {
                report = try await AreaImporter.importShipped(scheme: scheme, resourcesDirectory: app.directory.resourcesDirectory, on: app.db)
            }
            context.console.info("\(scheme.rawValue): \(report.inserted) mới / inserted, \(report.updated) cập nhật / updated, \(report.unchanged) giữ nguyên / unchanged")
        }
    }
}

/// `import-procedures`: add the knowledge-base articles shipped in Resources/Procedures that the
/// database does not have yet. An article already there, perhaps edited, is left as it is.
struct ImportProceduresCommand: AsyncCommand {
    struct Signature: CommandSignature { init() {} }

    var help: String { "Nhập các bài hướng dẫn thủ tục đi kèm / Import the shipped procedure articles." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let added = try await KnowledgeBase.installShipped(resourcesDirectory: app.directory.resourcesDirectory, app: app)
        context.console.info("Thủ tục / procedures: \(added) bài mới / added")
    }
}

/// `import-faqs FILE --unit CODE`: answers a unit gave before BinhYen, one JSON object a line
/// ({"procedure": slug, "question": …, "answer": …}), published under their articles.
struct ImportFAQsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "Tệp JSON Lines / a JSON Lines file")
        var file: String
        @Option(name: "unit", help: "Mã đơn vị đã trả lời / code of the unit that answered, e.g. CA24133")
        var unit: String?
        init() {}
    }

    var help: String { "Nhập hỏi đáp đã có / Import existing questions and answers as public Q&A." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let code = signature.unit, let unit = try await UnitDirectory.find(code: code, on: app.db) else {
            throw CommandFailure("Cần --unit với mã đơn vị có thật / --unit needs an existing unit code")
        }
        guard let data = FileManager.default.contents(atPath: signature.file) else {
            throw CommandFailure("Không đọc được tệp / cannot read \(signature.file)")
        }
        let decoder = JSONDecoder()
        var drafts: [KnowledgeBase.FAQDraft] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
            do {
                drafts.append(try decoder.decode(KnowledgeBase.FAQDraft.self, from: Data(line)))
            } catch {
                throw CommandFailure("Dòng \(index + 1) không phải JSON đúng dạng / line \(index + 1) is not a {procedure, question, answer} object")
            }
        }
        do {
            let count = try await KnowledgeBase(db: app.db, app: app).importFAQs(drafts, unitID: try unit.requireID(), by: nil)
            context.console.info("\(count) hỏi đáp đã công khai / Q&A published")
        } catch let failure as ValidationFailure {
            let shown = failure.issues.prefix(20).map { "\($0.field): \($0.messageVI) / \($0.messageEN)" }
            throw CommandFailure((shown + (failure.issues.count > 20 ? ["… \(failure.issues.count - 20) lỗi nữa / more"] : [])).joined(separator: "\n")
                                 + "\nKhông có gì được ghi / nothing was written")
        }
    }
}

/// `create-admin`: the first province admin (after that, admins create officers in the console).
struct CreateAdminCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "phone", help: "Số điện thoại / phone number")
        var phone: String?
        @Option(name: "name", help: "Họ và tên / full name")
        var name: String?
        @Option(name: "unit", help: "Mã đơn vị / unit code, e.g. CA66")
        var unit: String?
        @Option(name: "role", help: "province_admin (mặc định) | unit_admin")
        var role: String?
        init() {}
    }

    var help: String { "Tạo tài khoản quản trị / Create an admin account (password from BINHYEN_ADMIN_PASSWORD or asked)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        var missing: [String] = []
        if signature.phone == nil { missing.append("--phone") }
        if signature.name == nil { missing.append("--name") }
        if signature.unit == nil { missing.append("--unit") }
        guard missing.isEmpty, let phone = signature.phone, let name = signature.name, let unitCode = signature.unit else {
            throw CommandFailure("Thiếu / missing: " + missing.joined(separator: ", "))
        }
        let role = Role(rawValue: signature.role ?? Role.provinceAdmin.rawValue)
        guard let role, [.provinceAdmin, .unitAdmin].contains(role) else {
            throw CommandFailure("--role phải là province_admin hoặc unit_admin / must be province_admin or unit_admin")
        }
        guard let unit = try await UnitDirectory.find(code: unitCode, on: app.db) else {
            throw CommandFailure("Không có đơn vị mã \(unitCode) / no unit with code \(unitCode)")
        }
        let password = Environment.get("BINHYEN_ADMIN_PASSWORD") ?? context.console.ask("Mật khẩu / password:", isSecure: true)
        do {
            let account = try await AccountService(db: app.db, passwords: app.binhyenPasswords).create(
                .init(phone: phone, displayName: name, password: password, passwordConfirm: nil),
                kind: .staff, memberships: [(try unit.requireID(), role)])
            context.console.info("Đã tạo / created \(account.phone) (\(role.rawValue) @ \(unit.code))")
        } catch let failure as ValidationFailure {
            throw CommandFailure(failure.issues.map { "\($0.field): \($0.messageVI) / \($0.messageEN)" }.joined(separator: "\n"))
        }
    }
}

struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `create-province-units`: the province police, its departments and a police unit for every
/// commune of a province, from the imported administrative list.
struct CreateProvinceUnitsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "area", help: "Mã tỉnh / province code, e.g. 66 (Đắk Lắk)")
        var area: String?
        init() {}
    }

    var help: String { "Tạo đơn vị công an của một tỉnh / Create the police units of a province." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let area = signature.area else { throw CommandFailure("Thiếu / missing: --area") }
        let created = try await context.application.db.transaction { db in
            try await ProvincePolice.create(provinceAreaCode: area, validFrom: Date(), on: db)
        }
        context.console.info("Đã tạo / created \(created.unitIDs.count) đơn vị / units (\(created.communeUnits.count) công an xã, phường / commune police)")
    }
}

/// `binhyen audit verify`: walks the hash chain of the audit log and reports every break.
struct AuditCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "verify")
        var action: String
        init() {}
    }

    var help: String { "Kiểm tra nhật ký kiểm toán / Check the audit log: binhyen audit verify" }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "verify" else {
            throw CommandFailure("Chỉ có: audit verify / only: audit verify")
        }
        let result = try await AuditLog.verify(on: context.application.db)
        if result.isIntact {
            context.console.info("Nhật ký nguyên vẹn / audit log intact: \(result.entries) mục / entries")
        } else {
            for problem in result.problems { context.console.error(problem) }
            throw CommandFailure("Nhật ký kiểm toán bị sửa hoặc xoá / the audit log was edited or truncated (\(result.problems.count) problems in \(result.entries) entries)")
        }
    }
}

/// `stats rebuild`: every counter recomputed from the records (see `StatsRebuild`).
struct StatsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "rebuild")
        var action: String
        init() {}
    }

    var help: String { "Thống kê / Statistics: binhyen stats rebuild" }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "rebuild" else {
            throw CommandFailure("Chỉ có: stats rebuild / only: stats rebuild")
        }
        let start = ContinuousClock.now
        let outcome = try await StatsRebuild.run(gate: context.application.writeGate)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        context.console.info("Đã tính lại \(outcome.counters) bộ đếm, sửa \(outcome.corrected), trong \(String(format: "%.1f", seconds)) giây / "
            + "rebuilt \(outcome.counters) counters, corrected \(outcome.corrected), in \(String(format: "%.1f", seconds)) s")
    }
}

/// `scam-import FILE`: another agency's list of scam indicators, in bulk (see `ScamImport`).
struct ScamImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "CSV: kind,value,bank,status,reports,warning")
        var file: String
        @Option(name: "source", help: "Tên nguồn ghi vào sổ / the source recorded with each new indicator (default: the file name)")
        var source: String?
        @Option(name: "rejected", help: "Ghi các dòng bị từ chối vào tệp CSV này / write the refused lines to this CSV file")
        var rejected: String?
        init() {}
    }

    var help: String { "Nhập danh sách dấu hiệu lừa đảo / Import a list of scam indicators." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let text = try? String(contentsOfFile: signature.file, encoding: .utf8) else {
            throw CommandFailure("Không đọc được tệp UTF-8 / cannot read the UTF-8 file \(signature.file)")
        }
        let source = "import:" + (signature.source ?? URL(fileURLWithPath: signature.file).lastPathComponent)
        let started = ContinuousClock.now
        let report = try await ScamImport.run(text: text, source: String(source.prefix(100)), gate: app.writeGate)
        let seconds = (ContinuousClock.now - started).components.seconds
        context.console.info("\(report.imported) dấu hiệu đã nhập / indicators imported, \(report.rejected.count) dòng bị từ chối / lines refused, \(seconds) s")
        for rejected in report.rejected.prefix(20) {
            context.console.warning("dòng / line \(rejected.line): \(rejected.reason)")
        }
        if let path = signature.rejected {
            let lines = ["line,reason"] + report.rejected.map { CSV.line([String($0.line), $0.reason]) }
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}

/// `link-channel zalo|telegram --page ID …`: links a page to a Zalo Official Account or a
/// Telegram bot. The secrets are read from the environment (ZALO_OA_SECRET_KEY, ZALO_APP_SECRET,
/// ZALO_ACCESS_TOKEN, ZALO_REFRESH_TOKEN; TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET), never from
/// the command line, where other users of the machine could read them.
struct LinkChannelCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "kind", help: "zalo | telegram")
        var kind: String
        @Option(name: "page", help: "Mã trang (UUID) / the page's id")
        var page: String?
        @Option(name: "oa-id", help: "Zalo: mã Official Account / the OA id")
        var oaID: String?
        @Option(name: "app-id", help: "Zalo: mã ứng dụng / the app id")
        var appID: String?
        @Option(name: "expires-in", help: "Zalo: số giây còn lại của access token / seconds the access token has left (default 90000)")
        var expiresIn: Int?
        init() {}
    }

    var help: String { "Liên kết trang với Zalo OA hoặc bot Telegram / Link a page to a Zalo OA or a Telegram bot." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let env = ProcessInfo.processInfo.environment
        guard let kind = ChannelKind(rawValue: signature.kind), kind != .web else { throw CommandFailure("kind: zalo hoặc telegram / zalo or telegram") }
        guard let pageID = signature.page.flatMap(UUID.init(uuidString:)) else { throw CommandFailure("--page: mã trang (UUID) / the page's id (UUID)") }
        let link: ChannelService.Link
        switch kind {
        case .zalo:
            link = .init(kind: .zalo, pageID: pageID, externalID: signature.oaID ?? "", appID: signature.appID,
                         secrets: ChannelSecrets(oaSecretKey: env["ZALO_OA_SECRET_KEY"], appSecret: env["ZALO_APP_SECRET"],
                                                 accessToken: env["ZALO_ACCESS_TOKEN"], refreshToken: env["ZALO_REFRESH_TOKEN"]),
                         tokenExpiresAt: Date().addingTimeInterval(TimeInterval(signature.expiresIn ?? 90_000)))
        case .telegram, .web:
            let token = env["TELEGRAM_BOT_TOKEN"] ?? ""
            link = .init(kind: .telegram, pageID: pageID, externalID: String(token.prefix { $0 != ":" }), appID: nil,
                         secrets: ChannelSecrets(botToken: token, webhookSecret: env["TELEGRAM_WEBHOOK_SECRET"]))
        }
        do {
            let account = try await ChannelService(db: app.db, app: app).link(link, by: .system)
            context.console.info("Đã liên kết / linked: \(kind.rawValue) \(account.externalID) → \(pageID)")
        } catch let failure as ValidationFailure {
            throw CommandFailure(failure.issues.map { "\($0.field): \($0.messageVI) / \($0.messageEN)" }.joined(separator: "\n"))
        }
    }
}
