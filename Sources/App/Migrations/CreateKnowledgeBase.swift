import Fluent
import SQLKit

/// The procedures knowledge base: one article per administrative procedure (with every earlier
/// wording kept), the public answers attached to articles, and their search indexes.
///
/// The indexes hold folded text (`KnowledgeSearch.Document.indexText`), written by the app in the
/// same transaction as the row: FTS5 tables on SQLite, a tsvector with a GIN index on PostgreSQL.
struct CreateKnowledgeBase: AsyncMigration {
    var name: String { "2026-12-01-09-create-knowledge-base" }

    func prepare(on database: any Database) async throws {
        try await database.schema("procedures")
            .id()
            .field("slug", .string, .required)
            .field("title", .string, .required)
            .field("summary", .string, .required)
            .field("keywords", .array(of: .string), .required)
            .field("audience", .string, .required)
            .field("documents", .array(of: .string), .required)
            .field("filing", .string, .required)
            .field("fee", .string, .required)
            .field("processing_time", .string, .required)
            .field("legal_basis", .array(of: .string), .required)
            .field("steps", .array(of: .string), .required)
            .field("checked_on", .string, .required)
            .field("revision", .int, .required)
            .field("updated_at", .datetime, .required)
            .field("updated_by", .uuid, .references("accounts", "id"))
            .unique(on: "slug")
            .create()
        try await database.schema("procedure_revisions")
            .id()
            .field("procedure_id", .uuid, .required, .references("procedures", "id"))
            .field("revision", .int, .required)
            .field("content", .string, .required)
            .field("note", .string, .required)
            .field("edited_by", .uuid, .references("accounts", "id"))
            .field("created_at", .datetime, .required)
            .unique(on: "procedure_id", "revision")
            .create()
        try await database.schema("faqs")
            .id()
            .field("procedure_id", .uuid, .required, .references("procedures", "id"))
            .field("question", .string, .required)
            .field("answer", .string, .required)
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("source_question_id", .uuid)
            .field("published_by", .uuid, .references("accounts", "id"))
            .field("published_at", .datetime, .required)
            .create()
        try await database.sqlIndex(on: "faqs", name: "faqs_procedure", columns: ["procedure_id", "published_at"])

        let sql = try database.requireSQL()
        for table in ["procedure_search", "faq_search"] {
            if sql.dialect.name == "postgresql" {
                try await sql.raw("""
                    CREATE TABLE \(ident: table) (ref UUID PRIMARY KEY, revision INTEGER NOT NULL, body TEXT NOT NULL,
                    terms TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED)
                    """).run()
                try await sql.raw("CREATE INDEX \(ident: table + "_terms") ON \(ident: table) USING GIN (terms)").run()
            } else {
                // The text is folded already, so the tokenizer only splits it.
                try await sql.raw("""
                    CREATE VIRTUAL TABLE \(ident: table) USING fts5(body, ref UNINDEXED, revision UNINDEXED, tokenize = 'unicode61 remove_diacritics 0')
                    """).run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        let sql = try database.requireSQL()
        for table in ["faq_search", "procedure_search"] { try await sql.raw("DROP TABLE \(ident: table)").run() }
        try await database.schema("faqs").delete()
        try await database.schema("procedure_revisions").delete()
        try await database.schema("procedures").delete()
    }
}
