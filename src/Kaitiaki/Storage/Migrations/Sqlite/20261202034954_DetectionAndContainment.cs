using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kaitiaki.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DetectionAndContainment : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "IsDecoy",
                table: "Patients",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTime>(
                name: "RemediationRequiredAt",
                table: "AspNetUsers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ContainmentActions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    AlertId = table.Column<Guid>(type: "TEXT", nullable: true),
                    AccountId = table.Column<Guid>(type: "TEXT", nullable: true),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Network = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Switch = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    PracticeId = table.Column<Guid>(type: "TEXT", nullable: true),
                    AppliedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    AppliedBy = table.Column<Guid>(type: "TEXT", nullable: true),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    UndoneAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    UndoneBy = table.Column<Guid>(type: "TEXT", nullable: true),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Evidence = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ContainmentActions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SecurityAlerts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Rule = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Severity = table.Column<int>(type: "INTEGER", nullable: false),
                    Principal = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    AccountId = table.Column<Guid>(type: "TEXT", nullable: true),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Network = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    RaisedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Summary = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Evidence = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Contained = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SecurityAlerts", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ContainmentActions_AlertId",
                table: "ContainmentActions",
                column: "AlertId");

            migrationBuilder.CreateIndex(
                name: "IX_ContainmentActions_AppliedAt",
                table: "ContainmentActions",
                column: "AppliedAt");

            migrationBuilder.CreateIndex(
                name: "IX_ContainmentActions_Kind_UndoneAt",
                table: "ContainmentActions",
                columns: new[] { "Kind", "UndoneAt" });

            migrationBuilder.CreateIndex(
                name: "IX_SecurityAlerts_RaisedAt",
                table: "SecurityAlerts",
                column: "RaisedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ContainmentActions");

            migrationBuilder.DropTable(
                name: "SecurityAlerts");

            migrationBuilder.DropColumn(
                name: "IsDecoy",
                table: "Patients");

            migrationBuilder.DropColumn(
                name: "RemediationRequiredAt",
                table: "AspNetUsers");
        }
    }
}
