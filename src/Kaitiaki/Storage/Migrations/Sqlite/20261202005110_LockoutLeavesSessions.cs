using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kaitiaki.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LockoutLeavesSessions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A lockout no longer ends live sessions (it pauses new sign-ins only), so LockoutEnd decides no access any more
            // and a lockout must not make every remembered decision be taken again. The trigger is remade without it.
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_aspnetusers_update;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_aspnetusers_update AFTER UPDATE OF "Kind", "PatientId", "OperatorRole", "DisplayName" ON "AspNetUsers" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS access_state_aspnetusers_update;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER access_state_aspnetusers_update AFTER UPDATE OF "LockoutEnd", "Kind", "PatientId", "OperatorRole", "DisplayName" ON "AspNetUsers" BEGIN UPDATE "AccessRevisions" SET "Value" = "Value" + 1 WHERE "Id" = 1; END;
                """);
        }
    }
}
