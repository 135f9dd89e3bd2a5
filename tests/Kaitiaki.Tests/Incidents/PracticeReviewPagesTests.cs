using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kaitiaki.Audit;
using Kaitiaki.Incidents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Incidents;

/// <summary>One portal for the class with the detector observing only, since every world has a clinician read its patients' documents.</summary>
public sealed class ReviewObservedPortal : IAsyncLifetime
{
    internal TestPortal Portal { get; private set; } = null!;

    public async Task InitializeAsync() => Portal = await TestPortal.StartAsync(settings: new Dictionary<string, string>(PracticeReviewWorld.Settings));

    public async Task DisposeAsync() => await Portal.DisposeAsync();
}

/// <summary>
/// A practice's review of a breach on its pages (/practice/incidents): the plain answer, its patients by version,
/// flags for clinician-led contact, approval and its deadline, the CSV export, and the incident manager's view of
/// approvals. Every refusal is shown to be a refusal that saved nothing.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PracticeReviewPagesTests(ReviewObservedPortal shared) : IClassFixture<ReviewObservedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Privacy_officer_sees_the_answer_flags_one_patient_and_approves_the_frozen_version()
    {
        var world = await PracticeReviewWorld.BuildAsync(_portal);
        var web = await _portal.SignInWebAsync(world.PrivacyOfficer);

        var home = await (await web.GetAsync("/practice")).Content.ReadAsStringAsync();
        Assert.Contains($"href=\"/practice/incidents?practiceId={world.Practice.Id}\"", home, StringComparison.Ordinal);

        var answer = await PageAsync(web, $"/practice/incidents?practiceId={world.Practice.Id}");
        var section = Section(answer, world.IncidentId);
        Assert.Contains("data-answer=\"yes\"", section, StringComparison.Ordinal);
        Assert.Contains("Version 1 (frozen) lists 3 patients of yours", section, StringComparison.Ordinal);
        Assert.Contains("To approve", section, StringComparison.Ordinal);
        Assert.Contains("(1 day and 23 hours left)", section, StringComparison.Ordinal);

        var list = await PageAsync(web, world.IncidentPage);
        Assert.Contains("Your patients in Version 1 (frozen)", list, StringComparison.Ordinal);
        Assert.Equal(3, Count(list, "data-patient="));
        Assert.Contains("Content", Row(list, world.PatientIds[0]), StringComparison.Ordinal);
        Assert.Contains("Metadata only", Row(list, world.PatientIds[1]), StringComparison.Ordinal);
        Assert.Contains("At the time of access, and now", Row(list, world.PatientIds[1]), StringComparison.Ordinal);

        // Opening the flag form, flagging two, and removing one of those flags again.
        var form = await PageAsync(web, world.IncidentPage + $"&version=1&flag={world.PatientIds[1]}");
        Assert.Contains("Flag Bella Test", form, StringComparison.Ordinal);
        var flagged = await PostAsync(web, world, "Flag", new() { ["patientId"] = world.PatientIds[1].ToString(), ["reason"] = "  Recent diagnosis, not yet talked through.  " });
        Assert.Equal(HttpStatusCode.Redirect, flagged.StatusCode);
        Assert.Contains("done=flagged", flagged.Headers.Location!.OriginalString, StringComparison.Ordinal);
        await PostAsync(web, world, "Flag", new() { ["patientId"] = world.PatientIds[2].ToString(), ["reason"] = "Family violence risk." });
        var unflagged = await PostAsync(web, world, "Unflag", new() { ["patientId"] = world.PatientIds[2].ToString() });
        Assert.Equal(HttpStatusCode.Redirect, unflagged.StatusCode);

        list = await PageAsync(web, world.IncidentPage);
        Assert.Contains("Recent diagnosis, not yet talked through.", Row(list, world.PatientIds[1]), StringComparison.Ordinal);
        Assert.Contains("Remove flag", Row(list, world.PatientIds[1]), StringComparison.Ordinal);
        Assert.Contains("Not flagged", Row(list, world.PatientIds[2]), StringComparison.Ordinal);

        var approved = await PostAsync(web, world, "Approve", []);
        Assert.Equal(HttpStatusCode.Redirect, approved.StatusCode);
        Assert.Contains("done=approved", approved.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain("approved-late", approved.Headers.Location!.OriginalString, StringComparison.Ordinal);
        list = await PageAsync(web, approved.Headers.Location!.OriginalString);
        Assert.Contains("You've approved version 1.", list, StringComparison.Ordinal);
        Assert.Contains("You approved Version 1 (frozen) on", list, StringComparison.Ordinal);
        Assert.DoesNotContain(">Approve version 1<", list, StringComparison.Ordinal);
        Assert.Contains("Approved", Section(await PageAsync(web, $"/practice/incidents?practiceId={world.Practice.Id}"), world.IncidentId), StringComparison.Ordinal);

        var (flags, approvals) = await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            return (await db.VulnerableFlags.Where(f => f.IncidentId == world.IncidentId).OrderBy(f => f.RemovedAt != null).ThenBy(f => f.FlaggedAt).ToListAsync(),
                await db.PracticeApprovals.Where(a => a.IncidentId == world.IncidentId).ToListAsync());
        });
        Assert.Equal(2, flags.Count);
        Assert.Equal(("Recent diagnosis, not yet talked through.", (DateTime?)null), (flags[0].Reason, flags[0].RemovedAt));
        Assert.NotNull(flags[1].RemovedAt); // the removed flag keeps its row
        var approval = Assert.Single(approvals);
        Assert.Equal((world.Practice.Id, 1, world.PrivacyOfficer.AccountId, false), (approval.PracticeId, approval.Version, approval.ApprovedBy, approval.Late));

        var manager = await _portal.SignInApiAsync(world.Manager);
        var state = Practice(await manager.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{world.IncidentId}/approvals"), world.Practice.Id);
        Assert.True(state.GetProperty("approved").GetBoolean());
        Assert.False(state.GetProperty("late").GetBoolean());
        Assert.Equal(1, state.GetProperty("openFlags").GetInt32());
        Assert.Equal(3, state.GetProperty("patients").GetInt32());
    }

    [Fact]
    public async Task Approving_a_draft_is_refused_and_the_page_offers_no_approve_button()
    {
        var world = await PracticeReviewWorld.BuildAsync(_portal, freeze: false);
        var web = await _portal.SignInWebAsync(world.Administrator);

        var list = await PageAsync(web, world.IncidentPage);
        Assert.Contains("Your patients in Version 1 (draft)", list, StringComparison.Ordinal);
        Assert.Contains("is a draft: the incident manager may still change it", list, StringComparison.Ordinal);
        Assert.DoesNotContain(">Approve version 1<", list, StringComparison.Ordinal);
        Assert.Contains("data-answer=\"yes\"", Section(await PageAsync(web, $"/practice/incidents?practiceId={world.Practice.Id}"), world.IncidentId), StringComparison.Ordinal);

        // Posted anyway, as a stale page or a crafted form would.
        var refused = await PostAsync(web, world, "Approve", []);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("Version 1 is still a draft", await WebForms.ErrorSummaryAsync(refused), StringComparison.Ordinal);
        // A version the incident does not have is no version to review: 404, like a missing page.
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(web, world, "Approve", [], version: "7")).StatusCode);
        Assert.False(await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().PracticeApprovals.AnyAsync(a => a.IncidentId == world.IncidentId)));

        // Flags may be set on a draft: the practice need not wait for the freeze to protect someone.
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(web, world, "Flag", new() { ["patientId"] = world.PatientIds[0].ToString(), ["reason"] = "Frail." })).StatusCode);
    }

    [Fact]
    public async Task A_flag_without_a_reason_or_with_too_long_a_reason_is_refused_and_nothing_is_saved()
    {
        var world = await PracticeReviewWorld.BuildAsync(_portal);
        var web = await _portal.SignInWebAsync(world.PrivacyOfficer);

        foreach (var reason in new[] { "", "   ", "\n\t" })
        {
            var refused = await PostAsync(web, world, "Flag", new() { ["patientId"] = world.PatientIds[0].ToString(), ["reason"] = reason });
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            var html = await refused.Content.ReadAsStringAsync();
            Assert.Contains("Say why Aroha Test needs clinician-led contact", await WebForms.ErrorSummaryAsync(refused), StringComparison.Ordinal);
            Assert.Contains("href=\"#reason\"", html, StringComparison.Ordinal); // the summary leads to the field
            Assert.Contains("govuk-form-group--error", html, StringComparison.Ordinal); // and the form stays open to fix it
        }
        var tooLong = await PostAsync(web, world, "Flag", new() { ["patientId"] = world.PatientIds[0].ToString(), ["reason"] = new string('a', 1001) });
        Assert.Contains("1,000 characters or fewer", await WebForms.ErrorSummaryAsync(tooLong), StringComparison.Ordinal);
        Assert.Contains(new string('a', 1001), await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal); // what they typed is kept

        Assert.False(await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().VulnerableFlags.AnyAsync(f => f.IncidentId == world.IncidentId)));
    }

    [Fact]
    public async Task A_flag_for_a_patient_outside_the_practices_slice_is_refused_and_nothing_is_saved()
    {
        var world = await PracticeReviewWorld.BuildAsync(_portal);
        var elsewhere = await _portal.CreatePracticeAsync("Elsewhere Health");
        var stranger = await PracticeReviewWorld.RegisterAsync(_portal, elsewhere, "Someone", "Else");
        var unaffected = await PracticeReviewWorld.RegisterAsync(_portal, world.Practice, "Not", "Affected");
        var web = await _portal.SignInWebAsync(world.PrivacyOfficer);

        // Another practice's patient, this practice's patient who is not in the scope, and an id nobody has.
        foreach (var patientId in new[] { stranger, unaffected, Guid.NewGuid() })
        {
            var refused = await PostAsync(web, world, "Flag", new() { ["patientId"] = patientId.ToString(), ["reason"] = "Vulnerable." });
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            Assert.Contains("That patient is not among Harbour Practice's patients in Version 1 (frozen)", await WebForms.ErrorSummaryAsync(refused), StringComparison.Ordinal);
            var unflag = await PostAsync(web, world, "Unflag", new() { ["patientId"] = patientId.ToString() });
            Assert.Contains("not among", await WebForms.ErrorSummaryAsync(unflag), StringComparison.Ordinal);
        }
        // No patient at all.
        Assert.Contains("Say why this patient", await WebForms.ErrorSummaryAsync(await PostAsync(web, world, "Flag", new() { ["reason"] = "" })), StringComparison.Ordinal);
        Assert.Contains("Choose the patient to flag", await WebForms.ErrorSummaryAsync(await PostAsync(web, world, "Flag", new() { ["reason"] = "Vulnerable." })), StringComparison.Ordinal);

        Assert.False(await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().VulnerableFlags.AnyAsync(f => f.IncidentId == world.IncidentId)));
    }

    [Fact]
    public async Task Staff_of_another_practice_and_a_clinician_get_404_from_every_page_and_endpoint_of_the_review()
    {
        var world = await PracticeReviewWorld.BuildAsync(_portal);
        var other = await _portal.CreatePracticeAsync("Other Practice");
        var outsider = await _portal.CreateStaffAsync(other, StaffRole.PrivacyOfficer);
        var pages = new[]
        {
            $"/practice/incidents?practiceId={world.Practice.Id}",
            world.IncidentPage,
            $"/practice/incidents/{world.IncidentId}/export.csv?practiceId={world.Practice.Id}&version=1",
        };
        var web = await _portal.SignInWebAsync(outsider);
        foreach (var page in pages)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync(page)).StatusCode);
        }
        // Their own practice's pages work, and a form posted for the other practice is refused like a missing page.
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync($"/practice/incidents?practiceId={other.Id}")).StatusCode);
        var token = await WebForms.TokenAsync(web, $"/practice/incidents?practiceId={other.Id}");
        var posted = await web.PostAsync($"/practice/incidents/{world.IncidentId}?handler=Approve", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["practiceId"] = world.Practice.Id.ToString(), ["version"] = "1",
        }));
        Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode);

        var api = await _portal.SignInApiAsync(outsider);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/practices/{world.Practice.Id}/incidents")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/practices/{world.Practice.Id}/incidents/{world.IncidentId}/patients")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsJsonAsync($"/api/v1/practices/{world.Practice.Id}/incidents/{world.IncidentId}/review",
            new { version = 1, approve = true })).StatusCode);
        // The approvals are the incident manager's: anyone else is refused by role.
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync($"/api/v1/incidents/{world.IncidentId}/approvals")).StatusCode);

        // A clinician at the practice itself does not review breaches (privacy officers and administrators do).
        var clinicianWeb = await _portal.SignInWebAsync(world.Clinician);
        foreach (var page in pages)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await clinicianWeb.GetAsync(page)).StatusCode);
        }
        Assert.DoesNotContain("/practice/incidents", await (await clinicianWeb.GetAsync("/practice")).Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // An incident that does not exist reads the same as one that is not yours.
        var own = await _portal.SignInWebAsync(world.PrivacyOfficer);
        Assert.Equal(HttpStatusCode.NotFound, (await own.GetAsync($"/practice/incidents/{Guid.NewGuid()}?practiceId={world.Practice.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await own.GetAsync($"/practice/incidents/{world.IncidentId}/export.csv?practiceId={world.Practice.Id}&version=nine")).StatusCode);
        Assert.False(await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().PracticeApprovals.AnyAsync(a => a.IncidentId == world.IncidentId)));
    }

    [Fact]
    public async Task A_practice_that_has_left_still_sees_its_former_patients_who_moved_elsewhere()
    {
        var newHome = await _portal.CreatePracticeAsync("New Home Practice");
        var newOfficer = await _portal.CreateStaffAsync(newHome, StaffRole.PrivacyOfficer);
        var world = await PracticeReviewWorld.BuildAsync(_portal, practiceName: "Leaving Practice", afterReads: async w =>
        {
            foreach (var patient in w.PatientIds)
            {
                await PracticeReviewWorld.MoveAsync(_portal, patient, newHome);
            }
            await _portal.WithScopeAsync(async sp =>
            {
                await sp.GetRequiredService<PracticeService>().MarkLeftAsync(w.Practice.Id, DateOnly.FromDateTime(_portal.Clock.GetUtcNow().UtcDateTime), CancellationToken.None);
                return true;
            });
        });

        var web = await _portal.SignInWebAsync(world.PrivacyOfficer);
        var answer = await PageAsync(web, $"/practice/incidents?practiceId={world.Practice.Id}");
        Assert.Contains("has left Kaitiaki, but you still see its former patients", answer, StringComparison.Ordinal);
        var section = Section(answer, world.IncidentId);
        Assert.Contains("data-answer=\"yes\"", section, StringComparison.Ordinal);
        var list = await PageAsync(web, world.IncidentPage);
        Assert.Equal(3, Count(list, "data-patient="));
        Assert.Equal(3, Count(list, "At the time of access; not now"));
        Assert.Contains("data-count=\"at-access\">3<", list, StringComparison.Ordinal);
        Assert.Contains("data-count=\"now\">0<", list, StringComparison.Ordinal);

        var api = await _portal.SignInApiAsync(world.PrivacyOfficer);
        var patients = await api.GetAsync($"/api/v1/practices/{world.Practice.Id}/incidents/{world.IncidentId}/patients");
        Assert.Equal(HttpStatusCode.OK, patients.StatusCode);
        var rows = (await patients.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        Assert.Equal(world.PatientIds.Order(), rows.Select(r => r.GetProperty("patientId").GetGuid()).Order());
        Assert.All(rows, r =>
        {
            Assert.Equal(world.Practice.Id, Assert.Single(r.GetProperty("practiceIdsAtAccess").EnumerateArray()).GetGuid());
            Assert.Equal(newHome.Id, Assert.Single(r.GetProperty("practiceIdsNow").EnumerateArray()).GetGuid());
        });
        var affected = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/practices/{world.Practice.Id}/incidents")).EnumerateArray()
            .Single(i => i.GetProperty("incidentId").GetGuid() == world.IncidentId);
        Assert.True(affected.GetProperty("affected").GetBoolean());
        var counts = Assert.Single(affected.GetProperty("versions").EnumerateArray());
        Assert.Equal((3, 3, 0, true), (counts.GetProperty("patients").GetInt32(), counts.GetProperty("atAccess").GetInt32(), counts.GetProperty("now").GetInt32(),
            counts.GetProperty("frozen").GetBoolean()));

        // The leaving practice can still flag and approve; the practice they joined sees them as its patients now.
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(web, world, "Approve", [])).StatusCode);
        var newWeb = await _portal.SignInWebAsync(newOfficer);
        var theirs = await PageAsync(newWeb, $"/practice/incidents/{world.IncidentId}?practiceId={newHome.Id}");
        Assert.Equal(3, Count(theirs, "Now; not at the time of access"));

        var manager = await _portal.SignInApiAsync(world.Manager);
        var approvals = await manager.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{world.IncidentId}/approvals");
        var leaving = Practice(approvals, world.Practice.Id);
        Assert.True(leaving.GetProperty("left").GetBoolean());
        Assert.True(leaving.GetProperty("approved").GetBoolean());
        var joined = Practice(approvals, newHome.Id);
        Assert.False(joined.GetProperty("left").GetBoolean());
        Assert.False(joined.GetProperty("approved").GetBoolean());
    }

    [Fact]
    public async Task An_approval_after_the_deadline_is_marked_late_and_the_incident_manager_sees_it()
    {
        var world = await PracticeReviewWorld.BuildAsync(_portal);
        var window = _portal.Services.GetRequiredService<IncidentOptions>().ReviewWindow;
        _portal.Clock.Advance(window + TimeSpan.FromHours(3));

        var manager = await _portal.SignInApiAsync(world.Manager);
        var before = Practice(await manager.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{world.IncidentId}/approvals"), world.Practice.Id);
        Assert.Equal((true, false), (before.GetProperty("overdue").GetBoolean(), before.GetProperty("approved").GetBoolean()));

        var web = await _portal.SignInWebAsync(world.PrivacyOfficer);
        var section = Section(await PageAsync(web, $"/practice/incidents?practiceId={world.Practice.Id}"), world.IncidentId);
        Assert.Contains("Overdue", section, StringComparison.Ordinal);
        Assert.Contains("overdue by 3 hours", section, StringComparison.Ordinal);
        Assert.Contains("you can still approve, and the incident manager will see it was late", await PageAsync(web, world.IncidentPage), StringComparison.Ordinal);

        var approved = await PostAsync(web, world, "Approve", []);
        Assert.Contains("done=approved-late", approved.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var list = await PageAsync(web, approved.Headers.Location!.OriginalString);
        Assert.Contains("after the review deadline", list, StringComparison.Ordinal);
        Assert.Contains(">Late<", Section(await PageAsync(web, $"/practice/incidents?practiceId={world.Practice.Id}"), world.IncidentId), StringComparison.Ordinal);

        // Approving again keeps the first, late, approval.
        Assert.Contains("done=approved-late", (await PostAsync(web, world, "Approve", [])).Headers.Location!.OriginalString, StringComparison.Ordinal);

        var after = Practice(await manager.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{world.IncidentId}/approvals"), world.Practice.Id);
        Assert.Equal((true, true, false), (after.GetProperty("approved").GetBoolean(), after.GetProperty("late").GetBoolean(), after.GetProperty("overdue").GetBoolean()));
        var line = Assert.Single(after.GetProperty("approvals").EnumerateArray());
        Assert.Equal((1, true, world.PrivacyOfficer.AccountId), (line.GetProperty("version").GetInt32(), line.GetProperty("late").GetBoolean(), line.GetProperty("approvedBy").GetGuid()));

        var viewed = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .Where(e => e.Action == AuditAction.IncidentViewed && e.ResourceId == world.IncidentId && e.Detail == "approvals").CountAsync());
        Assert.Equal(2, viewed);
        Assert.Equal(HttpStatusCode.NotFound, (await manager.GetAsync($"/api/v1/incidents/{Guid.NewGuid()}/approvals")).StatusCode);
    }

    [Fact]
    public async Task The_export_names_its_version_escapes_every_cell_and_defuses_formulas_and_is_audited()
    {
        var world = await PracticeReviewWorld.BuildAsync(_portal, names:
        [
            ("=HYPERLINK(\"http://evil.example\")", "Ngata"), ("+64", "Te Whare"), ("Mere", "@SUM(A1)"), ("Ānaru", "Tāmati, \"Junior\""),
        ]);
        var web = await _portal.SignInWebAsync(world.PrivacyOfficer);
        var flagged = world.PatientIds[1];
        await PostAsync(web, world, "Flag", new() { ["patientId"] = flagged.ToString(), ["reason"] = "-1+2 \"risk\", see notes\r\nsecond line" });

        var response = await web.GetAsync($"/practice/incidents/{world.IncidentId}/export.csv?practiceId={world.Practice.Id}&version=1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var fileName = response.Content.Headers.ContentDisposition!.FileName!.Trim('"');
        Assert.EndsWith("-version-1.csv", fileName, StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl!.NoStore);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);

        var rows = ParseCsv(Encoding.UTF8.GetString(bytes[3..]));
        Assert.Equal("Scope version", rows[0][0]);
        Assert.Equal(5, rows.Count);
        Assert.All(rows, r => Assert.Equal(rows[0].Count, r.Count));
        Assert.All(rows.Skip(1), r => Assert.Equal("Version 1 (frozen)", r[0]));
        var byName = rows.Skip(1).Select(r => r[2]).ToList();
        Assert.Contains("'=HYPERLINK(\"http://evil.example\") Ngata", byName);
        Assert.Contains("'+64 Te Whare", byName);
        Assert.Contains("Mere @SUM(A1)", byName); // only a cell's first character makes a formula
        Assert.Contains("Ānaru Tāmati, \"Junior\"", byName);
        var flaggedRow = rows.Single(r => r[2] == "'+64 Te Whare");
        Assert.Equal(("Yes", "'-1+2 \"risk\", see notes\r\nsecond line"), (flaggedRow[9], flaggedRow[10]));
        Assert.Equal(("Yes", "Yes"), (flaggedRow[6], flaggedRow[7]));
        Assert.Contains(rows.Skip(1), r => r[4] == "Content");
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example\"\") Ngata\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);

        var exported = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .Where(e => e.Action == AuditAction.PracticeIncidentViewed && e.PracticeId == world.Practice.Id && e.Detail!.StartsWith("export"))
            .ToListAsync());
        var audited = Assert.Single(exported);
        Assert.Equal(world.PatientIds.Order(), audited.ItemIds().Order());
        Assert.Equal(world.PrivacyOfficer.AccountId, audited.ActorAccountId);
    }

    [Fact]
    public async Task A_practice_with_no_patients_in_an_incident_reads_a_plain_no()
    {
        var world = await PracticeReviewWorld.BuildAsync(_portal);
        var bystander = await _portal.CreatePracticeAsync("Bystander Practice");
        var officer = await _portal.CreateStaffAsync(bystander, StaffRole.PracticeAdministrator);
        var web = await _portal.SignInWebAsync(officer);

        var section = Section(await PageAsync(web, $"/practice/incidents?practiceId={bystander.Id}"), world.IncidentId);
        Assert.Contains("data-answer=\"no\"", section, StringComparison.Ordinal);
        Assert.Contains("None of your patients are in Version 1 (frozen)", section, StringComparison.Ordinal);
        Assert.Contains("Nothing to review", section, StringComparison.Ordinal);
        Assert.DoesNotContain("See your patients", section, StringComparison.Ordinal);
    }

    private static async Task<string> PageAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, PracticeReviewWorld world, string handler, Dictionary<string, string> fields, string version = "1")
    {
        var form = new Dictionary<string, string>(fields) { ["practiceId"] = world.Practice.Id.ToString(), ["version"] = version, ["page"] = "1" };
        return WebForms.PostAsync(client, world.IncidentPage, form, handler);
    }

    /// <summary>The part of the incidents page about one incident.</summary>
    private static string Section(string html, Guid incidentId)
    {
        var start = html.IndexOf($"data-incident=\"{incidentId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, "The page does not list the incident.");
        var end = html.IndexOf("</section>", start, StringComparison.Ordinal);
        return html[start..end];
    }

    /// <summary>One patient's row of the list.</summary>
    private static string Row(string html, Guid patientId)
    {
        var start = html.IndexOf($"data-patient=\"{patientId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, "The list does not show the patient.");
        return html[start..html.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }

    private static int Count(string html, string text)
    {
        var count = 0;
        for (var at = html.IndexOf(text, StringComparison.Ordinal); at >= 0; at = html.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static JsonElement Practice(JsonElement approvals, Guid practiceId) =>
        approvals.GetProperty("practices").EnumerateArray().Single(p => p.GetProperty("practiceId").GetGuid() == practiceId);

    /// <summary>Reads CSV as RFC 4180 says: quoted cells may hold commas, doubled quotes and line breaks; rows end with CRLF.</summary>
    internal static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') { quoted = false; }
                else { cell.Append(c); }
            }
            else if (c == '"') { quoted = true; }
            else if (c == ',') { row.Add(cell.ToString()); cell.Clear(); }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(cell.ToString());
                cell.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else { cell.Append(c); }
        }
        Assert.True(row.Count == 0 && cell.Length == 0, "The CSV does not end with a line break.");
        return rows;
    }
}
