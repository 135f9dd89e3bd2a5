using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Support;

/// <summary>What every page must be, checked as a person would meet it: accessible, and never wider than a phone.</summary>
internal static class PageChecks
{
    private static readonly AxeRunOptions WcagAa = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"] },
        ResultTypes = [ResultType.Violations],
    };

    /// <summary>
    /// Fails on any WCAG 2.2 A/AA violation axe-core finds. The message names rules and selectors only, never the
    /// page's text, so no patient's details reach the test output.
    /// </summary>
    public static async Task AssertAccessibleAsync(IPage page, string what)
    {
        var result = await page.RunAxe(WcagAa);
        var problems = result.Violations
            .SelectMany(v => v.Nodes.Select(n => $"{v.Id} ({v.Impact}) at {n.Target}"))
            .ToList();
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
