using Kaitiaki.Web;

namespace Kaitiaki.Security.Pages;

/// <summary>The console's messages after a change (the <c>?done=</c> a redirect carries) and its problems, in words.</summary>
internal static class ConsoleText
{
    private static readonly Dictionary<string, string> Done = new(StringComparer.Ordinal)
    {
        ["suspended"] = "The account is suspended. It can't be used or signed in to until the suspension is undone.",
        ["ended"] = "The session has ended. Whoever was using it will need to sign in again.",
        ["blocked"] = "The block is in place. Requests from there are refused until it lapses or is undone.",
        ["undone"] = "The action is undone and no longer in force.",
        ["switched-off"] = "Switched off. People see a calm message saying it's paused; everything else keeps working.",
        ["switched-on"] = "Switched back on.",
    };

    public static string? DoneMessage(string? done) => done is not null && Done.TryGetValue(done, out var message) ? message : null;

    public static Problem ToProblem(ConsoleProblem problem) => new(problem.Detail, problem.Field, problem.Title);

    public static string Url(string path, string done) => $"{path}?done={Uri.EscapeDataString(done)}";
}
