using System.Net;
using System.Net.Http.Json;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Kaitiaki.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests;

public sealed class AccessLogSittingTests
{
    private static readonly Guid SessionA = Guid.NewGuid();
    private static readonly DateTime Start = new(2026, 12, 2, 20, 41, 0, DateTimeKind.Utc); // 9:41 am on 3 December in New Zealand

    [Fact]
    public void Twelve_views_of_your_details_in_one_session_are_one_entry_with_the_count_and_range()
    {
        var events = Enumerable.Range(0, 12).Select(i => Self(Start.AddSeconds(20 * i))).Reverse().ToList();

        var entry = Assert.Single(AccessLogSittings.Group(events));

        Assert.Equal(12, entry.Count);
        Assert.Equal("You", entry.Who);
        Assert.Equal("looked at your details 12 times", entry.WhatAndHowOften);
        Assert.Equal("Thu 3 Dec 2026, 9:41\u20139:44 am NZDT", entry.When);
    }

    [Fact]
    public void Someone_elses_view_between_your_views_splits_them_and_stands_on_its_own()
    {
        var events = new List<AccessLogEvent>
        {
            Self(Start.AddMinutes(4)), Self(Start.AddMinutes(3)),
            Other(Start.AddMinutes(2), "Dr Anaru Pomare", "Clinician"),
            Self(Start.AddMinutes(1)), Self(Start),
        };

        var entries = AccessLogSittings.Group(events);

        Assert.Equal([2, 1, 2], entries.Select(e => e.Count));
        var clinician = entries[1];
        Assert.False(clinician.ByViewer);
        Assert.Equal("Dr Anaru Pomare", clinician.Who);
        Assert.Equal("Clinician", clinician.Role);
    }

    [Fact]
    public void Anyone_elses_repeated_views_are_never_grouped()
    {
        var events = Enumerable.Range(0, 5).Select(i => Other(Start.AddSeconds(10 * i), "Dr Anaru Pomare", "Clinician", SessionA)).Reverse().ToList();

        var entries = AccessLogSittings.Group(events);

        Assert.Equal(5, entries.Count);
        Assert.All(entries, e => Assert.Equal(1, e.Count));
    }

    [Fact]
    public void Two_sessions_never_merge()
    {
        var other = Guid.NewGuid();
        var events = new List<AccessLogEvent> { Self(Start.AddMinutes(2), other), Self(Start.AddMinutes(1), other), Self(Start), Self(Start) };

        Assert.Equal([2, 2], AccessLogSittings.Group(events).Select(e => e.Count));
    }

    [Fact]
    public void Views_more_than_30_minutes_apart_or_of_another_kind_or_outcome_are_separate()
    {
        var events = new List<AccessLogEvent>
        {
            Self(Start.AddMinutes(70)),
            Self(Start.AddMinutes(39)),
            Self(Start.AddMinutes(9)) with { Action = AuditAction.DocumentListed, What = AccessLog.Describe(AuditAction.DocumentListed) },
            Self(Start.AddMinutes(8)) with { Outcome = "Refused" },
            Self(Start),
        };

        Assert.Equal(5, AccessLogSittings.Group(events).Count);
    }

    [Fact]
    public void Events_without_a_session_are_never_grouped() =>
        Assert.Equal(2, AccessLogSittings.Group([Self(Start.AddMinutes(1)) with { SessionId = null }, Self(Start) with { SessionId = null }]).Count);

    [Theory]
    [InlineData(0, 0, "Thu 3 Dec 2026, 9:41 am NZDT")]
    [InlineData(0, 4, "Thu 3 Dec 2026, 9:41\u20139:45 am NZDT")]
    [InlineData(129, 20, "Thu 3 Dec 2026, 11:50 am \u2013 12:10 pm NZDT")]
    [InlineData(849, 20, "Thu 3 Dec 2026, 11:50 pm NZDT \u2013 Fri 4 Dec 2026, 12:10 am NZDT")]
    public void Time_ranges_read_in_new_zealand_time(int startMinutes, int lengthMinutes, string expected)
    {
        var from = Start.AddMinutes(startMinutes);
        Assert.Equal(expected, NzTime.DateAndTimeRange(from, from.AddMinutes(lengthMinutes)));
        Assert.Equal(expected, NzTime.DateAndTimeRange(from.AddMinutes(lengthMinutes), from));
    }

