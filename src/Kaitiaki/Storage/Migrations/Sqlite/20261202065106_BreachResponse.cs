using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kaitiaki.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class BreachResponse : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AgencyContacts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    IncidentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Agency = table.Column<int>(type: "INTEGER", nullable: false),
                    OtherName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    ContactedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ContactPerson = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Reference = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    RecordedBy = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AgencyContacts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "HarmAssessments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    IncidentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Factor = table.Column<int>(type: "INTEGER", nullable: false),
                    Finding = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    RecordedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    RecordedBy = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_HarmAssessments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "HelplineCalls",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    AgentAccountId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    IncidentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    StatusGiven = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_HelplineCalls", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Incidents",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    AwareAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    AlertId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ContactName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    ContactEmail = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    ContactPhone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    CommissionerNotifiedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ClosedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Incidents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PracticeApprovals",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    IncidentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PracticeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    ApprovedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ApprovedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    Late = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PracticeApprovals", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ScopeDocuments",
                columns: table => new
                {
                    ScopeVersionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DocumentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Disclosure = table.Column<int>(type: "INTEGER", nullable: false),
                    FirstAccessedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastAccessedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScopeDocuments", x => new { x.ScopeVersionId, x.DocumentId });
                });

            migrationBuilder.CreateTable(
                name: "ScopePatients",
                columns: table => new
                {
                    ScopeVersionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Disclosure = table.Column<int>(type: "INTEGER", nullable: false),
                    Documents = table.Column<int>(type: "INTEGER", nullable: false),
                    FirstAccessedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastAccessedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScopePatients", x => new { x.ScopeVersionId, x.PatientId });
                });

            migrationBuilder.CreateTable(
                name: "ScopePractices",
                columns: table => new
                {
                    ScopeVersionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PracticeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AtAccess = table.Column<bool>(type: "INTEGER", nullable: false),
                    Now = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScopePractices", x => new { x.ScopeVersionId, x.PracticeId, x.PatientId });
                });

            migrationBuilder.CreateTable(
                name: "ScopeVersions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    IncidentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    Filter = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    FrozenAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    FrozenBy = table.Column<Guid>(type: "TEXT", nullable: true),
                    ReviewDueAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Patients = table.Column<int>(type: "INTEGER", nullable: false),
                    Documents = table.Column<int>(type: "INTEGER", nullable: false),
                    ContentDocuments = table.Column<int>(type: "INTEGER", nullable: false),
                    MetadataDocuments = table.Column<int>(type: "INTEGER", nullable: false),
                    Practices = table.Column<int>(type: "INTEGER", nullable: false),
                    EventsMatched = table.Column<long>(type: "INTEGER", nullable: false),
                    TrailVerified = table.Column<bool>(type: "INTEGER", nullable: false),
                    TrailMessage = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScopeVersions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TimelineEntries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    IncidentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    By = table.Column<Guid>(type: "TEXT", nullable: true),
                    RefId = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TimelineEntries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "VerificationPhrases",
                columns: table => new
                {
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Phrase = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_VerificationPhrases", x => x.PatientId);
                });

            migrationBuilder.CreateTable(
                name: "VulnerableFlags",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    IncidentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PracticeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PatientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    FlaggedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    FlaggedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    RemovedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RemovedBy = table.Column<Guid>(type: "TEXT", nullable: true),
                    ReleasedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_VulnerableFlags", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AgencyContacts_IncidentId",
                table: "AgencyContacts",
                column: "IncidentId");

            migrationBuilder.CreateIndex(
                name: "IX_HarmAssessments_IncidentId_Factor_RecordedAt",
                table: "HarmAssessments",
                columns: new[] { "IncidentId", "Factor", "RecordedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_HelplineCalls_AgentAccountId_At",
                table: "HelplineCalls",
                columns: new[] { "AgentAccountId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_HelplineCalls_PatientId",
                table: "HelplineCalls",
                column: "PatientId");

            migrationBuilder.CreateIndex(
                name: "IX_PracticeApprovals_IncidentId_PracticeId_Version",
                table: "PracticeApprovals",
                columns: new[] { "IncidentId", "PracticeId", "Version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ScopeDocuments_ScopeVersionId_PatientId",
                table: "ScopeDocuments",
                columns: new[] { "ScopeVersionId", "PatientId" });

            migrationBuilder.CreateIndex(
                name: "IX_ScopePatients_PatientId",
                table: "ScopePatients",
                column: "PatientId");

            migrationBuilder.CreateIndex(
                name: "IX_ScopeVersions_IncidentId_Version",
                table: "ScopeVersions",
                columns: new[] { "IncidentId", "Version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_TimelineEntries_IncidentId_At",
                table: "TimelineEntries",
                columns: new[] { "IncidentId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_VerificationPhrases_Phrase",
                table: "VerificationPhrases",
                column: "Phrase",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_VulnerableFlags_IncidentId_PracticeId_PatientId",
                table: "VulnerableFlags",
                columns: new[] { "IncidentId", "PracticeId", "PatientId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AgencyContacts");

            migrationBuilder.DropTable(
                name: "HarmAssessments");

            migrationBuilder.DropTable(
                name: "HelplineCalls");

            migrationBuilder.DropTable(
                name: "Incidents");

            migrationBuilder.DropTable(
                name: "PracticeApprovals");

            migrationBuilder.DropTable(
                name: "ScopeDocuments");

            migrationBuilder.DropTable(
                name: "ScopePatients");

            migrationBuilder.DropTable(
                name: "ScopePractices");

            migrationBuilder.DropTable(
                name: "ScopeVersions");

            migrationBuilder.DropTable(
                name: "TimelineEntries");

            migrationBuilder.DropTable(
                name: "VerificationPhrases");

            migrationBuilder.DropTable(
                name: "VulnerableFlags");
        }
    }
}
