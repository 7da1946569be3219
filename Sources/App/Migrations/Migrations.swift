import Fluent
import Vapor

extension Application {
    /// Every migration, in order. A landed migration is never edited: changes are new files.
    func registerMigrations() {
        migrations.add(SessionRecord.migration)
        migrations.add(CreateAdminAreas())
        migrations.add(CreateUnitLevels())
        migrations.add(CreateUnits())
        migrations.add(CreateUnitClosure())
        migrations.add(CreateAccounts())
        migrations.add(CreateMemberships())
        migrations.add(CreateAPITokens())
        migrations.add(CreateLoginThrottles())
        migrations.add(CreateTipCategories())
        migrations.add(CreateTipRoutingRules())
        migrations.add(CreateTips())
        migrations.add(CreateTipUnits())
        migrations.add(CreateTipMessages())
        migrations.add(CreateAuditLog())
        migrations.add(CreateOutbox())
        migrations.add(CreateNotifications())
        migrations.add(CreateDispatches())
        migrations.add(CreateTipAttachments())
        migrations.add(CreateUnitDailyCounts())
        migrations.add(CreateScamIndicators())
        migrations.add(CreateScamReports())
        migrations.add(CreateTipIndicators())
        migrations.add(CreateHarmfulReports())
        migrations.add(CreateEvidenceFiles())
        migrations.add(CreatePages())
        migrations.add(CreateGroups())
        migrations.add(CreatePosts())
        migrations.add(CreateKnowledgeBase())
        migrations.add(CreateQuestions())
        migrations.add(CreateDossiers())
        migrations.add(CreateEvidenceUploadKeys())
        migrations.add(CreatePageDailyFollowers())
        migrations.add(CreateChannels())
        migrations.add(CreateUnitChanges())
        migrations.add(IndexUnitDailyCountsByMetric())
    }
}
