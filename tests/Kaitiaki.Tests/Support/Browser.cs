using Microsoft.Playwright;

namespace Kaitiaki.Tests.Support;

/// <summary>Real Chromium from Debian's package, headless, driven by Playwright.</summary>
internal sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private Browser(IPlaywright playwright, IBrowser chromium)
    {
        _playwright = playwright;
        Chromium = chromium;
    }

    public IBrowser Chromium { get; }

    public static async Task<Browser> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
            ],
        });
        return new Browser(playwright, chromium);
    }

    /// <summary>A fresh browser profile: its own cookies, like a different person's computer.</summary>
    /// <param name="width">The viewport's width in CSS pixels: 390 is a phone.</param>
    /// <param name="javaScript">False to try a page as someone with JavaScript off would.</param>
    public async Task<IPage> NewPageAsync(string baseUrl, int width = 1280, bool javaScript = true)
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = 800 },
            JavaScriptEnabled = javaScript,
        });
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright.Dispose();
    }
}
