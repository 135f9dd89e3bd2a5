using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Security.Pages;

/// <summary>
/// The kill switches: each with its state, switched off or back on for everyone or for one practice. Switching off is
/// a containment action like any other, so it shows among the actions and is undone by switching back on.
/// </summary>
[Authorize(Policy = AccountsSetup.SecurityAnalystPolicy)]
[Audited(AuditAction.SecurityConsoleViewed, AuditAction.ContainmentApplied, AuditAction.ContainmentUndone)]
internal sealed class SecuritySwitchesModel(SecurityConsole console) : PageModel
{
    public IReadOnlyList<SwitchResponse> Switches { get; private set; } = [];
    public IReadOnlyList<PracticeChoice> Practices { get; private set; } = [];
    public string? Message { get; private set; }
    public Problem? Problem { get; private set; }

    public async Task OnGetAsync(string? done, CancellationToken cancellationToken)
    {
        Message = ConsoleText.DoneMessage(done);
        await LoadAsync(cancellationToken);
    }

    /// <summary>For everyone: off, or back on (which also ends every practice's switch-off of it).</summary>
    public Task<IActionResult> OnPostEveryoneAsync(string name, bool enabled, CancellationToken cancellationToken) =>
        SetAsync(name, enabled, null, cancellationToken);

    /// <summary>For one practice's patients only. Without a practice chosen nothing changes: this must never become "everyone".</summary>
    public async Task<IActionResult> OnPostPracticeAsync(string name, bool enabled, Guid? practiceId, CancellationToken cancellationToken)
    {
        if (practiceId is null)
        {
            Problem = new Problem("Choose the practice to switch it off for.", FieldFor(name));
            await LoadAsync(cancellationToken);
            return Page();
        }
        return await SetAsync(name, enabled, practiceId, cancellationToken);
    }

    public static string FieldFor(string name) => $"practice-{name}";

    public string PracticeName(Guid id) => Practices.FirstOrDefault(p => p.Id == id)?.Name ?? "a practice that has left";

    private async Task<IActionResult> SetAsync(string name, bool enabled, Guid? practiceId, CancellationToken cancellationToken)
    {
        var analyst = User.AccountId()!.Value;
        var (_, problem) = await console.SetSwitchAsync(analyst, name, enabled, practiceId, cancellationToken);
        if (problem is null && enabled && practiceId is null)
        {
            // Back on for everyone means on for every practice too.
            var state = (await console.SwitchesAsync(cancellationToken)).First(s => s.Name == KillSwitches.Find(name)!.Name);
            foreach (var practice in state.OffForPractices)
            {
                await console.SetSwitchAsync(analyst, name, enabled: true, practice, cancellationToken);
            }
        }
        if (problem is null)
        {
            return Redirect(ConsoleText.Url("/operator/security/switches", enabled ? "switched-on" : "switched-off"));
        }
        Problem = ConsoleText.ToProblem(problem with { Field = problem.Field == "practiceId" ? FieldFor(name) : null });
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Switches = await console.SwitchesAsync(cancellationToken);
        Practices = await console.PracticesAsync(cancellationToken);
    }
}
