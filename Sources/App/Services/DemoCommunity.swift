import BinhYenCore
import Fluent
import Foundation
import Vapor

/// The demo's pages, groups and posts: the province's and a ward's verified pages (and one still
/// waiting for verification), a group for every residential cluster of the ward with its
/// citizens, posts of every category over the last four months, a province-wide urgent alert, a
/// pinned notice, a withdrawn post, comments and reactions. Run after `DemoSeeder`; a second run
/// adds nothing.
enum DemoCommunity {
    struct Seeded: Sendable {
        var pages = 0
        var groups = 0
        var members = 0
        var posts = 0
    }

    static let places: [(kind: String, name: String)] = [
        ("Tổ dân phố", "1"), ("Tổ dân phố", "2"), ("Tổ dân phố", "3"), ("Tổ dân phố", "4"), ("Buôn", "Ako Dhong"), ("Buôn", "Ky"),
    ]

    static func seed(app: Application, now: Date = Date()) async throws -> Seeded {
        let db = app.db
        var seeded = Seeded()
        guard try await Page.query(on: db).count() == 0 else { return seeded }
        func staff(_ phone: String) async throws -> CurrentAccount {
            let e164 = try PhoneNumber(parsing: phone).e164
            guard let id = try await Account.query(on: db).filter(\.$phone == e164).first()?.id,
                  let account = try await CurrentAccount.load(accountID: id, on: db) else { throw Abort(.internalServerError, reason: "demo account \(phone) missing") }
            return account
        }
        func unit(_ code: String) async throws -> UUID {
            guard let id = try await UnitDirectory.find(code: code, on: db)?.id else { throw Abort(.internalServerError, reason: "demo unit \(code) missing") }
            return id
        }
        let community = CommunityService(db: db, app: app)
        let posts = PostService(db: db, app: app)
        let provinceAdmin = try await staff("0901000001")
        let unitAdmin = try await staff("0901000006")
        let officer = try await staff("0901000003")
        let province = try await unit("CA66")
        let ward = try await unit("CA24133")
        let start = now.addingTimeInterval(-125 * 86_400)
        func day(_ n: Int, hour: Int = 9) -> Date { start.addingTimeInterval(Double(n) * 86_400 + Double(hour) * 3600) }

        // Pages.
        let provincePage = try await community.createPage(.init(name: "Công an tỉnh Đắk Lắk", area: "Tỉnh Đắk Lắk", hotline: "0262 3852 371",
            description: "Trang chính thức của Công an tỉnh Đắk Lắk: cảnh báo thủ đoạn tội phạm, hướng dẫn thủ tục hành chính, tiếp nhận tin báo."),
            unitID: province, by: provinceAdmin, now: day(0))
        let wardPage = try await community.createPage(.init(name: "Công an phường Buôn Ma Thuột", area: "Phường Buôn Ma Thuột, tỉnh Đắk Lắk", hotline: "0901 000 002",
            description: "Kết nối mạng xã hội – Bình yên cho mỗi gia đình. Bà con nhắn tin, gửi tin báo, hỏi thủ tục cư trú, căn cước tại đây."),
            unitID: ward, by: unitAdmin, now: day(1))
        _ = try await community.createPage(.init(name: "Tổ phản ứng nhanh phường Buôn Ma Thuột", area: "Phường Buôn Ma Thuột",
            hotline: nil, description: "Trang của tổ công tác phản ứng nhanh, đang chờ Công an tỉnh xác minh."), unitID: ward, by: unitAdmin, now: day(2))
        let patrolPage = try await community.createPage(.init(name: "An ninh mạng Công an tỉnh Đắk Lắk", area: "Tỉnh Đắk Lắk", hotline: nil,
            description: "Cảnh báo thủ đoạn lừa đảo trên mạng, số điện thoại và tài khoản đã được xác minh là lừa đảo."),
            unitID: try await unit("CA66-PA05"), by: provinceAdmin, now: day(2))
        let provincePageID = try provincePage.requireID(), wardPageID = try wardPage.requireID()
        _ = try await community.verifyPage(provincePageID, by: provinceAdmin, now: day(2))
        _ = try await community.verifyPage(wardPageID, by: provinceAdmin, now: day(3))
        _ = try await community.verifyPage(try patrolPage.requireID(), by: provinceAdmin, now: day(3))
        seeded.pages = 4

        // Groups, one per residential cluster, run by the ward's area officer.
        var groups: [CommunityGroup] = []
        for (index, place) in places.enumerated() {
            groups.append(try await community.createGroup(unitID: ward, placeKind: place.kind, placeName: place.name, by: officer, now: day(3 + index)))
        }
        seeded.groups = groups.count

        // Citizens: the two demo citizens and forty neighbours (same demo password).
        guard let template = try await Account.query(on: db).filter(\.$kind == .citizen).first() else { return seeded }
        var citizens: [UUID] = []
        for phone in ["0988000001", "0988000002"] { citizens.append(try await staff(phone).id) }
        var names = NameGenerator()
        for _ in 0..<200 { _ = names.next() } // different names from the officers'
        for index in 0..<40 {
            let account = Account(phone: "+8498870\(String(format: "%04d", index))", displayName: names.next(), passwordHash: template.passwordHash, kind: .citizen)
            try await account.create(on: db)
            citizens.append(try account.requireID())
        }
        for (index, citizen) in citizens.enumerated() {
            let group = groups[index % groups.count]
            _ = try await community.join(code: group.inviteCode, account: citizen, now: day(8 + index % 20, hour: 19))
            if index % 3 != 2 { try await community.follow(wardPageID, account: citizen, now: day(8 + index % 20, hour: 20)) }
            if index % 2 == 0 { try await community.follow(provincePageID, account: citizen, now: day(9 + index % 20, hour: 20)) }
            seeded.members += 1
        }
        // One neighbour waits for approval, one group has a deputy.
        let waiting = Account(phone: "+84988709999", displayName: "Nguyễn Thị Lan", passwordHash: template.passwordHash, kind: .citizen)
        try await waiting.create(on: db)
        _ = try await community.requestToJoin(try groups[0].requireID(), account: try waiting.requireID(), now: day(100, hour: 21))
        _ = try await community.decide(try groups[0].requireID(), member: citizens[citizens.count - 6], .makeDeputy, by: officer, now: day(30))

        // Posts of every category over the months.
        struct Seed { var day: Int; var category: PostCategory; var priority: PostPriority; var title: String; var body: String; var toPage: Bool; var group: Int? }
        let seeds: [Seed] = [
            Seed(day: 10, category: .policyLaw, priority: .information, title: "Luật Căn cước: những điểm bà con cần biết",
                 body: "Từ nay thẻ căn cước thay cho thẻ căn cước công dân. Trẻ dưới 14 tuổi được cấp khi cha mẹ đề nghị. Thẻ còn hạn vẫn dùng được, không bắt buộc đổi.", toPage: true, group: nil),
            Seed(day: 18, category: .crimeMethods, priority: .warning, title: "Thủ đoạn trộm cắp xe máy ban đêm ở khu trọ",
                 body: "Đối tượng dùng vam phá khoá xe để ngoài sân khu trọ vào 1–3 giờ sáng. Bà con khoá cổ xe, dùng khoá phụ và báo ngay khi thấy người lạ.", toPage: false, group: 0),
            Seed(day: 25, category: .scamWarning, priority: .warning, title: "Cảnh báo cuộc gọi giả danh công an yêu cầu chuyển tiền",
                 body: "Công an không làm việc, không yêu cầu chuyển tiền qua điện thoại. Ai gọi xưng công an, doạ liên quan vụ án rồi bắt chuyển tiền là lừa đảo. Gọi 113 hoặc đến trụ sở gần nhất.", toPage: true, group: nil),
            Seed(day: 33, category: .adminReform, priority: .information, title: "Đăng ký thường trú trực tuyến trên Cổng dịch vụ công",
                 body: "Bà con có thể nộp hồ sơ đăng ký thường trú, tạm trú qua Cổng dịch vụ công quốc gia hoặc ứng dụng VNeID, không cần đến trụ sở. Cán bộ hướng dẫn qua trang này.", toPage: true, group: nil),
            Seed(day: 41, category: .securityNews, priority: .information, title: "Kết quả tuần tra đảm bảo an ninh dịp cuối tuần",
                 body: "Tổ công tác tuần tra các tuyến đường trung tâm, nhắc nhở 12 trường hợp tụ tập gây ồn ào, tạm giữ 2 xe máy không giấy tờ.", toPage: false, group: 1),
            Seed(day: 48, category: .falseInformation, priority: .warning, title: "Thông tin bắt cóc trẻ em ở chợ trung tâm là sai sự thật",
                 body: "Bài đăng lan truyền về việc bắt cóc trẻ em tại chợ trung tâm là bịa đặt. Công an phường đã xác minh, đề nghị bà con không chia sẻ.", toPage: true, group: nil),
            Seed(day: 56, category: .helpRequest, priority: .warning, title: "Tìm nhân chứng vụ va chạm giao thông tối 12",
                 body: "Ai chứng kiến vụ va chạm giữa xe máy và ô tô tại ngã tư gần chợ khoảng 20 giờ, vui lòng liên hệ công an phường. Thông tin người cung cấp được giữ bí mật.", toPage: false, group: 2),
            Seed(day: 63, category: .other, priority: .information, title: "Lịch tiếp công dân tháng này",
                 body: "Công an phường tiếp công dân vào sáng thứ Ba và thứ Năm hằng tuần tại trụ sở. Bà con có thể nhắn tin qua trang để hẹn trước.", toPage: true, group: nil),
            Seed(day: 70, category: .crimeMethods, priority: .warning, title: "Cảnh giác trộm gia súc ban đêm ở các buôn",
                 body: "Gần đây xuất hiện đối tượng dùng xe tải nhỏ trộm bò ban đêm. Bà con buôn nhốt gia súc trong chuồng có khoá và báo ngay khi thấy xe lạ.", toPage: false, group: 4),
            Seed(day: 78, category: .scamWarning, priority: .warning, title: "Lừa đảo tuyển cộng tác viên làm nhiệm vụ online",
                 body: "Đối tượng mời làm nhiệm vụ thả tim, đánh giá sản phẩm để nhận hoa hồng, sau đó bắt nạp tiền. Không chuyển tiền cho người lạ dưới mọi hình thức.", toPage: true, group: nil),
            Seed(day: 90, category: .policyLaw, priority: .information, title: "Quy định mới về xử phạt vi phạm nồng độ cồn",
                 body: "Người điều khiển xe máy có nồng độ cồn bị phạt tiền và trừ điểm giấy phép lái xe. Đã uống rượu bia, không lái xe.", toPage: true, group: nil),
            Seed(day: 104, category: .securityNews, priority: .information, title: "Ra mắt mô hình camera an ninh tổ dân phố 3",
                 body: "Tổ dân phố 3 đã lắp 8 camera tại các ngõ. Hình ảnh được kết nối với công an phường để phòng ngừa trộm cắp.", toPage: false, group: 2),
        ]
        for seed in seeds {
            let target = PostService.Target(audience: seed.group == nil ? .none : .group, groupID: try seed.group.map { try groups[$0].requireID() },
                                            unitID: nil, pageID: seed.toPage ? wardPageID : nil)
            _ = try await posts.publish(PostDraft(title: seed.title, body: seed.body, category: seed.category.rawValue, priority: seed.priority.rawValue),
                                        to: target, by: officer, now: day(seed.day))
            seeded.posts += 1
        }
        // Every group of the ward: a pinned notice.
        let pinned = try await posts.publish(PostDraft(title: "Số điện thoại công an khu vực của phường", body: "Bà con lưu số trực ban 0901 000 002 và số cảnh sát khu vực 0901 000 003. Khẩn cấp gọi 113.",
                                                       category: PostCategory.other.rawValue, priority: PostPriority.information.rawValue, pinned: true),
                                             to: .init(audience: .unitGroups, groupID: nil, unitID: ward, pageID: nil), by: officer, now: day(20))
        // A post withdrawn with a notice.
        let mistaken = try await posts.publish(PostDraft(title: "Lịch cắt điện khu vực tổ dân phố 2", body: "Thông báo lịch cắt điện ngày 15 từ 7 giờ đến 17 giờ để sửa đường dây.",
                                                         category: PostCategory.other.rawValue, priority: PostPriority.information.rawValue),
                                               to: .init(audience: .group, groupID: try groups[1].requireID(), unitID: nil, pageID: nil), by: officer, now: day(95))
        _ = try await posts.withdraw(try mistaken.requireID(), notice: "Thông tin lịch cắt điện không thuộc công an phường; bà con theo dõi thông báo của điện lực.", by: officer, now: day(95, hour: 11))
        // A province-wide urgent alert, a few days ago.
        let alert = try await posts.publish(PostDraft(title: "Khẩn: cảnh báo đối tượng giả nhân viên điện lực vào nhà trộm cắp",
                                                      body: "Nhiều địa bàn ghi nhận đối tượng mặc đồng phục điện lực, xin vào nhà kiểm tra công tơ rồi trộm tài sản. Bà con yêu cầu xuất trình giấy tờ, gọi điện lực xác minh và báo ngay cho công an.",
                                                      category: PostCategory.crimeMethods.rawValue, priority: PostPriority.urgent.rawValue),
                                            to: .init(audience: .subtree, groupID: nil, unitID: province, pageID: provincePageID), by: provinceAdmin, now: now.addingTimeInterval(-2 * 86_400))
        seeded.posts += 3
        // The cyber patrol publishes the warning of the first verified indicator on its page.
        let patrol = try await staff("0901000004")
        if let verified = try await ScamIndicator.query(on: db).filter(\.$status == .verified).sort(\.$createdAt).first()?.id {
            _ = try await ScamRegistry(db: db, app: app).publishWarning(verified, pageID: try patrolPage.requireID(), by: patrol, now: now.addingTimeInterval(-3 * 86_400))
            seeded.posts += 1
        }

        // Reactions and comments from neighbours.
        let kinds = ReactionKind.allCases
        let commented = ["Cảm ơn công an phường đã thông tin kịp thời.", "Nhà tôi cũng vừa nhận cuộc gọi như vậy, may mà không chuyển tiền.", "Đề nghị tăng cường tuần tra khu vực chợ buổi tối."]
        for (index, citizen) in citizens.prefix(24).enumerated() {
            guard let reader = try await CurrentAccount.load(accountID: citizen, on: db) else { continue }
            for post in [pinned, alert] {
                _ = try await posts.react(try post.requireID(), kinds[index % kinds.count], by: reader, now: now.addingTimeInterval(-86_400 + Double(index) * 60))
            }
            if index < commented.count {
                _ = try await posts.comment(try alert.requireID(), body: commented[index], by: reader, now: now.addingTimeInterval(-86_000 + Double(index) * 600))
            }
        }
        return seeded
    }
}
