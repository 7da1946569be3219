#!/usr/bin/env python3
"""Data for scripts/bench-procedures: COUNT public questions and answers as a commune's police
would have answered them over the years (JSON Lines for `binhyen import-faqs`), spread over the
shipped procedures, each made different by the place, the person and the situation; and the
search queries as citizens type them (no diacritics, NFD, abbreviations, typos, words reordered),
one URL-encoded query a line."""
import argparse, json, random, unicodedata, urllib.parse

TOPICS = {
    "can-cuoc-cap-lan-dau": ("làm căn cước lần đầu cho {who}", "Mang theo giấy tờ chứng minh nhân thân nếu có; cán bộ thu nhận ảnh, vân tay và mống mắt tại công an {place}."),
    "can-cuoc-cap-doi": ("đổi thẻ căn cước khi {who} đủ tuổi", "Thẻ phải cấp đổi khi đủ 25, 40 và 60 tuổi; nộp trên VNeID hoặc đến công an {place}."),
    "can-cuoc-cap-lai": ("làm lại căn cước bị mất của {who}", "Cấp lại do mất thẻ có lệ phí; nộp trên Cổng dịch vụ công hoặc tại công an {place}."),
    "can-cuoc-dieu-chinh-thong-tin": ("sửa ngày sinh sai trên căn cước của {who}", "Mang giấy khai sinh hoặc giấy tờ có thông tin đúng đến công an {place} để điều chỉnh."),
    "dinh-danh-dien-tu-muc-2": ("kích hoạt định danh điện tử mức 2 cho {who}", "Đến công an {place} mang theo thẻ căn cước và điện thoại có số thuê bao chính chủ."),
    "dang-ky-thuong-tru": ("nhập hộ khẩu cho {who} về nhà", "Chủ hộ đồng ý bằng văn bản; nộp hồ sơ đăng ký thường trú tại công an {place} hoặc trên VNeID."),
    "xoa-dang-ky-thuong-tru": ("xóa đăng ký thường trú của {who}", "Trong vòng 7 ngày, hộ gia đình nộp hồ sơ xoá thường trú tại công an {place}."),
    "dang-ky-tam-tru": ("đăng ký tạm trú cho {who} thuê trọ", "Người thuê trọ đăng ký tạm trú trong 30 ngày kể từ khi đến ở; nộp tại công an {place}."),
    "gia-han-tam-tru": ("gia hạn tạm trú cho {who}", "Gia hạn trước khi hết hạn 15 ngày, tại công an {place} hoặc trực tuyến."),
    "khai-bao-tam-vang": ("khai báo tạm vắng khi {who} đi làm xa", "Người thuộc diện phải khai báo thì khai tại công an {place} trước khi đi."),
    "thong-bao-luu-tru": ("báo lưu trú khi {who} đến ở qua đêm", "Chủ nhà báo lưu trú trước 23 giờ qua VNeID hoặc cho công an {place}."),
    "tach-ho": ("tách hộ cho {who} khi đã lập gia đình", "Cần đủ điều kiện chỗ ở hợp pháp; nộp hồ sơ tách hộ tại công an {place}."),
    "xac-nhan-thong-tin-cu-tru": ("xin giấy xác nhận cư trú cho {who}", "Yêu cầu trên VNeID hoặc tại công an {place}; thường có kết quả trong ngày làm việc."),
    "ho-chieu-pho-thong": ("làm hộ chiếu cho {who} đi du lịch", "Nộp tờ khai trên Cổng dịch vụ công hoặc tại phòng quản lý xuất nhập cảnh; công an {place} hướng dẫn."),
    "dang-ky-xe": ("đăng ký xe máy mới mua cho {who}", "Chủ xe kê khai trên Cổng dịch vụ công rồi đưa xe đến công an {place} để cấp biển số."),
    "sang-ten-xe": ("sang tên xe cũ mua lại của {who}", "Làm thủ tục thu hồi đăng ký của chủ cũ và đăng ký sang tên tại công an {place}."),
    "doi-giay-phep-lai-xe": ("đổi bằng lái xe sắp hết hạn của {who}", "Đổi giấy phép lái xe trực tuyến hoặc tại điểm tiếp nhận; công an {place} hướng dẫn."),
    "giay-chung-nhan-an-ninh-trat-tu": ("xin giấy chứng nhận an ninh trật tự cho quán của {who}", "Ngành nghề kinh doanh có điều kiện cần giấy chứng nhận; nộp hồ sơ tại công an {place}."),
    "dang-ky-mau-con-dau": ("đăng ký mẫu con dấu cho công ty của {who}", "Doanh nghiệp tự khắc dấu và thông báo mẫu dấu; tổ chức khác đăng ký tại công an {place}."),
    "to-giac-toi-pham": ("tố giác {who} bị lừa đảo qua mạng", "Gọi 113 nếu khẩn cấp; gửi tin báo trên Bình Yên hoặc đến công an {place}."),
}
WHO = ["con tôi", "mẹ tôi", "bố tôi", "vợ tôi", "chồng tôi", "ông nội", "bà ngoại", "em gái", "anh trai", "cháu nội",
       "người giúp việc", "bạn cùng phòng", "con dâu", "con rể", "người thuê nhà", "cô giáo", "em họ", "chị dâu"]
