using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kaitiaki.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AccessStateTriggers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Every write to a table marked [AccessState] moves the access revision in the same transaction, whoever makes it
            // (EF, ExecuteUpdate, raw SQL, another process). This is the SQL AccessStateTriggers.CreateSql gave for the marks
            // of this version; a later mark needs a migration of its own (AccessStateTests checks the database has them all).
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_aspnetusers_update AFTER UPDATE OF "LockoutEnd", "Kind", "PatientId", "OperatorRole", "DisplayName" ON "AspNetUsers" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_aspnetusers_delete AFTER DELETE ON "AspNetUsers" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_sessions_update AFTER UPDATE OF "RevokedAt", "AccountId" ON "Sessions" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_sessions_delete AFTER DELETE ON "Sessions" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_practices_update AFTER UPDATE ON "Practices" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_practices_delete AFTER DELETE ON "Practices" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_patients_update AFTER UPDATE ON "Patients" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_patients_delete AFTER DELETE ON "Patients" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_enrolments_update AFTER UPDATE ON "Enrolments" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_enrolments_delete AFTER DELETE ON "Enrolments" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_enrolments_insert AFTER INSERT ON "Enrolments" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_staffmemberships_update AFTER UPDATE ON "StaffMemberships" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_staffmemberships_delete AFTER DELETE ON "StaffMemberships" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_staffmemberships_insert AFTER INSERT ON "StaffMemberships" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_proxygrants_update AFTER UPDATE ON "ProxyGrants" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_proxygrants_delete AFTER DELETE ON "ProxyGrants" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_proxygrants_insert AFTER INSERT ON "ProxyGrants" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_documents_update AFTER UPDATE ON "Documents" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_documents_delete AFTER DELETE ON "Documents" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_aspnetusers_update;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_aspnetusers_delete;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_sessions_update;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_sessions_delete;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_practices_update;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_practices_delete;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_patients_update;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_patients_delete;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_enrolments_update;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_enrolments_delete;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_enrolments_insert;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_staffmemberships_update;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_staffmemberships_delete;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_staffmemberships_insert;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_proxygrants_update;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_proxygrants_delete;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_proxygrants_insert;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_documents_update;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_documents_delete;
                """);
        }
    }
}
