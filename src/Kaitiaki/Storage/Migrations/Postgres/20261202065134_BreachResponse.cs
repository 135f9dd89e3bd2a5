using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kaitiaki.Storage.Migrations.Postgres
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Agency = table.Column<int>(type: "integer", nullable: false),
                    OtherName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    ContactedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ContactPerson = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Reference = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    RecordedBy = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AgencyContacts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "HarmAssessments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Factor = table.Column<int>(type: "integer", nullable: false),
                    Finding = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    Reason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    RecordedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    RecordedBy = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_HarmAssessments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "HelplineCalls",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    AgentAccountId = table.Column<Guid>(type: "uuid", nullable: false),
                    PatientId = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: true),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    StatusGiven = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_HelplineCalls", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Incidents",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    AwareAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<Guid>(type: "uuid", nullable: false),
                    AlertId = table.Column<Guid>(type: "uuid", nullable: true),
                    ContactName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    ContactEmail = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    ContactPhone = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    CommissionerNotifiedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ClosedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Incidents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PracticeApprovals",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    PracticeId = table.Column<Guid>(type: "uuid", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    ApprovedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ApprovedBy = table.Column<Guid>(type: "uuid", nullable: false),
                    Late = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PracticeApprovals", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ScopeDocuments",
                columns: table => new
                {
                    ScopeVersionId = table.Column<Guid>(type: "uuid", nullable: false),
                    DocumentId = table.Column<Guid>(type: "uuid", nullable: false),
                    PatientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Disclosure = table.Column<int>(type: "integer", nullable: false),
                    FirstAccessedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastAccessedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScopeDocuments", x => new { x.ScopeVersionId, x.DocumentId });
                });

            migrationBuilder.CreateTable(
                name: "ScopePatients",
                columns: table => new
                {
                    ScopeVersionId = table.Column<Guid>(type: "uuid", nullable: false),
                    PatientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Disclosure = table.Column<int>(type: "integer", nullable: false),
                    Documents = table.Column<int>(type: "integer", nullable: false),
                    FirstAccessedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastAccessedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScopePatients", x => new { x.ScopeVersionId, x.PatientId });
                });

            migrationBuilder.CreateTable(
                name: "ScopePractices",
                columns: table => new
                {
                    ScopeVersionId = table.Column<Guid>(type: "uuid", nullable: false),
                    PracticeId = table.Column<Guid>(type: "uuid", nullable: false),
                    PatientId = table.Column<Guid>(type: "uuid", nullable: false),
                    AtAccess = table.Column<bool>(type: "boolean", nullable: false),
                    Now = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScopePractices", x => new { x.ScopeVersionId, x.PracticeId, x.PatientId });
                });

            migrationBuilder.CreateTable(
                name: "ScopeVersions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    Filter = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<Guid>(type: "uuid", nullable: false),
                    FrozenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    FrozenBy = table.Column<Guid>(type: "uuid", nullable: true),
                    ReviewDueAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Patients = table.Column<int>(type: "integer", nullable: false),
                    Documents = table.Column<int>(type: "integer", nullable: false),
                    ContentDocuments = table.Column<int>(type: "integer", nullable: false),
                    MetadataDocuments = table.Column<int>(type: "integer", nullable: false),
                    Practices = table.Column<int>(type: "integer", nullable: false),
                    EventsMatched = table.Column<long>(type: "bigint", nullable: false),
                    TrailVerified = table.Column<bool>(type: "boolean", nullable: false),
                    TrailMessage = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScopeVersions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TimelineEntries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Kind = table.Column<int>(type: "integer", nullable: false),
                    Text = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    By = table.Column<Guid>(type: "uuid", nullable: true),
                    RefId = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TimelineEntries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "VerificationPhrases",
                columns: table => new
                {
                    PatientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Phrase = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_VerificationPhrases", x => x.PatientId);
                });

            migrationBuilder.CreateTable(
                name: "VulnerableFlags",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    PracticeId = table.Column<Guid>(type: "uuid", nullable: false),
                    PatientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    Reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    FlaggedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    FlaggedBy = table.Column<Guid>(type: "uuid", nullable: false),
                    RemovedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    RemovedBy = table.Column<Guid>(type: "uuid", nullable: true),
                    ReleasedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
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
