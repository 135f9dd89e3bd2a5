using System.Security.Claims;
using Kaitiaki.Accounts;

namespace Kaitiaki.Web;

/// <summary>The main navigation: the places each signed-in person's roles lead to, in the order they read.</summary>
internal static class Navigation
{
    internal sealed record Item(string Text, string Path);

    public static IReadOnlyList<Item> For(ClaimsPrincipal user)
    {
        var items = new List<Item>();
        if (user.IsInRole(Roles.Patient) || user.IsInRole(Roles.Proxy))
        {
            items.Add(new("Home", "/patient"));
            items.Add(new("Documents", "/patient/documents"));
            items.Add(new("Who has looked at my records", "/patient/access-log"));
        }
        if (user.IsInRole(Roles.Clinician) || user.IsInRole(Roles.PracticeAdministrator) || user.IsInRole(Roles.PrivacyOfficer))
        {
            items.Add(new("Practice", "/practice"));
        }
        if (user.IsInRole(Roles.SecurityAnalyst) || user.IsInRole(Roles.IncidentManager) || user.IsInRole(Roles.SupportAgent))
        {
            items.Add(new("Operations", "/operator"));
        }
        if (user.IsInRole(Roles.SecurityAnalyst))
        {
            items.Add(new("Security console", "/operator/security"));
        }
        if (user.IsInRole(Roles.IncidentManager))
        {
            items.Add(new("Incidents", "/operator/incidents"));
        }
        items.Add(new("Account security", "/account/security"));
        return items;
    }

    /// <summary>True when <paramref name="path"/> is the item's page or a page beneath it, without a shorter item claiming it first.</summary>
    public static bool IsCurrent(Item item, string path, IReadOnlyList<Item> all)
    {
        static bool Under(string path, string root) =>
            path.Equals(root, StringComparison.OrdinalIgnoreCase) || path.StartsWith(root + "/", StringComparison.OrdinalIgnoreCase);

        if (!Under(path, item.Path))
        {
            return false;
        }
        // "/patient/documents" belongs to Documents, not to Home at "/patient".
        return !all.Any(other => other.Path.Length > item.Path.Length && Under(path, other.Path));
    }
}