PLACES = ["phường Buôn Ma Thuột", "phường Tân An", "phường Ea Kao", "xã Hòa Phú", "xã Ea Kao", "phường Thành Nhất",
          "xã Cư Êbur", "phường Tân Lập", "phường Tân Hòa", "xã Hòa Thắng", "phường Tân Lợi", "xã Ea Tu"]
WHEN = ["", "tuần sau", "trong tháng này", "trước Tết", "khi nghỉ hè", "cuối năm", "ngay hôm nay"]
QUESTION_OPENINGS = ["Cho tôi hỏi", "Xin hỏi công an", "Em muốn hỏi", "Nhờ cán bộ hướng dẫn", "Tôi cần", "Hỏi về việc"]
ANSWER_TAILS = ["", " Nếu cần, gọi số trực ban của công an phường.", " Bạn có thể đặt lịch trên VNeID để không phải chờ.",
                " Mang theo bản chính giấy tờ để đối chiếu."]

QUERIES = [
    "cccd lan dau", "lam cccd lan dau", "làm căn cước cho con 14 tuổi", "doi cccd 25 tuoi", "đổi căn cước khi đủ 40 tuổi",
    "mat can cuoc", "làm lại CCCD bị mất", "sai ngay sinh tren can cuoc", "dinh danh muc 2", "kich hoat vneid muc 2",
    "nhap ho khau", "đăng ký thường trú", "dang ki thuong tru", "cat khau", "làm KT3", "dang ky tam tru cho nguoi thue tro",
    "gia hạn tạm trú", "khai bao tam vang", "thong bao luu tru cho khach", "khach o qua dem", "tách hộ", "tach ho khau",
    "giấy xác nhận cư trú CT07", "làm passport", "cap ho chieu pho thong", "dang ky xe may moi mua", "sang ten xe",
    "mua xe cũ sang tên", "doi gplx", "đổi bằng lái xe", "giấy chứng nhận an ninh trật tự karaoke", "dang ky mau con dau",
    "khắc dấu công ty", "to giac toi pham", "can cuox lan dau", "ho chieuu pho thong", "thongbao luu tru", "tru tam dang ky",
    "vang tam khai bao", "lừa đảo qua mạng", "me toi du 60 tuoi doi the", "con gai 14 tuoi lam can cuoc",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--faqs", required=True)
    parser.add_argument("--queries", required=True)
    args = parser.parse_args()
    rng = random.Random(2026)
    slugs = list(TOPICS)
    with open(args.faqs, "w", encoding="utf-8") as out:
        for n in range(args.count):
            slug = slugs[n % len(slugs)]
            question, answer = TOPICS[slug]
            who, place = rng.choice(WHO), rng.choice(PLACES)
            text = f"{rng.choice(QUESTION_OPENINGS)} {question.format(who=who)} {rng.choice(WHEN)} ở {place} thì thế nào? (số {n + 1})"
            reply = answer.format(place=place) + rng.choice(ANSWER_TAILS)
            out.write(json.dumps({"procedure": slug, "question": " ".join(text.split()), "answer": reply}, ensure_ascii=False) + "\n")
    with open(args.queries, "w", encoding="utf-8") as out:
        for query in QUERIES:
            out.write(urllib.parse.quote(query) + "\n")
            # The same words as a phone keyboard may send them: decomposed (NFD).
            out.write(urllib.parse.quote(unicodedata.normalize("NFD", query)) + "\n")


if __name__ == "__main__":
    main()