    private static AccessLogEvent Self(DateTime at, Guid? session = null) =>
        new(Guid.NewGuid(), at, true, session ?? SessionA, "You", null, AuditAction.PatientDetailsViewed,
            AccessLog.Describe(AuditAction.PatientDetailsViewed), "Allowed");

    private static AccessLogEvent Other(DateTime at, string who, string role, Guid? session = null) =>
        new(Guid.NewGuid(), at, false, session ?? Guid.NewGuid(), who, role, AuditAction.PatientDetailsViewed,
            AccessLog.Describe(AuditAction.PatientDetailsViewed), "Allowed");
}

[Trait("Category", "Integration")]
public sealed class AccessLogPageTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private const string ClinicianName = "Staff Clinician"; // TestPortal.CreateStaffAsync names staff after their role
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Twelve_views_in_one_visit_read_as_one_line_and_a_clinicians_view_between_them_stands_out()
    {
        var practice = await _portal.CreatePracticeAsync();
        var patient = await _portal.CreatePatientAsync(practice);
        var clinician = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var client = await _portal.SignInWebAsync(patient);
        await ViewDetailsAsync(client, 6);
        var staffClient = await _portal.SignInWebAsync(clinician);
        Assert.Equal(HttpStatusCode.OK, (await staffClient.GetAsync($"/practice/patients/{patient.PatientId}/documents")).StatusCode);
        await ViewDetailsAsync(client, 6);

        var (entries, _) = await SittingsAsync(patient);
        var html = await client.GetStringAsync("/patient/access-log");

        var views = entries.Where(e => e.What == "looked at your details").ToList();
        Assert.Equal([6, 6], views.Select(e => e.Count));
        var seen = Assert.Single(entries, e => !e.ByViewer && e.Who == ClinicianName);
        Assert.Equal(1, seen.Count);
        Assert.Contains(">looked at your details 6 times</td>", html);
        Assert.Contains($"<strong>{ClinicianName}</strong>", html);
        var times = await ViewTimesAsync(patient);
        Assert.Contains(Html(NzTime.DateAndTimeRange(times[0], times[5])), html);
        Assert.Contains(Html(NzTime.DateAndTimeRange(times[6], times[11])), html);
    }

    [Fact]
    public async Task Twelve_views_in_one_session_are_one_entry_and_another_session_is_another()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var laptop = await _portal.SignInWebAsync(patient);
        await ViewDetailsAsync(laptop, 12);
        var phone = await _portal.SignInWebAsync(patient);
        await ViewDetailsAsync(phone, 3);

        var (entries, _) = await SittingsAsync(patient);

        var views = entries.Where(e => e.What == "looked at your details").ToList();
        Assert.Equal([3, 12], views.Select(e => e.Count));
        var times = await ViewTimesAsync(patient);
        Assert.Equal(NzTime.DateAndTimeRange(times[0], times[11]), views[1].When);
        Assert.Equal("looked at your details 12 times", views[1].WhatAndHowOften);
    }

    [Fact]
    public async Task The_api_still_returns_one_entry_per_event()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var client = await _portal.SignInWebAsync(patient);
        await ViewDetailsAsync(client, 4);

        var entries = await (await _portal.SignInApiAsync(patient)).GetFromJsonAsync<List<System.Text.Json.JsonElement>>("/api/v1/me/access-log");

        Assert.Equal(4, entries!.Count(e => e.GetProperty("what").GetString() == "looked at your details"));
    }

    private static string Html(string text) => System.Text.Encodings.Web.HtmlEncoder.Default.Encode(text);

    private async Task ViewDetailsAsync(HttpClient client, int times)
    {
        for (var i = 0; i < times; i++)
        {
            _portal.Clock.Advance(TimeSpan.FromSeconds(20));
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/patient")).StatusCode);
        }
    }

    private Task<(List<AccessLogSitting> Entries, bool HasOlder)> SittingsAsync(TestUser patient) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<AccessLog>()
            .SittingsForPatientAsync(patient.PatientId!.Value, patient.AccountId, 0, CancellationToken.None));

    private Task<List<DateTime>> ViewTimesAsync(TestUser patient) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => e.PatientId == patient.PatientId && e.Action == AuditAction.PatientDetailsViewed)
            .OrderBy(e => e.Sequence).Select(e => e.OccurredAt).ToListAsync());
}
