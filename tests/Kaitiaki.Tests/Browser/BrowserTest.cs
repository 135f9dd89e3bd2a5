using Kaitiaki.Tests.Support;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

/// <summary>A portal on a real loopback port and real Chromium, with the steps most browser tests share.</summary>
public abstract class BrowserTest : IAsyncLifetime
{
    private protected TestPortal Portal { get; private set; } = null!;
    private protected Support.Browser Browser { get; private set; } = null!;

    // Chromium keeps cookies on http://localhost, which it treats as a secure context.
    protected string BaseUrl => Portal.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

    /// <summary>Settings a test class adds to its portal's, such as <c>Kaitiaki:Detection:Mode</c>.</summary>
    private protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string>(Settings) { ["Kaitiaki:LocalHttp"] = "true" };
        Portal = await TestPortal.StartAsync(kestrel: true, settings);
        Browser = await Support.Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Portal.DisposeAsync();
    }

    private protected async Task SignInAsync(IPage page, TestUser user)
    {
        await page.GotoAsync("/account/login");
        await page.GetByLabel("E-mail address").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByLabel("Code", new() { Exact = true }).FillAsync(Portal.NextTotp(user));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }
}
