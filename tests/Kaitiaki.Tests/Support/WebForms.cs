using System.Net;
using System.Text.RegularExpressions;

namespace Kaitiaki.Tests.Support;

/// <summary>Fills in the portal's Razor forms as a browser without JavaScript would: antiforgery token and all.</summary>
internal static partial class WebForms
{
    /// <summary>Reads the page (for its antiforgery token and cookie), then posts the fields to it.</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string page, IDictionary<string, string> fields, string? handler = null)
    {
        var token = await TokenAsync(client, page);
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = token };
        var target = handler is null ? page : $"{page}{(page.Contains('?', StringComparison.Ordinal) ? '&' : '?')}handler={handler}";
        return await client.PostAsync(target, new FormUrlEncodedContent(form));
    }

    public static async Task<string> TokenAsync(HttpClient client, string page)
    {
        var response = await client.GetAsync(page);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var match = Token().Match(await response.Content.ReadAsStringAsync());
        Assert.True(match.Success, $"{page} has no antiforgery token.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>The text of the page's error summary, or null when it shows none.</summary>
    public static async Task<string?> ErrorSummaryAsync(HttpResponseMessage response)
    {
        var match = ErrorSummary().Match(await response.Content.ReadAsStringAsync());
        return match.Success ? WebUtility.HtmlDecode(Tags().Replace(match.Groups[1].Value, " ")).Trim() : null;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    [GeneratedRegex("<div class=\"govuk-error-summary\"[^>]*>(.*?)</ul>", RegexOptions.Singleline)]
    private static partial Regex ErrorSummary();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();
}
