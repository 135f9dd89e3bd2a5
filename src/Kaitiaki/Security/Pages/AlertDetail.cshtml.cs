using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Security.Pages;

/// <summary>
/// One alert: what the detector saw, what was done (each with Undo), one-click actions on whoever it is about, and the
/// audit events that are its evidence, in words.
/// </summary>
[Authorize(Policy = AccountsSetup.SecurityAnalystPolicy)]
[Audited(AuditAction.SecurityConsoleViewed, AuditAction.ContainmentApplied, AuditAction.ContainmentUndone)]
internal sealed class AlertDetailModel(SecurityConsole console) : PageModel
{
    /// <summary>How long the one-click block lasts.</summary>
    public const int BlockMinutes = 60;

    public AlertDetail Alert { get; private set; } = null!;
    public string? Who { get; private set; }

    /// <summary>The network to offer to block: the alert's own, or that of the latest address in its evidence.</summary>
    public string? Network { get; private set; }

    public string? Message { get; private set; }
    public Problem? Problem { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, string? done, CancellationToken cancellationToken)
    {
        Message = ConsoleText.DoneMessage(done);
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    /// <summary>A one-click action on whoever the alert is about: suspend-account, revoke-session or block-source.</summary>
    public async Task<IActionResult> OnPostTakeAsync(Guid id, string? kind, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        var request = kind switch
        {
            "suspend-account" => new ManualActionRequest(kind, Alert.AccountId, null, null, null, id),
            "revoke-session" => new ManualActionRequest(kind, null, Alert.SessionId, null, null, id),
            "block-source" => new ManualActionRequest(kind, null, null, Network, BlockMinutes, id),
            _ => null,
        };
        if (request is null)
        {
            Problem = new Problem("Choose one of the actions offered for this alert.");
            return Page();
        }
        var (_, problem) = await console.TakeAsync(User.AccountId()!.Value, request, cancellationToken);
        if (problem is not null)
        {
            Problem = ConsoleText.ToProblem(problem with { Field = null });
            return Page();
        }
        return Redirect(ConsoleText.Url($"/operator/security/alerts/{id}", kind switch
        {
            "suspend-account" => "suspended",
            "revoke-session" => "ended",
            _ => "blocked",
        }));
    }

    public async Task<IActionResult> OnPostUndoAsync(Guid id, Guid action, CancellationToken cancellationToken)
    {
        var (_, problem) = await console.UndoAsync(User.AccountId()!.Value, action, cancellationToken);
        if (problem is null)
        {
            return Redirect(ConsoleText.Url($"/operator/security/alerts/{id}", "undone"));
        }
        Problem = ConsoleText.ToProblem(problem);
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    /// <summary>Whether one of this alert's actions of that kind is in force, so its button is not offered again.</summary>
    public bool InForce(string kind) => Alert.Alert.Actions.Any(a => a.Kind == kind && a.InForce);

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await console.AlertAsync(id, cancellationToken) is not { } alert)
        {
            return false;
        }
        Alert = alert;
        Network = alert.Network ?? Networks.NetworkOf(alert.Evidence.LastOrDefault(e => e.IpAddress is not null)?.IpAddress);
        var account = alert.AccountId ?? SecurityHomeModel.AccountOf(alert.Alert.Principal);
        var labels = account is { } a ? await console.AccountLabelsAsync([a], cancellationToken) : new Dictionary<Guid, string>();
        Who = account is { } known && labels.TryGetValue(known, out var label) ? $"Account of {label}" : AlertWords.Principal(alert.Alert.Principal);
        return true;
    }
}
