using Kaitiaki.Accounts;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

/// <summary>Renewing sign-in details after credential remediation, and the paused answer, as people meet them on a phone.</summary>
[Trait("Category", "Browser")]
public sealed class RenewalBrowserTests : BrowserTest
{
    [Fact]
    public async Task On_a_phone_without_JavaScript_a_remediated_patient_renews_their_details_and_a_suspended_one_is_told_calmly()
    {
        var practice = await Portal.CreatePracticeAsync();
        var patient = await Portal.CreatePatientAsync(practice);
        var checkedWithAxe = await Portal.CreatePatientAsync(practice);
        var suspended = await Portal.CreatePatientAsync(practice);
        await RemediateAsync(patient.AccountId);
        await RemediateAsync(checkedWithAxe.AccountId);
        await SuspendAsync(suspended.AccountId);

        var page = await Browser.NewPageAsync(BaseUrl, width: 390, javaScript: false);
        page.SetDefaultTimeout(30_000);
        await SignInAsync(page, patient);
        await RenewAsync(page, "at 390 px without JavaScript", axe: false);
        await page.GetByRole(AriaRole.Link, new() { Name = "Continue to Kaitiaki" }).ClickAsync();
        await Assertions.Expect(page.Locator(".kt-header__person")).ToContainTextAsync("Signed in as");

        var paused = await Browser.NewPageAsync(BaseUrl, width: 390, javaScript: false);
        await SignInAsync(paused, suspended);
        await Assertions.Expect(paused.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(SignInService.AccountPausedTitle);
        await PageChecks.AssertNoSidewaysScrollAsync(paused, "Paused account at 390 px");

        // axe-core runs in the page, so the same steps are checked again with JavaScript on.
        var checker = await Browser.NewPageAsync(BaseUrl, width: 390);
        checker.SetDefaultTimeout(30_000);
        await SignInAsync(checker, checkedWithAxe);
        await RenewAsync(checker, "at 390 px", axe: true);
        await paused.Context.CloseAsync();
        var pausedChecker = await Browser.NewPageAsync(BaseUrl, width: 390);
        await SignInAsync(pausedChecker, suspended);
        await Assertions.Expect(pausedChecker.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(SignInService.AccountPausedTitle);
        await PageChecks.AssertAccessibleAsync(pausedChecker, "Paused account");
    }

    /// <summary>From the first renewal step to the new recovery codes, checking each step on the way.</summary>
    private async Task RenewAsync(IPage page, string how, bool axe)
    {
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 2, Name = "Set up your authenticator app again" })).ToBeVisibleAsync();
        await CheckAsync(page, $"Renewal, authenticator step, {how}", axe);
        var seed = (await page.Locator("#totp-secret").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
        Portal.Clock.Advance(TimeSpan.FromSeconds(Totp.StepSeconds));
        await page.GetByLabel("The six-digit code the new entry shows now").FillAsync(Totp.Code(seed, Totp.StepAt(Portal.Clock.GetUtcNow())));
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Choose a new password");
        await CheckAsync(page, $"Renewal, password step, {how}", axe);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("kererū over the harbour bridge");
        await page.GetByLabel("New password again").FillAsync("kererū over the harbour bridge");
        await page.GetByRole(AriaRole.Button, new() { Name = "Finish" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Your new sign-in details are set up");
        await Assertions.Expect(page.Locator("#recovery-codes li")).ToHaveCountAsync(10);
        await CheckAsync(page, $"Renewal done, {how}", axe);
    }

    private static async Task CheckAsync(IPage page, string what, bool axe)
    {
        await PageChecks.AssertNoSidewaysScrollAsync(page, what);
        if (axe)
        {
            await PageChecks.AssertAccessibleAsync(page, what);
        }
    }

    private async Task RemediateAsync(Guid accountId) =>
        await Portal.WithScopeAsync(sp => sp.GetRequiredService<CredentialRemediation>().RemediateAsync(accountId, CancellationToken.None));

    private async Task SuspendAsync(Guid accountId) =>
        await Portal.WithScopeAsync(sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            db.ContainmentActions.Add(new ContainmentAction
            {
                Kind = ContainmentKind.SuspendAccount, AccountId = accountId, AppliedAt = Portal.Clock.GetUtcNow().UtcDateTime, Reason = "manual",
            });
            return db.SaveChangesAsync();
        });
}
