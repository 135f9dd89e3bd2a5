using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Security;
using Kaitiaki.Tests.Incidents;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

/// <summary>
/// Every page of every role, as people meet them: at 1280 px and at 390 px, each checked by axe-core for WCAG 2.2 A/AA
/// and for sideways scrolling. One portal and one browser serve the whole tour.
/// </summary>
[Trait("Category", "Browser")]
public sealed class EveryPageTests : BrowserTest
{
    [Fact]
    public async Task Every_page_of_every_role_is_accessible_and_fits_a_phone()
    {
        var practice = await Portal.CreatePracticeAsync("Harbour Practice");
        var patient = await Portal.CreatePatientAsync(practice);
        var child = await Portal.CreatePatientAsync(practice, new DateOnly(2018, 6, 1));
        await Portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>()
            .GrantProxyAsync(patient.AccountId, child.PatientId!.Value, ProxyReason.ParentOfChild, null, CancellationToken.None));
        var clinician = await Portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var administrator = await Portal.CreateStaffAsync(practice, StaffRole.PracticeAdministrator);
        var privacyOfficer = await Portal.CreateStaffAsync(practice, StaffRole.PrivacyOfficer);
        var analyst = await Portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);
        var support = await Portal.CreateOperatorAsync(OperatorRole.SupportAgent);
        var patientApi = await Portal.SignInApiAsync(patient);
        var own = await TestPortal.UploadedIdAsync(patientApi, TestPortal.Pdf(3_000));
        await TestPortal.UploadedIdAsync(await Portal.SignInApiAsync(clinician), TestPortal.Pdf(2_000), category: "clinical-letter", patientId: patient.PatientId);

        // Security statuses to show: the patient impacted by a frozen incident (the red banner and the documents), the
        // child under review in a draft (amber), and a bystander left out of the frozen version (green).
        var bystander = await Portal.CreatePatientAsync(practice);
        var incidents = await Kaitiaki.Tests.Incidents.StatusScenario.StartAsync(Portal, practice);
        var read = await incidents.ShareAsync(patient.PatientId!.Value, "Discharge summary from Whangarei Hospital");
        await incidents.ShareAsync(child.PatientId!.Value, "Immunisation record");
        await incidents.ReadThenScopeAsync([patient.PatientId.Value], [read], freeze: true);
        await incidents.ReadThenScopeAsync([child.PatientId.Value], [], freeze: false);

        // Something for the security console to show: an alert (a patient's token asking for others' documents), a
        // switch off for the practice, and a block already undone.
        var prober = await Portal.SignInApiAsync(await Portal.CreatePatientAsync(practice));
        for (var i = 0; i < 4; i++)
        {
            await prober.GetAsync($"/api/v1/documents/{Guid.NewGuid()}");
        }
        var alert = await Portal.WithScopeAsync(sp => sp.GetRequiredService<Kaitiaki.Storage.KaitiakiDb>().SecurityAlerts.Select(a => a.Id).SingleAsync());
        var containment = Portal.Services.GetRequiredService<Containment>();
        await containment.TakeAsync(new ContainmentOrder(ContainmentKind.SwitchOff, "manual", Switch: "documents.upload", PracticeId: practice.Id),
            analyst.AccountId, null, CancellationToken.None);
        var block = await containment.TakeAsync(new ContainmentOrder(ContainmentKind.BlockSource, "manual", Network: "198.51.100.0/24"),
            analyst.AccountId, alert, CancellationToken.None);
        await containment.UndoAsync(block.Id, analyst.AccountId, "undone by an analyst", CancellationToken.None);

        // A frozen breach incident for the practices' review pages: one practice's clinician read three patients' documents.
        var breach = await PracticeReviewWorld.BuildAsync(Portal, practiceName: "Breach Practice");

        var failures = new List<string>();
        var anonymous = await Browser.NewPageAsync(BaseUrl);
        await CheckAsync(anonymous, failures, "/", "/account/login", "/account/activate", "/account/recover", "/no-such-page");

        var tour = new (TestUser User, string[] Paths)[]
        {
            (patient, ["/patient", "/patient/documents", $"/patient/documents?confirmDelete={own}", "/patient/documents?includeHidden=true",
                "/patient/access-log", $"/patient?patientId={child.PatientId}", $"/patient/access-log?patientId={child.PatientId}",
                $"/patient/documents?patientId={child.PatientId}", "/patient/security", $"/patient/security?patientId={child.PatientId}",
                "/patient/security/print", $"/patient/security/print?patientId={child.PatientId}", "/account/security", "/account/password", "/no-such-page"]),
            (bystander, ["/patient", "/patient/security", "/patient/security/print"]),
            (clinician, ["/practice", "/practice/patients", $"/practice/patients/{patient.PatientId}/documents", "/practice/patients/new",
                "/practice/patients/confirm", "/account/security"]),
            (administrator, ["/practice", "/practice/patients", "/practice/staff", "/practice/staff/new"]),
            (privacyOfficer, ["/practice", "/practice/incidents"]),
            (breach.PrivacyOfficer, ["/practice", "/practice/incidents", breach.IncidentPage, $"{breach.IncidentPage}&flag={breach.PatientIds[1]}"]),
            (analyst, ["/operator", "/operator/audit", $"/operator/audit?patient=&actor={patient.Email}", "/operator/audit?from=2026-13-45", "/operator/support",
                "/operator/security", $"/operator/security/alerts/{alert}", "/operator/security/actions", "/operator/security/switches",
                "/operator/security/remediation"]),
            (support, ["/operator", "/operator/support", $"/operator/support?account={patient.AccountId:N}", "/operator/helpline"]),
        };
        foreach (var (user, paths) in tour)
        {
            var page = await Browser.NewPageAsync(BaseUrl);
            await SignInAsync(page, user, failures);
            await CheckAsync(page, failures, paths);
            await page.Context.CloseAsync();
        }

        // The helpline answers a posted form, never a link: each of its answers as the agent meets it.
        var helpline = await Browser.NewPageAsync(BaseUrl);
        await SignInAsync(helpline, support, failures);
        await helpline.GotoAsync("/operator/helpline");
        await helpline.GetByLabel("NHI number").FillAsync(await Incidents.HelplineSteps.NhiOfAsync(Portal, patient));
        await helpline.GetByLabel("Day").FillAsync("17");
        await helpline.GetByLabel("Month").FillAsync("5");
        await helpline.GetByLabel("Year").FillAsync("1980");
        foreach (var (name, state) in new[] { ("", "with a detail missing"), ("Someone", "with no match"), ("patient", "with a caller found") })
        {
            await helpline.GetByLabel("Family name").FillAsync(name);
            await helpline.GetByRole(AriaRole.Button, new() { Name = "Find caller" }).ClickAsync();
            await Assertions.Expect(helpline.Locator("#status")).ToHaveCountAsync(name == "patient" ? 1 : 0);
            await CheckHereAsync(helpline, failures, $"/operator/helpline {state}");
        }
        await helpline.Context.CloseAsync();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Signs in, checking the second-step page on the way.</summary>
    private async Task SignInAsync(IPage page, TestUser user, List<string> failures)
    {
        await page.GotoAsync("/account/login");
        await page.GetByLabel("E-mail address").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.WaitForURLAsync("**/account/mfa**");
        await CheckHereAsync(page, failures, "/account/mfa");
        await page.GetByLabel("Code", new() { Exact = true }).FillAsync(Portal.NextTotp(user));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator(".kt-header__person")).ToContainTextAsync("Signed in as");
    }

    private static async Task CheckAsync(IPage page, List<string> failures, params string[] paths)
    {
        foreach (var path in paths)
        {
            await page.GotoAsync(path);
            await CheckHereAsync(page, failures, path);
        }
    }

    private static async Task CheckHereAsync(IPage page, List<string> failures, string path)
    {
        foreach (var width in new[] { 1280, 390 })
        {
            await page.SetViewportSizeAsync(width, 800);
            try
            {
                await PageChecks.AssertNoSidewaysScrollAsync(page, $"{path} at {width} px");
                await PageChecks.AssertAccessibleAsync(page, $"{path} at {width} px");
            }
            catch (Xunit.Sdk.XunitException ex)
            {
                failures.Add(ex.Message);
            }
        }
    }
}
