@testable import BinhYenCore
import Testing

@Suite("Knowledge-base search: reading queries, ranking, highlighting")
struct KnowledgeSearchTests {
    static let documents = [
        KnowledgeSearch.Document(title: "Cấp lại thẻ căn cước", keywords: ["mất căn cước", "hư hỏng"], summary: "Khi thẻ bị mất.", body: "Nộp tại công an cấp xã."),
        KnowledgeSearch.Document(title: "Đăng ký tạm trú", keywords: ["KT3", "thuê trọ"], summary: "Ở nơi khác quá 30 ngày.", body: "Nộp trên VNeID."),
        KnowledgeSearch.Document(title: "Xã Sơn Hà", summary: "", body: ""),
        KnowledgeSearch.Document(title: "Xã Sơn Hạ", summary: "", body: ""),
    ]
    static let corpus = KnowledgeSearch.Corpus(documents)

    @Test("An edit, a swap of neighbours and a long word's two edits count as near; more is far")
    func distance() {
        let d = { (a: String, b: String, limit: Int) in KnowledgeSearch.distance(Array(a.utf8), Array(b.utf8), limit: limit) }
        #expect(d("cuoc", "cuox", 1) == 1)
        #expect(d("dinh", "dnih", 1) == 1)
        #expect(d("thuong", "thuongg", 1) == 1)
        #expect(d("chieu", "chieu", 1) == 0)
        #expect(d("giayphep", "giyaphepp", 2) == 2)
        #expect(d("cuoc", "tam", 1) == 2, "past the limit it stops at limit + 1")
    }

    @Test("An abbreviation stands for what the knowledge base calls it; filler words are dropped")
    func abbreviations() {
        let query = KnowledgeSearch.parse("Tôi muốn làm lại CCCD bị mất", corpus: Self.corpus)
        let cccd = query.terms.first { $0.typed == "cccd" }
        #expect(cccd?.alternatives.map(\.words) == [["cccd"], ["can", "cuoc"]])
        #expect(!query.terms.contains { ["toi", "muon", "lam", "bi"].contains($0.typed) })
        #expect(query.terms.contains { $0.typed == "mất" })
        #expect(KnowledgeSearch.anyExpression(query, .fts5).contains("\"can cuoc\""))
        #expect(KnowledgeSearch.anyExpression(query, .tsquery).contains("(can <-> cuoc)"))
    }

    @Test("NFD and NFC input read the same; a typo finds the nearest known word; joined words are split")
    func typedForms() {
        let nfc = KnowledgeSearch.parse("tạm trú", corpus: Self.corpus)
        let nfd = KnowledgeSearch.parse("tạm trú".decomposedStringWithCanonicalMapping, corpus: Self.corpus)
        #expect(nfc == nfd)
        let typo = KnowledgeSearch.parse("can cuox", corpus: Self.corpus)
        #expect(typo.terms.last?.alternatives.map(\.words).contains(["cuoc"]) == true)
        let joined = KnowledgeSearch.parse("cancuoc", corpus: Self.corpus)
        #expect(joined.terms.first?.alternatives.map(\.words).contains(["can", "cuoc"]) == true)
    }

    @Test("Every query word found ranks above some; word order does not matter")
    func coverageAndOrder() throws {
        let query = KnowledgeSearch.parse("mat can cuoc", corpus: Self.corpus)
        let reissue = try #require(KnowledgeSearch.score(query, Self.documents[0], corpus: Self.corpus))
        #expect(KnowledgeSearch.score(query, Self.documents[1], corpus: Self.corpus) == nil)
        let reordered = KnowledgeSearch.parse("can cuoc mat", corpus: Self.corpus)
        #expect(abs(try #require(KnowledgeSearch.score(reordered, Self.documents[0], corpus: Self.corpus)).score - reissue.score) < 1e-9)
    }

