using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kaitiaki.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ScopeCoveringIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ScopeDocuments_ScopeVersionId_PatientId",
                table: "ScopeDocuments");

            migrationBuilder.CreateIndex(
                name: "IX_ScopePractices_ScopeVersionId_PatientId_PracticeId_AtAccess~",
                table: "ScopePractices",
                columns: new[] { "ScopeVersionId", "PatientId", "PracticeId", "AtAccess", "Now" });

            migrationBuilder.CreateIndex(
                name: "IX_ScopeDocuments_ScopeVersionId_PatientId_DocumentId",
                table: "ScopeDocuments",
                columns: new[] { "ScopeVersionId", "PatientId", "DocumentId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ScopePractices_ScopeVersionId_PatientId_PracticeId_AtAccess~",
                table: "ScopePractices");

            migrationBuilder.DropIndex(
                name: "IX_ScopeDocuments_ScopeVersionId_PatientId_DocumentId",
                table: "ScopeDocuments");

            migrationBuilder.CreateIndex(
                name: "IX_ScopeDocuments_ScopeVersionId_PatientId",
                table: "ScopeDocuments",
                columns: new[] { "ScopeVersionId", "PatientId" });
        }
    }
}
