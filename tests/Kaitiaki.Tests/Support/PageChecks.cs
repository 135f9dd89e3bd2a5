using System.Text.Json;
using Deque.AxeCore.Commons;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Support;

/// <summary>What every page must be, checked as a person would meet it: accessible, and never wider than a phone.</summary>
internal static class PageChecks
{
    // axe-core as Deque.AxeCore.Playwright bundles it. The package's RunAxe gathers every frame's context and every
    // result type on each call, about three seconds a page here; injecting the same script once per page and asking
    // only for violations takes a tenth of that, and the rules run are the same.
    private static readonly Lazy<string> AxeScript = new(() => new BundledAxeScriptProvider().GetScript());

    private const string RunWcagAa = """
        () => axe.run(document, {
            runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'] },
            resultTypes: ['violations'],
            iframes: false,
        }).then(result => JSON.stringify(result.violations.map(v => ({
            id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(' ')),
        }))))
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Violation(string Id, string? Impact, List<string> Targets);

    /// <summary>
    /// Fails on any WCAG 2.2 A/AA violation axe-core finds. axe-core is a script, so the page must have JavaScript on;
    /// check a page without JavaScript for what it does, and with JavaScript for axe-core. The message names rules and selectors only, never the
    /// page's text, so no patient's details reach the test output.
    /// </summary>
    public static async Task AssertAccessibleAsync(IPage page, string what)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync(AxeScript.Value);
        }
        var json = await page.EvaluateAsync<string>(RunWcagAa);
        var violations = JsonSerializer.Deserialize<List<Violation>>(json, Json)!;
        var problems = violations.SelectMany(v => v.Targets.Select(t => $"{v.Id} ({v.Impact}) at {t}")).ToList();
        Assert.True(problems.Count == 0, $"{what}: axe-core found {problems.Count} WCAG A/AA violation(s):\n{string.Join("\n", problems)}");
    }

    /// <summary>Fails when the page is wider than the viewport, so a phone would have to scroll sideways.</summary>
    public static async Task AssertNoSidewaysScrollAsync(IPage page, string what)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        var (scroll, viewport) = (widths[0], widths[1]);
        Assert.True(scroll <= viewport, $"{what}: the page is {scroll} px wide in a {viewport} px viewport.");
    }
}
