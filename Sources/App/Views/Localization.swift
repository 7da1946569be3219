import Vapor

/// The two languages of every screen: Vietnamese first, English second.
enum Language: String, CaseIterable, Sendable {
    case vi, en

    static let cookieName = "binhyen_lang"

    /// The texts shown on screens, by key. Templates read them as `#(t.key)`.
    var texts: [String: String] {
        switch self {
        case .vi: Self.allVietnamese
        case .en: Self.allEnglish
        }
    }

    private static let allVietnamese = vietnamese.merging(tipTextsVI) { first, _ in first }.merging(scamTextsVI) { first, _ in first }.merging(communityTextsVI) { first, _ in first }.merging(procedureTextsVI) { first, _ in first }.merging(dossierTextsVI) { first, _ in first }.merging(channelTextsVI) { first, _ in first }.merging(statsTextsVI) { first, _ in first }.merging(unitTextsVI) { first, _ in first }
    private static let allEnglish = english.merging(tipTextsEN) { first, _ in first }.merging(scamTextsEN) { first, _ in first }.merging(communityTextsEN) { first, _ in first }.merging(procedureTextsEN) { first, _ in first }.merging(dossierTextsEN) { first, _ in first }.merging(channelTextsEN) { first, _ in first }.merging(statsTextsEN) { first, _ in first }.merging(unitTextsEN) { first, _ in first }

    private static let vietnamese: [String: String] = [
        "appName": "Bình Yên",
        "tagline": "Kết nối mạng xã hội – Bình yên cho mỗi gia đình",
        "skip": "Bỏ qua đến nội dung chính",
        "navHome": "Trang chủ",
        "navUnits": "Đơn vị công an",
        "navConsole": "Bàn làm việc cán bộ",
        "login": "Đăng nhập",
        "logout": "Đăng xuất",
        "register": "Đăng ký",
        "phone": "Số điện thoại",
        "phoneHint": "Ví dụ: 0912 345 678",
        "displayName": "Họ và tên",
        "password": "Mật khẩu",
        "passwordHint": "Ít nhất 8 ký tự.",
        "passwordConfirm": "Nhập lại mật khẩu",
        "registerTitle": "Đăng ký tài khoản người dân",
        "registerLead": "Tài khoản giúp bạn gửi tin báo, đặt câu hỏi và theo dõi phản hồi của công an.",
        "haveAccount": "Đã có tài khoản?",
        "noAccount": "Chưa có tài khoản?",
        "loginTitle": "Đăng nhập",
        "formHasErrors": "Vui lòng sửa các mục được đánh dấu bên dưới.",
        "homeTitle": "Kết nối với công an nơi bạn sống",
        "homeLead": "Tìm đơn vị công an xã, phường của bạn, theo dõi cảnh báo và liên hệ khi cần.",
        "homeWelcome": "Xin chào",
        "homeFindUnit": "Tìm đơn vị công an",
        "homeEmergency": "Khẩn cấp: gọi 113",
        "unitsTitle": "Danh bạ đơn vị công an",
        "unitsLead": "Gõ tên xã, phường, tỉnh có dấu hoặc không dấu.",
        "search": "Tìm",
        "searchPlaceholder": "Ví dụ: buon ma thuot, Đắk Lắk",
        "noResults": "Không tìm thấy đơn vị nào. Hãy thử tên khác hoặc bỏ bớt từ.",
        "topUnits": "Công an các tỉnh, thành phố",
        "level": "Cấp",
        "area": "Địa bàn",
        "parentUnit": "Đơn vị cấp trên",
        "hotline": "Đường dây nóng",
        "childUnits": "Đơn vị trực thuộc",
        "consoleTitle": "Bàn làm việc cán bộ",
        "consoleRoles": "Vai trò của bạn",
        "consoleSubtree": "đơn vị thuộc phạm vi",
        "consoleNewOfficer": "Tạo tài khoản cán bộ",
        "unitCode": "Mã đơn vị",
        "role": "Vai trò",
        "create": "Tạo",
        "officerCreated": "Đã tạo tài khoản cán bộ",
        "role_officer": "Cán bộ / cảnh sát khu vực",
        "role_commander": "Chỉ huy / trực ban",
        "role_cyber_patrol": "Tuần tra không gian mạng",
        "role_unit_admin": "Quản trị đơn vị",
        "role_province_admin": "Quản trị cấp tỉnh",
        "forbiddenTitle": "Bạn không có quyền xem trang này",
        "forbiddenLead": "Trang này dành cho cán bộ có vai trò phù hợp tại đơn vị.",
        "notFoundTitle": "Không tìm thấy trang",
        "notFoundLead": "Địa chỉ không tồn tại hoặc đã được thay đổi.",
        "errorTitle": "Đã xảy ra lỗi",
        "errorLead": "Hệ thống gặp sự cố. Vui lòng thử lại sau ít phút.",
        "backHome": "Về trang chủ",
    ]

    private static let english: [String: String] = [
        "appName": "Binh Yen",
        "tagline": "Connecting communities – peace for every family",
        "skip": "Skip to main content",
        "navHome": "Home",
        "navUnits": "Police units",
        "navConsole": "Officer console",
        "login": "Log in",
        "logout": "Log out",
        "register": "Register",
        "phone": "Phone number",
        "phoneHint": "For example: 0912 345 678",
        "displayName": "Full name",
        "password": "Password",
        "passwordHint": "At least 8 characters.",
        "passwordConfirm": "Repeat the password",
        "registerTitle": "Register as a citizen",
        "registerLead": "An account lets you send tips, ask questions and follow the police's replies.",
        "haveAccount": "Already registered?",
        "noAccount": "No account yet?",
        "loginTitle": "Log in",
        "formHasErrors": "Please correct the fields marked below.",
        "homeTitle": "Connect with the police where you live",
        "homeLead": "Find your commune or ward police, follow warnings and get in touch when you need to.",
        "homeWelcome": "Hello",
        "homeFindUnit": "Find a police unit",
        "homeEmergency": "Emergency: call 113",
        "unitsTitle": "Police unit directory",
        "unitsLead": "Type a commune, ward or province name, with or without diacritics.",
        "search": "Search",
        "searchPlaceholder": "For example: buon ma thuot, Đắk Lắk",
        "noResults": "No unit found. Try another name or fewer words.",
        "topUnits": "Province and city police",
        "level": "Level",
        "area": "Area",
        "parentUnit": "Parent unit",
        "hotline": "Hotline",
        "childUnits": "Units below",
        "consoleTitle": "Officer console",
        "consoleRoles": "Your roles",
        "consoleSubtree": "units in scope",
        "consoleNewOfficer": "Create an officer account",
        "unitCode": "Unit code",
        "role": "Role",
        "create": "Create",
        "officerCreated": "Officer account created",
        "role_officer": "Officer / area officer",
        "role_commander": "Commander / duty desk",
        "role_cyber_patrol": "Cyber patrol",
        "role_unit_admin": "Unit administrator",
        "role_province_admin": "Province administrator",
        "forbiddenTitle": "You may not see this page",
        "forbiddenLead": "This page is for officers with a suitable role in the unit.",
        "notFoundTitle": "Page not found",
        "notFoundLead": "The address does not exist or has changed.",
        "errorTitle": "Something went wrong",
        "errorLead": "The system had a problem. Please try again in a few minutes.",
        "backHome": "Back to the home page",
    ]
}

extension Request {
    /// The language chosen with the switch (a cookie), Vietnamese by default.
    var language: Language {
        cookies[Language.cookieName].flatMap { Language(rawValue: $0.string) } ?? .vi
    }
}
