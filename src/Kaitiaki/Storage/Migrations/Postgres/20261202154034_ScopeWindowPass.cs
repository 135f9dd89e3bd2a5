using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kaitiaki.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ScopeWindowPass : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_ScopeDocuments",
                table: "ScopeDocuments");

            migrationBuilder.DropIndex(
                name: "IX_ScopeDocuments_ScopeVersionId_PatientId_DocumentId",
                table: "ScopeDocuments");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_OccurredAt",
                table: "AuditEvents");

            migrationBuilder.AddPrimaryKey(
                name: "PK_ScopeDocuments",
                table: "ScopeDocuments",
                columns: new[] { "ScopeVersionId", "PatientId", "DocumentId" });

            migrationBuilder.CreateIndex(
                name: "IX_Patients_IsDecoy",
                table: "Patients",
                column: "IsDecoy",
                filter: "\"IsDecoy\"");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_OccurredAt_Sequence",
                table: "AuditEvents",
                columns: new[] { "OccurredAt", "Sequence" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_ScopeDocuments",
                table: "ScopeDocuments");

            migrationBuilder.DropIndex(
                name: "IX_Patients_IsDecoy",
                table: "Patients");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_OccurredAt_Sequence",
                table: "AuditEvents");

            migrationBuilder.AddPrimaryKey(
                name: "PK_ScopeDocuments",
                table: "ScopeDocuments",
                columns: new[] { "ScopeVersionId", "DocumentId" });

            migrationBuilder.CreateIndex(
                name: "IX_ScopeDocuments_ScopeVersionId_PatientId_DocumentId",
                table: "ScopeDocuments",
                columns: new[] { "ScopeVersionId", "PatientId", "DocumentId" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_OccurredAt",
                table: "AuditEvents",
                column: "OccurredAt");
        }
    }
}
