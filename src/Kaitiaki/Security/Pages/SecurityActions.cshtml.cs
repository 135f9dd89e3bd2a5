using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Security.Pages;

/// <summary>Every containment action, in force first, each with Undo; and a form to block an address or network.</summary>
[Authorize(Policy = AccountsSetup.SecurityAnalystPolicy)]
[Audited(AuditAction.SecurityConsoleViewed, AuditAction.ContainmentApplied, AuditAction.ContainmentUndone)]
internal sealed class SecurityActionsModel(SecurityConsole console) : PageModel
{
    public const int Shown = 200;

    /// <summary>How long a block may be chosen to last, in minutes, with its words.</summary>
    public static readonly (int Minutes, string Text)[] Durations = [(60, "An hour"), (240, "4 hours"), (1440, "A day"), (10080, "A week")];

    public IReadOnlyList<ActionResponse> InForce { get; private set; } = [];
    public IReadOnlyList<ActionResponse> Past { get; private set; } = [];
    public IReadOnlyDictionary<Guid, string> Practices { get; private set; } = new Dictionary<Guid, string>();
    public string? Network { get; private set; }
    public int Minutes { get; private set; } = 60;
    public string? Message { get; private set; }
    public Problem? Problem { get; private set; }

    public async Task OnGetAsync(string? done, CancellationToken cancellationToken)
    {
        Message = ConsoleText.DoneMessage(done);
        await LoadAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostBlockAsync(string? network, int? minutes, CancellationToken cancellationToken)
    {
        Network = network;
        Minutes = minutes ?? 60;
        if (!Durations.Any(d => d.Minutes == Minutes))
        {
            Problem = new Problem("Choose how long the block lasts.", "minutes");
        }
        else
        {
            var (_, problem) = await console.TakeAsync(User.AccountId()!.Value,
                new ManualActionRequest("block-source", null, null, network, Minutes, null), cancellationToken);
            if (problem is null)
            {
                return Redirect(ConsoleText.Url("/operator/security/actions", "blocked"));
            }
            Problem = ConsoleText.ToProblem(problem);
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostUndoAsync(Guid action, CancellationToken cancellationToken)
    {
        var (_, problem) = await console.UndoAsync(User.AccountId()!.Value, action, cancellationToken);
        if (problem is null)
        {
            return Redirect(ConsoleText.Url("/operator/security/actions", "undone"));
        }
        Problem = ConsoleText.ToProblem(problem);
        await LoadAsync(cancellationToken);
        return Page();
    }

    public string Practice(Guid id) => Practices.TryGetValue(id, out var name) ? name : "one practice";

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var actions = await console.ActionsAsync(inForceOnly: false, Shown, cancellationToken);
        InForce = actions.Where(a => a.InForce).ToList();
        Past = actions.Where(a => !a.InForce).ToList();
        Practices = (await console.PracticesAsync(cancellationToken)).ToDictionary(p => p.Id, p => p.Name);
    }
}
