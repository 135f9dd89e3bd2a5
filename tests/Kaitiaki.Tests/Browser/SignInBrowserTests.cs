using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Tests.Support;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

[Trait("Category", "Browser")]
public sealed class SignInBrowserTests : BrowserTest
{
    [Fact]
    public async Task Practice_invites_a_patient_who_activates_enrols_an_authenticator_signs_in_and_out()
    {
        var practice = await Portal.CreatePracticeAsync("Kauri Coast Family Health");
        var admin = await Portal.CreateStaffAsync(practice, StaffRole.PracticeAdministrator);

        // The administrator adds the patient, which e-mails an invitation.
        var staffPage = await Browser.NewPageAsync(BaseUrl);
        await SignInAsync(staffPage, admin);
        await staffPage.GetByRole(AriaRole.Link, new() { Name = "Add and invite a patient" }).ClickAsync();
        var nhi = TestPortal.NewTestNhi();
        await staffPage.GetByLabel("NHI number").FillAsync(nhi);
        await staffPage.GetByLabel("Given name").FillAsync("Mere");
        await staffPage.GetByLabel("Family name").FillAsync("Parata");
        await staffPage.GetByLabel("Date of birth").FillAsync("1975-03-14");
        await staffPage.GetByLabel("E-mail address").FillAsync("mere.parata@example.nz");
        await staffPage.GetByRole(AriaRole.Button, new() { Name = "Add and send invitation" }).ClickAsync();
        await Assertions.Expect(staffPage.GetByRole(AriaRole.Status)).ToContainTextAsync("e-mailed an invitation");

        // The patient activates on their own computer.
        var code = await Outbox.ActivationCodeAsync(Portal.DataDirectory, "mere.parata@example.nz");
        var page = await Browser.NewPageAsync(BaseUrl);
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Activate your account" }).ClickAsync();
        await page.GetByLabel("E-mail address").FillAsync("mere.parata@example.nz");
        await page.GetByLabel("Activation code").FillAsync(code.ToLowerInvariant());
        await page.GetByLabel("Date of birth").FillAsync("1975-03-14");
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();

        const string password = "kumara harbour lighthouse";
        await page.GetByLabel("New password").FillAsync(password);
        await page.GetByLabel("Type the password again").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();

        var secret = (await page.Locator("#totp-secret").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
        await page.GetByLabel("The six-digit code your app shows now").FillAsync(Totp.Code(secret, Totp.StepAt(Portal.Clock.GetUtcNow())));
        await page.GetByRole(AriaRole.Button, new() { Name = "Finish" }).ClickAsync();
        await Assertions.Expect(page.Locator("#recovery-codes li")).ToHaveCountAsync(10);

        // Then signs in with the password and a fresh authenticator code.
        await page.GetByRole(AriaRole.Link, new() { Name = "Continue to sign in" }).ClickAsync();
        var user = new TestUser(Guid.Empty, "mere.parata@example.nz", password, secret, null, Roles.Patient);
        await page.GetByLabel("E-mail address").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByLabel("Code", new() { Exact = true }).FillAsync(Portal.NextTotp(user));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Kia ora, Mere");
        await Assertions.Expect(page.GetByText(nhi)).ToBeVisibleAsync();

        var cookies = await page.Context.CookiesAsync();
        var session = Assert.Single(cookies, c => c.Name == AccountsSetup.CookieBareName);
        Assert.True(session.HttpOnly);
        Assert.False(session.Secure); // local http: the https-only flags are tested on the https test server
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("You're signed out");
        await page.GotoAsync("/patient");
        Assert.Contains("/account/login", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_anotherBrowsers_session_on_its_next_click()
    {
        var practice = await Portal.CreatePracticeAsync();
        var patient = await Portal.CreatePatientAsync(practice);

        var laptop = await Browser.NewPageAsync(BaseUrl);
        await SignInAsync(laptop, patient);
        var phone = await Browser.NewPageAsync(BaseUrl);
        await SignInAsync(phone, patient);
        await Assertions.Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Kia ora");

        await laptop.GetByRole(AriaRole.Link, new() { Name = "Account security" }).ClickAsync();
        await Assertions.Expect(laptop.Locator("tbody tr")).ToHaveCountAsync(2);
        await laptop.GetByRole(AriaRole.Button, new() { Name = "Sign out everywhere" }).ClickAsync();
        await Assertions.Expect(laptop.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("You're signed out");

        await phone.GetByRole(AriaRole.Link, new() { Name = "Who has looked at my records" }).ClickAsync();
        Assert.Contains("/account/login", phone.Url, StringComparison.Ordinal);
        await Assertions.Expect(phone.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sign in");
    }

    [Fact]
    public async Task Patient_registers_a_passkey_and_signs_in_with_it()
    {
        var practice = await Portal.CreatePracticeAsync();
        var patient = await Portal.CreatePatientAsync(practice);
        var page = await Browser.NewPageAsync(BaseUrl);

        // Chromium's virtual authenticator stands in for a phone or security key, with user verification.
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });

        await SignInAsync(page, patient);
        await page.GetByRole(AriaRole.Link, new() { Name = "Account security" }).ClickAsync();
        await page.GetByLabel("Name for this passkey").FillAsync("Test laptop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Your passkey has been added")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#passkeys li")).ToContainTextAsync("Test laptop");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).First.ClickAsync();
        await page.GotoAsync("/account/login");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Kia ora");
        Assert.EndsWith("/patient", page.Url, StringComparison.Ordinal);
    }
}
