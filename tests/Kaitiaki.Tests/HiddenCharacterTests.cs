using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests;

/// <summary>
/// Every field people type refuses line breaks, control, direction and invisible characters, saying which and saving
/// nothing; file names from the device are stripped instead; ordinary writing in any script, and emoji, is kept.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HiddenCharacterTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    /// <summary>Each kind the brief names, with the words the answer must use for it.</summary>
    public static TheoryData<string, string> Kinds => new()
    {
        { "C0", "control character" },
        { "CRLF", "line break" },
        { "C1", "control character" },
        { "RightToLeftOverride", "direction of the text" },
        { "ZeroWidthSpace", "invisible character" },
    };

    public static TheoryData<string, string, string> UploadFields => EveryKindIn("title", "author");

    public static TheoryData<string, string, string> NameFields => EveryKindIn("givenName", "familyName");

    private static TheoryData<string, string, string> EveryKindIn(params string[] fields)
    {
        var data = new TheoryData<string, string, string>();
        foreach (var name in fields)
        {
            foreach (var kind in Kinds)
            {
                data.Add(name, (string)kind[0], (string)kind[1]);
            }
        }
        return data;
    }

    private static string Hidden(string kind) => PlainTextTests.Example(kind);

    [Theory]
    [MemberData(nameof(UploadFields))]
    public async Task An_upload_whose_title_or_author_holds_a_hidden_character_is_refused_saying_which_and_saves_nothing(
        string field, string kind, string words)
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var client = await _portal.SignInApiAsync(patient);
        var fields = new Dictionary<string, string> { ["title"] = "Discharge summary", ["author"] = "Whangārei Hospital" };
        fields[field] = "invoice" + Hidden(kind) + "fdp.exe";

        var response = await UploadAsync(client, fields, "letter.pdf");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.StartsWith($"The {field} has", detail, StringComparison.Ordinal);
        Assert.Contains(words, detail, StringComparison.Ordinal);
        Assert.Contains("Nothing was saved", detail, StringComparison.Ordinal);
        Assert.Equal(0, await DocumentCountAsync(patient));
    }

    [Fact]
    public async Task The_plain_upload_form_is_sent_back_with_the_reason_and_the_page_names_the_title()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var web = await _portal.SignInWebAsync(patient);
        var token = await WebForms.TokenAsync(web, "/patient/documents");
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("invoice\u202Efdp.exe"), "title" },
            { new StringContent("correspondence"), "category" },
        };
        var file = new ByteArrayContent(TestPortal.Pdf(500));
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/pdf");
        form.Add(file, "file", "letter.pdf");

        var response = await web.PostAsync("/documents/upload", form);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.EndsWith("upload=TitleHiddenCharacter", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var page = await web.GetAsync(response.Headers.Location);
        var summary = await WebForms.ErrorSummaryAsync(page);
        Assert.Contains("The title has a hidden character", summary, StringComparison.Ordinal);
        Assert.Contains("href=\"#title\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await DocumentCountAsync(patient));
    }

    [Fact]
    public async Task A_file_name_from_the_device_is_stripped_and_the_upload_goes_ahead()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var client = await _portal.SignInApiAsync(patient);

        var response = await UploadAsync(client, new Dictionary<string, string> { ["title"] = "Letter" },
            "Ta\u0304mati\u0007\u009B\r\n invoice\u202Efdp.exe\u200B.pdf");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Tāmati invoicefdp.exe.pdf", document.GetProperty("fileName").GetString());
    }

    [Fact]
    public async Task Titles_authors_and_names_in_maori_other_scripts_and_emoji_are_kept_as_typed()
    {
        var practice = await _portal.CreatePracticeAsync("Tōtara Street Surgery");
        var patient = await _portal.CreatePatientAsync(practice);
        var client = await _portal.SignInApiAsync(patient);
        const string title = "Reta mō Tāmati 🩺 出院小结, نامه\u200Cی 👩🏽\u200D⚕️";
        const string author = "Te Whatu Ora – Whangārei, Ōtautahi";

        var response = await UploadAsync(client, new Dictionary<string, string> { ["title"] = title, ["author"] = author }, "reta-mō-tāmati.pdf");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(title, document.GetProperty("title").GetString());
        Assert.Equal(author, document.GetProperty("author").GetString());
        Assert.Equal("reta-mō-tāmati.pdf", document.GetProperty("fileName").GetString());

        var registered = await RegisterAsync(practice, "Mārama Zoë", "Ngāwhika-Ōtaki");
        Assert.Equal(("Mārama Zoë", "Ngāwhika-Ōtaki"), (registered.GivenName, registered.FamilyName));

        var email = $"staff-{Guid.NewGuid():N}@example.nz";
        await _portal.WithScopeAsync(sp => sp.GetRequiredService<InvitationService>()
            .InviteStaffAsync(email, "Dr Anahera Pōtae 👩🏽\u200D⚕️", practice.Id, StaffRole.Clinician, null, CancellationToken.None));
        Assert.Equal("Dr Anahera Pōtae 👩🏽\u200D⚕️", await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Invitations
            .Where(i => i.Email == email).Select(i => i.DisplayName).SingleAsync()));
    }

    [Theory]
    [MemberData(nameof(NameFields))]
    public async Task Registering_a_patient_whose_name_holds_a_hidden_character_is_refused_saying_which_and_saves_nothing(
        string field, string kind, string words)
    {
        var practice = await _portal.CreatePracticeAsync();
        var nhi = TestPortal.NewTestNhi();
        var given = field == "givenName" ? "Me" + Hidden(kind) + "re" : "Mere";
        var family = field == "familyName" ? "Pa" + Hidden(kind) + "rata" : "Parata";

        var error = await Assert.ThrowsAsync<ValidationFailedException>(() => _portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>()
            .RegisterPatientAsync(practice.Id, new NewPatient(nhi, given, family, new DateOnly(1980, 5, 17), $"p-{Guid.NewGuid():N}@example.nz", null,
                ContactMethod.Email), invite: true, null, CancellationToken.None)));

        Assert.Equal(field, error.Field);
        Assert.StartsWith(field == "givenName" ? "The given name has" : "The family name has", error.Message, StringComparison.Ordinal);
        Assert.Contains(words, error.Message, StringComparison.Ordinal);
        Assert.False(await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Patients.AnyAsync(p => p.Nhi == nhi)));
    }

    [Fact]
    public async Task The_invite_patient_page_shows_the_refusal_against_the_field()
    {
        var practice = await _portal.CreatePracticeAsync();
        var clinician = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var web = await _portal.SignInWebAsync(clinician);
        var nhi = TestPortal.NewTestNhi();

        var response = await WebForms.PostAsync(web, "/practice/patients/new", new Dictionary<string, string>
        {
            ["PracticeId"] = practice.Id.ToString(),
            ["Nhi"] = nhi,
            ["GivenName"] = "Mere",
            ["FamilyName"] = "Parata\u202Eetaraw",
            ["DateOfBirth"] = "1980-05-17",
            ["Email"] = $"p-{Guid.NewGuid():N}@example.nz",
            ["PreferredContact"] = "Email",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("The family name has a hidden character that changes the direction", await WebForms.ErrorSummaryAsync(response), StringComparison.Ordinal);
        Assert.Contains("href=\"#familyName\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Patients.AnyAsync(p => p.Nhi == nhi)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_staff_or_operator_invitation_whose_name_holds_a_hidden_character_is_refused_and_nothing_is_sent(string kind, string words)
    {
        var practice = await _portal.CreatePracticeAsync();
        var staffEmail = $"staff-{Guid.NewGuid():N}@example.nz";
        var operatorEmail = $"operator-{Guid.NewGuid():N}@example.nz";

        var staff = await Assert.ThrowsAsync<InvitationException>(() => _portal.WithScopeAsync(sp => sp.GetRequiredService<InvitationService>()
            .InviteStaffAsync(staffEmail, "Anahera" + Hidden(kind) + " Pōtae", practice.Id, StaffRole.Clinician, null, CancellationToken.None)));
        // The command line's add-operator verb asks the same service and prints its message.
        var op = await Assert.ThrowsAsync<InvitationException>(() => _portal.WithScopeAsync(sp => sp.GetRequiredService<InvitationService>()
            .InviteOperatorAsync(operatorEmail, "Tom" + Hidden(kind) + " Fraser", OperatorRole.SupportAgent, CancellationToken.None)));

        foreach (var error in new[] { staff, op })
        {
            Assert.StartsWith("The name has", error.Message, StringComparison.Ordinal);
            Assert.Contains(words, error.Message, StringComparison.Ordinal);
        }
        Assert.False(await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Invitations
            .AnyAsync(i => i.Email == staffEmail || i.Email == operatorEmail)));
        await _portal.MailSentAsync();
        Assert.Empty(await Outbox.BodiesToAsync(_portal.DataDirectory, staffEmail));
    }

    [Fact]
    public async Task The_invite_staff_page_shows_the_refusal_and_sends_nothing()
    {
        var practice = await _portal.CreatePracticeAsync();
        var administrator = await _portal.CreateStaffAsync(practice, StaffRole.PracticeAdministrator);
        var web = await _portal.SignInWebAsync(administrator);
        var email = $"staff-{Guid.NewGuid():N}@example.nz";

        var response = await WebForms.PostAsync(web, "/practice/staff/new", new Dictionary<string, string>
        {
            ["PracticeId"] = practice.Id.ToString(),
            ["Name"] = "Anahera\r\nPōtae",
            ["Email"] = email,
            ["Role"] = "Clinician",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("The name has a line break in it.", await WebForms.ErrorSummaryAsync(response), StringComparison.Ordinal);
        Assert.False(await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Invitations.AnyAsync(i => i.Email == email)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_passkey_name_with_a_hidden_character_is_refused_before_the_device_is_asked_and_nothing_is_added(string kind, string words)
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var web = await _portal.SignInWebAsync(patient);

        var response = await WebForms.PostAsync(web, "/account/security",
            new Dictionary<string, string> { ["credential"] = "{}", ["name"] = "My" + Hidden(kind) + " phone" }, "AddPasskey");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var summary = await WebForms.ErrorSummaryAsync(response);
        Assert.Contains("The passkey's name has", summary, StringComparison.Ordinal);
        Assert.Contains(words, summary, StringComparison.Ordinal);
        Assert.Contains("The passkey wasn't added.", summary, StringComparison.Ordinal);
        Assert.Empty(await _portal.WithScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<Account>>();
            return await users.GetPasskeysAsync((await users.FindByIdAsync(patient.AccountId.ToString()))!);
        }));
    }

    /// <summary>Uploads a small PDF through the API, fields first; the file name is sent as RFC 5987 <c>filename*</c> so any character can travel.</summary>
    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, Dictionary<string, string> fields, string fileName)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }
        form.Add(new StringContent("correspondence"), "category");
        var file = new ByteArrayContent(TestPortal.Pdf(500));
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/pdf");
        var disposition = new System.Net.Http.Headers.ContentDispositionHeaderValue("form-data") { Name = "\"file\"" };
        disposition.Parameters.Add(new System.Net.Http.Headers.NameValueHeaderValue("filename*", "UTF-8''" + Uri.EscapeDataString(fileName)));
        file.Headers.ContentDisposition = disposition;
        form.Add(file);
        return await client.PostAsync("/api/v1/documents", form);
    }

    private Task<int> DocumentCountAsync(TestUser patient) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Documents.CountAsync(d => d.PatientId == patient.PatientId));

    private async Task<Patient> RegisterAsync(Practice practice, string given, string family) =>
        (await _portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>().RegisterPatientAsync(practice.Id,
            new NewPatient(TestPortal.NewTestNhi(), given, family, new DateOnly(1980, 5, 17), $"p-{Guid.NewGuid():N}@example.nz", null, ContactMethod.Email),
            invite: false, null, CancellationToken.None))).NewPatient!;
}