    @Test("Typed with diacritics, the exact spelling ranks first; typed without, both tie")
    func exactDiacritics() throws {
        let exact = KnowledgeSearch.parse("sơn hạ", corpus: Self.corpus)
        let ha = try #require(KnowledgeSearch.score(exact, Self.documents[2], corpus: Self.corpus)).score
        let haDot = try #require(KnowledgeSearch.score(exact, Self.documents[3], corpus: Self.corpus)).score
        #expect(haDot > ha)
        let plain = KnowledgeSearch.parse("son ha", corpus: Self.corpus)
        #expect(KnowledgeSearch.score(plain, Self.documents[2], corpus: Self.corpus)?.score == KnowledgeSearch.score(plain, Self.documents[3], corpus: Self.corpus)?.score)
    }

    @Test("Highlighting marks the words found, whatever their diacritics, and keeps the rest as written")
    func highlight() {
        let segments = KnowledgeSearch.highlight("Cấp lại thẻ Căn cước.", words: ["can", "cuoc"])
        #expect(segments.map(\.text).joined() == "Cấp lại thẻ Căn cước.")
        #expect(segments.filter(\.matched).map(\.text) == ["Căn", "cước"])
        let long = String(repeating: "Một câu dài không liên quan. ", count: 20) + "Cần mang thẻ căn cước."
        let excerpt = KnowledgeSearch.excerpt(long, words: ["cuoc"], length: 60)
        #expect(excerpt.first?.text.hasPrefix("…") == true)
        #expect(excerpt.contains { $0.matched && $0.text == "cước" })
    }

    @Test("Answers are looked for with every term first, then any two, then any; a term matches through its alternatives")
    func candidateExpressions() {
        let corpus = KnowledgeSearch.Corpus([KnowledgeSearch.Document(title: "Cấp lại thẻ căn cước", summary: "Khi bị mất thẻ", body: "")])
        let query = KnowledgeSearch.parse("cccd mất ví", corpus: corpus)
        let fts = KnowledgeSearch.candidateExpressions(query, .fts5)
        #expect(fts.count == 3)
        #expect(fts[0].hasPrefix("(\"cccd\" OR ") && fts[0].contains("\"can cuoc\"") && fts[0].contains(" AND (\"mat\") AND (\"vi\""), "\(fts[0])")
        #expect(fts[1].components(separatedBy: ") OR (").count == 3, "three pairs of three terms: \(fts[1])")
        #expect(!fts[2].contains(" AND "))
        let ts = KnowledgeSearch.candidateExpressions(query, .tsquery)
        #expect(ts[0].contains("(can <-> cuoc)") && ts[0].contains(" & "), "\(ts[0])")
        #expect(KnowledgeSearch.candidateExpressions(KnowledgeSearch.parse("passport", corpus: corpus), .fts5).count == 1)
    }

    @Test("An answer rebuilt from the index scores exactly as the answer read afresh")
    func answerFromIndex() {
        let question = "Mất CCCD ở bến xe thì làm lại ở đâu?"
        let answer = "Nộp hồ sơ cấp lại thẻ căn cước trên VNeID hoặc tại công an xã, phường nơi bạn ở; có lệ phí."
        let fresh = KnowledgeSearch.Document(title: question, summary: "", body: answer)
        let rebuilt = KnowledgeSearch.Document(question: question, indexText: fresh.indexText)
        let corpus = KnowledgeSearch.Corpus([fresh])
        for text in ["mat cccd ben xe", "làm lại căn cước", "le phi vneid", "Mất CCCD"] {
            let query = KnowledgeSearch.parse(text, corpus: corpus)
            let a = KnowledgeSearch.score(query, fresh, corpus: corpus), b = KnowledgeSearch.score(query, rebuilt, corpus: corpus)
            #expect(a?.score == b?.score && a?.words == b?.words && a?.terms == b?.terms, "\(text)")
            #expect(a != nil, "\(text)")
        }
    }
}
