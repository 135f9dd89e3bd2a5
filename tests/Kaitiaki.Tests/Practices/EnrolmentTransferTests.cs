using System.Net;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Practices;

/// <summary>
/// An NHI and a date of birth identify a patient; they never enrol one. A practice that enters a registered patient's
/// details gets a pending request, and reads nothing until the patient agrees.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EnrolmentTransferTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private static readonly DateOnly DateOfBirth = new(1980, 5, 17);
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Staff_of_another_practice_with_a_patients_nhi_and_date_of_birth_read_nothing_until_the_patient_agrees()
    {
        var world = await WorldAsync();

        var outcome = await RegisterAsync(world.Other, world.Nhi, DateOfBirth, world.OtherClinician.AccountId);

        Assert.Equal(RegistrationOutcome.TransferRequested, outcome);
        await AssertReadsAsync(world.OtherClient, world, HttpStatusCode.NotFound);
        await AssertReadsAsync(world.HomeClient, world, HttpStatusCode.OK);
        Assert.Equal([world.Home.Id], await CurrentPracticesAsync(world.PatientId));

        // The patient and the practice they would leave are both told; the patient's e-mail carries the code.
        var toPatient = await Outbox.LatestBodyToAsync(_portal.DataDirectory, world.Patient.Email);
        Assert.Contains($"{world.Other.Name} has asked Kaitiaki to make it your general practice", toPatient, StringComparison.Ordinal);
        Assert.Matches("[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", toPatient);
        var toPractice = await Outbox.LatestBodyToAsync(_portal.DataDirectory, world.Home.PrivacyContactEmail);
        Assert.Contains($"{world.Other.Name} has asked Kaitiaki to enrol", toPractice, StringComparison.Ordinal);
        Assert.Contains(await AccessLogAsync(world), e => e.What.StartsWith("asked to become your practice", StringComparison.Ordinal)
                                                          && e.Who == "Staff Clinician");

        var pending = Assert.Single(await PendingAsync(world.Patient.AccountId));
        Assert.Equal(world.Other.Name, pending.PracticeName);
        Assert.True(await WithEnrolmentsAsync(e => e.AgreeAsync(world.Patient.AccountId, pending.Id, CancellationToken.None)));

        await AssertReadsAsync(world.OtherClient, world, HttpStatusCode.OK);
        await AssertReadsAsync(world.HomeClient, world, HttpStatusCode.NotFound);
        Assert.Equal([world.Other.Id], await CurrentPracticesAsync(world.PatientId));
        Assert.Empty(await PendingAsync(world.Patient.AccountId));
    }

    [Fact]
    public async Task Details_that_do_not_match_change_nothing_and_are_recorded_on_the_patients_trail()
    {
        var world = await WorldAsync();

        var outcome = await RegisterAsync(world.Other, world.Nhi, DateOfBirth.AddDays(1), world.OtherClinician.AccountId);

        Assert.Equal(RegistrationOutcome.NotMatched, outcome);
        Assert.Empty(await PendingAsync(world.Patient.AccountId));
        await AssertReadsAsync(world.OtherClient, world, HttpStatusCode.NotFound);
        Assert.Equal([world.Home.Id], await CurrentPracticesAsync(world.PatientId));
        var entry = Assert.Single(await AccessLogAsync(world), e => e.What.StartsWith("tried to enrol you", StringComparison.Ordinal));
        Assert.Equal("Refused", entry.Outcome);
    }

    [Fact]
    public async Task Declining_changes_nothing_and_the_request_cannot_be_agreed_to_afterwards()
    {
        var world = await WorldAsync();
        await RegisterAsync(world.Other, world.Nhi, DateOfBirth, world.OtherClinician.AccountId);
        var pending = Assert.Single(await PendingAsync(world.Patient.AccountId));

        Assert.True(await WithEnrolmentsAsync(e => e.DeclineAsync(world.Patient.AccountId, pending.Id, CancellationToken.None)));

        Assert.False(await WithEnrolmentsAsync(e => e.AgreeAsync(world.Patient.AccountId, pending.Id, CancellationToken.None)));
        Assert.Equal([world.Home.Id], await CurrentPracticesAsync(world.PatientId));
        await AssertReadsAsync(world.OtherClient, world, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Nobody_but_the_patient_can_agree_to_their_request_and_an_expired_one_grants_nothing()
    {
        var world = await WorldAsync();
        var someoneElse = await _portal.CreatePatientAsync(world.Other);
        await RegisterAsync(world.Other, world.Nhi, DateOfBirth, world.OtherClinician.AccountId);
        var pending = Assert.Single(await PendingAsync(world.Patient.AccountId));

        Assert.False(await WithEnrolmentsAsync(e => e.AgreeAsync(someoneElse.AccountId, pending.Id, CancellationToken.None)));
        Assert.False(await WithEnrolmentsAsync(e => e.AgreeAsync(world.OtherClinician.AccountId, pending.Id, CancellationToken.None)));
        Assert.False(await WithEnrolmentsAsync(e => e.DeclineAsync(someoneElse.AccountId, pending.Id, CancellationToken.None)));

        _portal.Clock.Advance(TimeSpan.FromDays(8));
        Assert.False(await WithEnrolmentsAsync(e => e.AgreeAsync(world.Patient.AccountId, pending.Id, CancellationToken.None)));
        Assert.Empty(await PendingAsync(world.Patient.AccountId));
        Assert.Equal([world.Home.Id], await CurrentPracticesAsync(world.PatientId));
    }

    [Fact]
    public async Task The_code_sent_to_the_patient_enrols_them_when_the_new_practice_enters_it()
    {
        var world = await WorldAsync();
        await RegisterAsync(world.Other, world.Nhi, DateOfBirth, world.OtherClinician.AccountId);
        var code = await Outbox.ActivationCodeAsync(_portal.DataDirectory, world.Patient.Email);

        // The code answers only at the practice that asked, and only with the patient's NHI.
        Assert.False(await WithEnrolmentsAsync(e => e.ConfirmWithCodeAsync(world.Home.Id, world.Nhi, code, CancellationToken.None)));
        Assert.False(await WithEnrolmentsAsync(e => e.ConfirmWithCodeAsync(world.Other.Id, TestPortal.NewTestNhi(), code, CancellationToken.None)));
        Assert.False(await WithEnrolmentsAsync(e => e.ConfirmWithCodeAsync(world.Other.Id, "not an nhi", code, CancellationToken.None)));
        Assert.False(await WithEnrolmentsAsync(e => e.ConfirmWithCodeAsync(world.Other.Id, world.Nhi, null, CancellationToken.None)));
        Assert.Equal([world.Home.Id], await CurrentPracticesAsync(world.PatientId));

        Assert.True(await WithEnrolmentsAsync(e => e.ConfirmWithCodeAsync(world.Other.Id, world.Nhi.ToLowerInvariant(), code.ToLowerInvariant(), CancellationToken.None)));

        Assert.Equal([world.Other.Id], await CurrentPracticesAsync(world.PatientId));
        await AssertReadsAsync(world.OtherClient, world, HttpStatusCode.OK);
        await AssertReadsAsync(world.HomeClient, world, HttpStatusCode.NotFound);
        Assert.Contains(await AccessLogAsync(world), e => e.What.StartsWith("moved your enrolment", StringComparison.Ordinal));
        // A code can be given by someone other than the patient, so the patient and the practice they left are told.
        await _portal.MailSentAsync();
        Assert.Contains($"{world.Other.Name} is now your general practice", await Outbox.LatestBodyToAsync(_portal.DataDirectory, world.Patient.Email),
            StringComparison.Ordinal);
        Assert.Contains("agreed to move to", await Outbox.LatestBodyToAsync(_portal.DataDirectory, world.Home.PrivacyContactEmail), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Five_wrong_codes_end_the_request_so_the_right_one_no_longer_works()
    {
        var world = await WorldAsync();
        await RegisterAsync(world.Other, world.Nhi, DateOfBirth, world.OtherClinician.AccountId);
        var code = await Outbox.ActivationCodeAsync(_portal.DataDirectory, world.Patient.Email);

        for (var i = 0; i < EnrolmentService.MaxCodeAttempts; i++)
        {
            Assert.False(await WithEnrolmentsAsync(e => e.ConfirmWithCodeAsync(world.Other.Id, world.Nhi, "AAAA-BBBB-CCCC", CancellationToken.None)));
        }

        Assert.False(await WithEnrolmentsAsync(e => e.ConfirmWithCodeAsync(world.Other.Id, world.Nhi, code, CancellationToken.None)));
        Assert.Empty(await PendingAsync(world.Patient.AccountId));
        Assert.Equal([world.Home.Id], await CurrentPracticesAsync(world.PatientId));
    }

    [Fact]
    public async Task A_new_request_replaces_the_earlier_one_and_its_code()
    {
        var world = await WorldAsync();
        await RegisterAsync(world.Other, world.Nhi, DateOfBirth, world.OtherClinician.AccountId);
        var first = await Outbox.ActivationCodeAsync(_portal.DataDirectory, world.Patient.Email);
        await RegisterAsync(world.Other, world.Nhi, DateOfBirth, world.OtherClinician.AccountId);
        var second = await Outbox.ActivationCodeAsync(_portal.DataDirectory, world.Patient.Email);

        Assert.NotEqual(first, second);
        Assert.Single(await PendingAsync(world.Patient.AccountId));
        Assert.False(await WithEnrolmentsAsync(e => e.ConfirmWithCodeAsync(world.Other.Id, world.Nhi, first, CancellationToken.None)));
        Assert.True(await WithEnrolmentsAsync(e => e.ConfirmWithCodeAsync(world.Other.Id, world.Nhi, second, CancellationToken.None)));
    }

    [Fact]
    public async Task Two_decisions_about_one_request_at_the_same_moment_leave_exactly_one_in_force()
    {
        var world = await WorldAsync();
        await RegisterAsync(world.Other, world.Nhi, DateOfBirth, world.OtherClinician.AccountId);
        var pending = Assert.Single(await PendingAsync(world.Patient.AccountId));
        var code = await Outbox.ActivationCodeAsync(_portal.DataDirectory, world.Patient.Email);

        var decisions = await Task.WhenAll(
            WithEnrolmentsAsync(e => e.DeclineAsync(world.Patient.AccountId, pending.Id, CancellationToken.None)),
            WithEnrolmentsAsync(e => e.ConfirmWithCodeAsync(world.Other.Id, world.Nhi, code, CancellationToken.None)),
            WithEnrolmentsAsync(e => e.AgreeAsync(world.Patient.AccountId, pending.Id, CancellationToken.None)));

        Assert.Equal(1, decisions.Count(d => d));
        var status = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().EnrolmentTransfers
            .Where(t => t.Id == pending.Id).Select(t => t.Status).SingleAsync());
        Assert.Equal(status == TransferStatus.Declined ? [world.Home.Id] : [world.Other.Id], await CurrentPracticesAsync(world.PatientId));
        Assert.Single(await CurrentPracticesAsync(world.PatientId));
    }

    private sealed record World(
        Practice Home, Practice Other, TestUser Patient, Guid PatientId, string Nhi, Guid DocumentId,
        TestUser OtherClinician, HttpClient HomeClient, HttpClient OtherClient);

    /// <summary>A patient at their home practice with a discharge summary, and a clinician at each of two practices.</summary>
    private async Task<World> WorldAsync()
    {
        var home = await _portal.CreatePracticeAsync("Home Practice");
        var other = await _portal.CreatePracticeAsync("Other Practice");
        var patient = await _portal.CreatePatientAsync(home, DateOfBirth);
        var homeClinician = await _portal.CreateStaffAsync(home, StaffRole.Clinician);
        var otherClinician = await _portal.CreateStaffAsync(other, StaffRole.Clinician);
        var homeClient = await _portal.SignInApiAsync(homeClinician);
        var documentId = await TestPortal.UploadedIdAsync(homeClient, TestPortal.Pdf(4000), category: "discharge-summary", patientId: patient.PatientId);
        var nhi = await _portal.WithScopeAsync(sp =>
            sp.GetRequiredService<KaitiakiDb>().Patients.Where(p => p.Id == patient.PatientId).Select(p => p.Nhi).SingleAsync());
        return new World(home, other, patient, patient.PatientId!.Value, nhi, documentId, otherClinician, homeClient,
            await _portal.SignInApiAsync(otherClinician));
    }

    private static async Task AssertReadsAsync(HttpClient client, World world, HttpStatusCode expected)
    {
        Assert.Equal(expected, (await client.GetAsync($"/api/v1/documents?patientId={world.PatientId}")).StatusCode);
        Assert.Equal(expected, (await client.GetAsync($"/api/v1/documents/{world.DocumentId}")).StatusCode);
        Assert.Equal(expected, (await client.GetAsync($"/api/v1/documents/{world.DocumentId}/content")).StatusCode);
    }

    private async Task<RegistrationOutcome> RegisterAsync(Practice practice, string nhi, DateOnly dateOfBirth, Guid staffAccountId)
    {
        var outcome = await _portal.WithScopeAsync(async sp => (await sp.GetRequiredService<PracticeService>().RegisterPatientAsync(
            practice.Id, new NewPatient(nhi, "Someone", "Else", dateOfBirth, "typed-by-staff@example.nz", null, ContactMethod.Email),
            invite: true, staffAccountId, CancellationToken.None)).Outcome);
        await _portal.MailSentAsync();
        return outcome;
    }

    private Task<T> WithEnrolmentsAsync<T>(Func<EnrolmentService, Task<T>> work) =>
        _portal.WithScopeAsync(sp => work(sp.GetRequiredService<EnrolmentService>()));

    private Task<List<PendingTransfer>> PendingAsync(Guid accountId) =>
        WithEnrolmentsAsync(e => e.PendingForAccountAsync(accountId, CancellationToken.None));

    private Task<List<Guid>> CurrentPracticesAsync(Guid patientId) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Enrolments
            .Where(e => e.PatientId == patientId && e.EndedOn == null).Select(e => e.PracticeId).ToListAsync());

    private Task<List<AccessLogEntry>> AccessLogAsync(World world) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<AccessLog>().ForPatientAsync(world.PatientId, world.Patient.AccountId, 0, CancellationToken.None));
}
