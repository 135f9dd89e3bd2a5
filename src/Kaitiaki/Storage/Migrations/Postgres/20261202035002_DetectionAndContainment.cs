using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kaitiaki.Storage.Migrations.Postgres
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
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTime>(
                name: "RemediationRequiredAt",
                table: "AspNetUsers",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ContainmentActions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<int>(type: "integer", nullable: false),
                    AlertId = table.Column<Guid>(type: "uuid", nullable: true),
                    AccountId = table.Column<Guid>(type: "uuid", nullable: true),
                    SessionId = table.Column<Guid>(type: "uuid", nullable: true),
                    Network = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Switch = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    PracticeId = table.Column<Guid>(type: "uuid", nullable: true),
                    AppliedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    AppliedBy = table.Column<Guid>(type: "uuid", nullable: true),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    UndoneAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    UndoneBy = table.Column<Guid>(type: "uuid", nullable: true),
                    Reason = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Evidence = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ContainmentActions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SecurityAlerts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Rule = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Severity = table.Column<int>(type: "integer", nullable: false),
                    Principal = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    AccountId = table.Column<Guid>(type: "uuid", nullable: true),
                    SessionId = table.Column<Guid>(type: "uuid", nullable: true),
                    Network = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    RaisedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Summary = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Evidence = table.Column<byte[]>(type: "bytea", nullable: false),
                    Contained = table.Column<bool>(type: "boolean", nullable: false)
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
