using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kaitiaki.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ScopePracticesByPatient : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_ScopePractices_ScopeVersionId_PatientId",
                table: "ScopePractices",
                columns: new[] { "ScopeVersionId", "PatientId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ScopePractices_ScopeVersionId_PatientId",
                table: "ScopePractices");
        }
    }
}
