using Kaitiaki.Practices;
using Kaitiaki.Practices.Pages;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

[Trait("Category", "Browser")]
public sealed class EnrolmentTransferBrowserTests : BrowserTest
{
    [Fact]
    public async Task Staff_get_one_answer_whatever_the_details_match_and_the_patient_agrees_on_their_home_page()
    {
        var dateOfBirth = new DateOnly(1975, 3, 9);
        var home = await Portal.CreatePracticeAsync("Home Practice");
        var other = await Portal.CreatePracticeAsync("Harbour Practice");
        var patient = await Portal.CreatePatientAsync(home, dateOfBirth);
        var alreadyHere = await Portal.CreatePatientAsync(other, dateOfBirth);
        var clinician = await Portal.CreateStaffAsync(other, StaffRole.Clinician);
        var nhi = await NhiAsync(patient);

        var staffPage = await Browser.NewPageAsync(BaseUrl);
        await SignInAsync(staffPage, clinician);
        var answers = new List<string>
        {
            await SubmitAsync(staffPage, nhi, dateOfBirth),                     // registered, details match
            await SubmitAsync(staffPage, nhi, dateOfBirth.AddYears(1)),         // registered, wrong date of birth
            await SubmitAsync(staffPage, await NhiAsync(alreadyHere), dateOfBirth), // already enrolled here
            await SubmitAsync(staffPage, TestPortal.NewTestNhi(), dateOfBirth), // not registered: added and invited
        };
        Assert.All(answers, a => Assert.Equal(InvitePatientModel.Answer, a));

        // A wrong code gets the one calm refusal, which says nothing about whether a request exists.
        await staffPage.GotoAsync("/practice/patients/confirm");
        await staffPage.GetByLabel("NHI number").FillAsync(nhi);
        await staffPage.GetByLabel("Code", new() { Exact = true }).FillAsync("AAAA-BBBB-CCCC");
        await staffPage.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Assertions.Expect(staffPage.GetByRole(AriaRole.Alert)).ToContainTextAsync(ConfirmTransferModel.NotMatched);

        // The patient, on a phone with JavaScript off: the request fits the screen and its plain form works.
        var patientPage = await Browser.NewPageAsync(BaseUrl, width: 390, javaScript: false);
        await SignInAsync(patientPage, patient);
        await patientPage.GotoAsync("/patient");
        var request = patientPage.GetByRole(AriaRole.Region, new() { Name = "Harbour Practice has asked to become your practice" });
        await Assertions.Expect(request).ToBeVisibleAsync();
        Assert.True(await patientPage.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"),
            "The patient's home page scrolls sideways at 390 px.");
        await request.GetByRole(AriaRole.Button, new() { Name = "Agree to move to Harbour Practice" }).ClickAsync();

        await Assertions.Expect(patientPage.GetByRole(AriaRole.Status)).ToContainTextAsync("Your new practice");
        await Assertions.Expect(patientPage.Locator("dd", new() { HasText = "Harbour Practice" })).ToBeVisibleAsync();
        await Assertions.Expect(request).ToHaveCountAsync(0);
        var practices = await Portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Enrolments
            .Where(e => e.PatientId == patient.PatientId && e.EndedOn == null).Select(e => e.PracticeId).ToListAsync());
        Assert.Equal([other.Id], practices);
    }

    private static async Task<string> SubmitAsync(IPage page, string nhi, DateOnly dateOfBirth)
    {
        await page.GotoAsync("/practice/patients/new");
        await page.GetByLabel("NHI number").FillAsync(nhi);
        await page.GetByLabel("Given name").FillAsync("Mere");
        await page.GetByLabel("Family name").FillAsync("Tane");
        await page.GetByLabel("Date of birth").FillAsync(dateOfBirth.ToString("yyyy-MM-dd"));
        await page.GetByLabel("E-mail address").FillAsync($"typed-{Guid.NewGuid():N}@example.nz");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add and send invitation" }).ClickAsync();
        return (await page.GetByRole(AriaRole.Status).InnerTextAsync()).Trim();
    }

    private Task<string> NhiAsync(TestUser patient) =>
        Portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Patients.Where(p => p.Id == patient.PatientId).Select(p => p.Nhi).SingleAsync());
}
