using System.Text.Json;

namespace Kaitiaki.Bench.Portal;

/// <summary>
/// One entry of a data folder's demo-accounts.json. The password and authenticator secret stay inside this process:
/// <see cref="ToString"/> names the account only, so no log line or exception can carry them out.
/// </summary>
internal sealed record DemoAccount(string Role, string Email, string Password, string TotpSecret, string? Practice, string? Nhi)
{
    public override string ToString() => $"{Role} {Email}";
}

/// <summary>The people of the demo world, as the portal's <c>demo-data</c> verb wrote them down.</summary>
internal sealed class DemoAccounts
{
    public const string Patient = "Patient";
    public const string Proxy = "Proxy";
    public const string Clinician = "Clinician";
    public const string SecurityAnalyst = "Security analyst";

    private DemoAccounts(IReadOnlyList<DemoAccount> all)
    {
        All = all;
        _practices = all.Where(a => a.Practice is not null).Select(a => a.Practice!).Distinct(StringComparer.Ordinal).ToList();
    }

    private readonly List<string> _practices;

    public IReadOnlyList<DemoAccount> All { get; }

    /// <summary>Practice names in the order the file first mentions them: the index numbers each practice's network.</summary>
    public IReadOnlyList<string> Practices => _practices;

    /// <summary>Reads demo-accounts.json, or the one inside the data folder <paramref name="path"/> names.</summary>
    public static DemoAccounts Load(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, "demo-accounts.json") : path;
        if (!File.Exists(file))
        {
            throw new BenchException($"There is no demo accounts file at {file}. Give --accounts DATA_DIR/demo-accounts.json, written by `kaitiaki demo-data`.");
        }
        List<DemoAccount>? accounts;
        try
        {
            accounts = JsonSerializer.Deserialize<List<DemoAccount>>(File.ReadAllText(file), Json.Options);
        }
        catch (JsonException error)
        {
            throw new BenchException($"{file} is not a demo accounts file ({error.Message}).");
        }
        if (accounts is null || accounts.Count == 0 || accounts.Any(a => string.IsNullOrEmpty(a.Email) || string.IsNullOrEmpty(a.Password) || string.IsNullOrEmpty(a.TotpSecret)))
        {
            throw new BenchException($"{file} has no accounts, or an account without an e-mail address, password or authenticator secret.");
        }
        return new DemoAccounts(accounts);
    }

    public IEnumerable<DemoAccount> InRole(params string[] roles) => All.Where(a => roles.Contains(a.Role, StringComparer.Ordinal));

    public DemoAccount First(string role) =>
        InRole(role).FirstOrDefault() ?? throw new BenchException($"The demo accounts file has no {role} account.");

    /// <summary>Which practice network a staff member works from (0 for anyone without a practice).</summary>
    public int PracticeIndex(DemoAccount account) =>
        account.Practice is null ? 0 : Math.Max(0, _practices.IndexOf(account.Practice));
}
