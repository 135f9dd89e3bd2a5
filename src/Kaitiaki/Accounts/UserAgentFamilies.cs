namespace Kaitiaki.Accounts;

/// <summary>
/// Browser and operating-system families from a user-agent string, for showing a person their own devices.
/// </summary>
/// <remarks>
/// None of the usual parsing libraries (UAParser, MyCSharp.HttpUserAgentParser, DeviceDetector.NET) is served by the
/// package feed this project builds from, so this is a deliberately short table: the browsers and systems most people
/// in New Zealand use, nothing more. It names families only, never versions, and never decides anything: a
/// user-agent is whatever the client says it is, so it is for display alone. Replace this class with a library when
/// one can be restored; nothing else depends on how it works.
/// </remarks>
internal static class UserAgentFamilies
{
    public const string UnknownBrowser = "Unknown browser";

    // Order matters: Edge, Opera and Samsung Internet also say "Chrome/", and Chrome says "Safari/".
    private static readonly (string Token, string Family)[] Browsers =
    [
        ("Edg/", "Edge"), ("EdgA/", "Edge"), ("EdgiOS/", "Edge"),
        ("OPR/", "Opera"), ("OPiOS/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("CriOS/", "Chrome"), ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ];

    // Android before Linux (Android says "Linux"); iPhone and iPad before Mac (they say "like Mac OS X").
    private static readonly (string Token, string Family)[] Systems =
    [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iPhone"), ("iPod", "iPhone"), ("iPad", "iPad"),
        ("CrOS", "ChromeOS"),
        ("Macintosh", "Mac"), ("Mac OS X", "Mac"),
        ("Linux", "Linux"),
    ];

    /// <summary>Like "Firefox on Windows"; "Unknown browser" when the string names no browser we know.</summary>
    public static string Describe(string? userAgent)
    {
        var browser = Find(Browsers, userAgent);
        var system = Find(Systems, userAgent);
        return (browser, system) switch
        {
            (not null, not null) => $"{browser} on {system}",
            (not null, null) => browser,
            (null, not null) => $"{UnknownBrowser} on {system}",
            _ => UnknownBrowser,
        };
    }

    private static string? Find((string Token, string Family)[] table, string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return null;
        }
        foreach (var (token, family) in table)
        {
            if (userAgent.Contains(token, StringComparison.Ordinal))
            {
                return family;
            }
        }
        return null;
    }
}
