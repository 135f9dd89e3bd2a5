using System.Text.RegularExpressions;

namespace Kaitiaki.Tests.Practices;

/// <summary>
/// docs/architecture.md section 5.1 lists every way a relationship that opens someone's records is created, and who
/// must agree to it. The source must not create one anywhere else, so a new way cannot appear without the table.
/// </summary>
public sealed partial class RelationshipConsentTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void Every_relationship_that_grants_access_is_created_only_where_the_consent_table_says()
    {
        var table = ReadTable();
        Assert.Equal(["A patient's own account", "An operator account", "Enrolment", "ProxyGrant", "StaffMembership"], table.Keys.Order());

        var found = new Dictionary<string, SortedSet<string>>();
        foreach (var file in SourceFiles())
        {
            var text = File.ReadAllText(file);
            var relative = Path.GetRelativePath(Path.Combine(Root, "src", "Kaitiaki"), file).Replace('\\', '/');
            foreach (Match m in NewRelationship().Matches(text))
            {
                Add(found, m.Groups[1].Value, relative);
            }
            foreach (Match m in NewAccount().Matches(text))
            {
                var initializer = Initializer(text, m.Index + m.Length - 1);
                if (initializer.Contains("PatientId =", StringComparison.Ordinal))
                {
                    Add(found, "A patient's own account", relative);
                }
                if (initializer.Contains("OperatorRole =", StringComparison.Ordinal))
                {
                    Add(found, "An operator account", relative);
                }
            }
        }

        foreach (var (relationship, files) in found)
        {
            Assert.True(table.ContainsKey(relationship), $"{relationship} is created in code but missing from the table.");
            Assert.True(files.SetEquals(table[relationship]),
                $"{relationship} is created in {string.Join(", ", files)}, but the table lists {string.Join(", ", table[relationship])}.");
        }
        Assert.Equal(table.Keys.Order(), found.Keys.Order());
    }

    /// <summary>The object initializer that opens at <paramref name="open"/>, nested braces and all.</summary>
    private static string Initializer(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            depth += text[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (depth == 0)
            {
                return text[open..(i + 1)];
            }
        }
        return text[open..];
    }

    private static void Add(Dictionary<string, SortedSet<string>> found, string relationship, string file)
    {
        if (!found.TryGetValue(relationship, out var files))
        {
            found[relationship] = files = [];
        }
        files.Add(file);
    }

    private static Dictionary<string, SortedSet<string>> ReadTable()
    {
        var doc = File.ReadAllText(Path.Combine(Root, "docs", "architecture.md"));
        var start = doc.IndexOf("### 5.1 Relationships that grant access", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/architecture.md has no section 5.1.");
        var rows = new Dictionary<string, SortedSet<string>>();
        foreach (var line in doc[start..].Split('\n').SkipWhile(l => !l.StartsWith("| Relationship", StringComparison.Ordinal)).Skip(2))
        {
            if (!line.StartsWith('|'))
            {
                break;
            }
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            var name = Backticks().Replace(cells[1], "$1");
            var parenthesis = name.IndexOf(" (", StringComparison.Ordinal);
            name = parenthesis > 0 ? name[..parenthesis] : name;
            rows[name] = [.. Backticks().Matches(cells[3]).Select(m => m.Groups[1].Value).Where(v => v.EndsWith(".cs", StringComparison.Ordinal))];
        }
        return rows;
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Path.Combine(Root, "src", "Kaitiaki"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kaitiaki.slnx")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Could not find the repository root.");
    }

    [GeneratedRegex(@"\bnew\s+(Enrolment|ProxyGrant|StaffMembership)\b(?!\w)")]
    private static partial Regex NewRelationship();

    [GeneratedRegex(@"\bnew\s+Account\s*\{")]
    private static partial Regex NewAccount();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticks();
}
