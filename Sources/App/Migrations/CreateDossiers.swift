import Fluent

/// Citizens' dossiers for procedures and the steps each went through.
struct CreateDossiers: AsyncMigration {
    var name: String { "2026-12-01-11-create-dossiers" }

    func prepare(on database: any Database) async throws {
        try await database.schema("dossiers")
            .id()
            .field("reference", .string, .required)
            .field("applicant_id", .uuid, .required, .references("accounts", "id"))
            .field("procedure_id", .uuid, .required, .references("procedures", "id"))
            .field("unit_id", .uuid, .required, .references("units", "id"))
            .field("area_id", .uuid, .references("admin_areas", "id"))
            .field("note", .string, .required)
            .field("status", .string, .required)
            .field("appointment_at", .datetime)
            .field("appointment_place", .string)
            .field("channel", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("closed_at", .datetime)
            .unique(on: "reference")
            .create()
        try await database.sqlIndex(on: "dossiers", name: "dossiers_unit", columns: ["unit_id", "status", "updated_at"])
        try await database.sqlIndex(on: "dossiers", name: "dossiers_applicant", columns: ["applicant_id", "created_at"])
        try await database.sqlIndex(on: "dossiers", name: "dossiers_procedure", columns: ["procedure_id", "created_at"])
        try await database.schema("dossier_steps")
            .id()
            .field("dossier_id", .uuid, .required, .references("dossiers", "id"))
            .field("from_status", .string)
            .field("status", .string, .required)
            .field("message", .string, .required)
            .field("appointment_at", .datetime)
            .field("appointment_place", .string)
            .field("actor_id", .uuid, .required, .references("accounts", "id"))
            .field("by_citizen", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.sqlIndex(on: "dossier_steps", name: "dossier_steps_dossier", columns: ["dossier_id", "created_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("dossier_steps").delete()
        try await database.schema("dossiers").delete()
    }
}
