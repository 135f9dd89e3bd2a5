using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kaitiaki.Storage.Migrations.Postgres
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
                CREATE OR REPLACE FUNCTION kaitiaki_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; RETURN NULL; END $$;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_aspnetusers_update AFTER UPDATE OF "LockoutEnd", "Kind", "PatientId", "OperatorRole", "DisplayName" ON "AspNetUsers" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_aspnetusers_delete AFTER DELETE ON "AspNetUsers" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_sessions_update AFTER UPDATE OF "RevokedAt", "AccountId" ON "Sessions" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_sessions_delete AFTER DELETE ON "Sessions" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_practices_update AFTER UPDATE ON "Practices" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_practices_delete AFTER DELETE ON "Practices" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_patients_update AFTER UPDATE ON "Patients" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_patients_delete AFTER DELETE ON "Patients" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_enrolments_update AFTER UPDATE ON "Enrolments" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_enrolments_delete AFTER DELETE ON "Enrolments" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_enrolments_insert AFTER INSERT ON "Enrolments" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_staffmemberships_update AFTER UPDATE ON "StaffMemberships" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_staffmemberships_delete AFTER DELETE ON "StaffMemberships" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_staffmemberships_insert AFTER INSERT ON "StaffMemberships" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_proxygrants_update AFTER UPDATE ON "ProxyGrants" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_proxygrants_delete AFTER DELETE ON "ProxyGrants" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_proxygrants_insert AFTER INSERT ON "ProxyGrants" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_documents_update AFTER UPDATE ON "Documents" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_documents_delete AFTER DELETE ON "Documents" FOR EACH STATEMENT EXECUTE FUNCTION kaitiaki_access_changed();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_aspnetusers_update ON "AspNetUsers";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_aspnetusers_delete ON "AspNetUsers";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_sessions_update ON "Sessions";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_sessions_delete ON "Sessions";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_practices_update ON "Practices";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_practices_delete ON "Practices";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_patients_update ON "Patients";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_patients_delete ON "Patients";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_enrolments_update ON "Enrolments";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_enrolments_delete ON "Enrolments";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_enrolments_insert ON "Enrolments";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_staffmemberships_update ON "StaffMemberships";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_staffmemberships_delete ON "StaffMemberships";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_staffmemberships_insert ON "StaffMemberships";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_proxygrants_update ON "ProxyGrants";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_proxygrants_delete ON "ProxyGrants";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_proxygrants_insert ON "ProxyGrants";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_documents_update ON "Documents";
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_documents_delete ON "Documents";
                """);
            migrationBuilder.Sql("""
                DROP FUNCTION IF EXISTS kaitiaki_access_changed();
                """);
        }
    }
}
