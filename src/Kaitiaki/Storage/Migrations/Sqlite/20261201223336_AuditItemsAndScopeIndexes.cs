using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kaitiaki.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AuditItemsAndScopeIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Format",
                table: "AuditEvents",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1); // events written before this migration were sealed in canonical form 1

            migrationBuilder.AddColumn<byte[]>(
                name: "Items",
                table: "AuditEvents",
                type: "BLOB",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_ActorAccountId_OccurredAt",
                table: "AuditEvents",
                columns: new[] { "ActorAccountId", "OccurredAt" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_IpAddress_OccurredAt",
                table: "AuditEvents",
                columns: new[] { "IpAddress", "OccurredAt" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_PatientId_OccurredAt",
                table: "AuditEvents",
                columns: new[] { "PatientId", "OccurredAt" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_SessionId",
                table: "AuditEvents",
                column: "SessionId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_ActorAccountId_OccurredAt",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_IpAddress_OccurredAt",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_PatientId_OccurredAt",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_SessionId",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "Format",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "Items",
                table: "AuditEvents");
        }
    }
}
