using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Incidents;

/// <summary>The steps helpline tests share: a caller's details, a look-up as the form posts it, and a breach that gives someone a status.</summary>
internal static partial class HelplineSteps
{
    public const string Page = "/operator/helpline";

    /// <summary>Gives the patient these details (the name stored as it is given, macrons decomposed or not); answers their NHI.</summary>
    public static Task<string> GiveDetailsAsync(TestPortal portal, TestUser patient, string given, string family, DateOnly dateOfBirth) =>
        portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            var row = await db.Patients.SingleAsync(p => p.Id == patient.PatientId);
            (row.GivenName, row.FamilyName, row.DateOfBirth) = (given, family, dateOfBirth);
            await db.SaveChangesAsync();
            return row.Nhi;
        });

    public static Task<string> NhiOfAsync(TestPortal portal, TestUser patient) =>
        portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Patients.Where(p => p.Id == patient.PatientId).Select(p => p.Nhi).SingleAsync());

    /// <summary>Posts the look-up form as a browser would; a null field is left out, as an empty one is sent empty.</summary>
    public static Task<HttpResponseMessage> FindAsync(
        HttpClient agent, string? nhi, string? day, string? month, string? year, string? familyName, string? isoDate = null)
    {
        var fields = new Dictionary<string, string>();
        void Put(string name, string? value)
        {
            if (value is not null)
            {
                fields[name] = value;
            }
        }
        Put("nhi", nhi);
        Put("dobDay", day);
        Put("dobMonth", month);
        Put("dobYear", year);
        Put("dateOfBirth", isoDate);
        Put("familyName", familyName);
        return WebForms.PostAsync(agent, Page, fields, "Find");
    }

    public static Task<HttpResponseMessage> FindAsync(HttpClient agent, string nhi, DateOnly dateOfBirth, string familyName) =>
        FindAsync(agent, nhi, dateOfBirth.Day.ToString(System.Globalization.CultureInfo.InvariantCulture),
            dateOfBirth.Month.ToString(System.Globalization.CultureInfo.InvariantCulture),
            dateOfBirth.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), familyName);

    public static Task<HttpResponseMessage> CheckPhraseAsync(HttpClient agent, string call, string phrase) =>
        WebForms.PostAsync(agent, Page, new Dictionary<string, string> { ["call"] = call, ["phrase"] = phrase }, "Check");

    public static Task<HttpResponseMessage> LogAsync(HttpClient agent, string call, string note) =>
        WebForms.PostAsync(agent, Page, new Dictionary<string, string> { ["call"] = call, ["note"] = note }, "Log");

    /// <summary>The call token of a found caller's page.</summary>
    public static string CallToken(string html)
    {
        var match = CallField().Match(html);
        Assert.True(match.Success, "The page has no call token: no caller was found.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>The part of the page that answers a look-up (found, no match, wait), as text without tags or the page token.</summary>
    public static string MainText(string html)
    {
        var main = MainElement().Match(html);
        Assert.True(main.Success, "The page has no main element.");
        return WebUtility.HtmlDecode(Spaces().Replace(Tags().Replace(main.Groups[1].Value, " "), " ")).Trim();
    }

    /// <summary>
    /// A clinician at the practice who opens one document titled <paramref name="title"/> for each patient, and, when
    /// <paramref name="listOnly"/> holds one, only lists that patient's documents: what a breach by this clinician reached.
    /// </summary>
    public static async Task<TestUser> ClinicianReadsAsync(TestPortal portal, Practice practice, string title, IEnumerable<TestUser> opened, TestUser? listOnly = null)
    {
        var clinician = await portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var api = await portal.SignInApiAsync(clinician);
        foreach (var patient in opened)
        {
            var created = await TestPortal.UploadAsync(api, TestPortal.Pdf(4_000), title: title, category: "clinical-letter", patientId: patient.PatientId,
                fileName: "biopsy-melanoma.pdf");
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/v1/documents/{id}/content")).StatusCode);
        }
        if (listOnly is not null)
        {
            Assert.Equal(HttpStatusCode.Created, (await TestPortal.UploadAsync(api, TestPortal.Pdf(3_000, seed: 7), title: title, category: "clinical-letter",
                patientId: listOnly.PatientId, fileName: "biopsy-melanoma.pdf")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/v1/documents?patientId={listOnly.PatientId}")).StatusCode);
        }
        return clinician;
    }

    /// <summary>An incident whose first scope version covers everything the account did in the last day; answers its id and the manager's API client.</summary>
    public static async Task<(Guid Incident, HttpClient Manager)> ScopeAsync(TestPortal portal, Guid accountId, string title = "Documents read by one clinician account")
    {
        var manager = await portal.SignInApiAsync(await portal.CreateOperatorAsync(OperatorRole.IncidentManager));
        var now = portal.Clock.GetUtcNow().UtcDateTime;
        var opened = await manager.PostAsJsonAsync("/api/v1/incidents", new { title, awareAt = now });
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var incident = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var scoped = await manager.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes",
            new { from = now.AddDays(-1), to = now.AddMinutes(1), accountIds = new[] { accountId } });
        Assert.Equal(HttpStatusCode.Created, scoped.StatusCode);
        return (incident, manager);
    }

    public static async Task FreezeAsync(HttpClient manager, Guid incident, int version = 1) =>
        Assert.Equal(HttpStatusCode.OK, (await manager.PostAsync($"/api/v1/incidents/{incident}/scopes/{version}/freeze", null)).StatusCode);

    [GeneratedRegex("name=\"call\" value=\"([^\"]+)\"")]
    private static partial Regex CallField();

    [GeneratedRegex("<main[^>]*>(.*)</main>", RegexOptions.Singleline)]
    private static partial Regex MainElement();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
