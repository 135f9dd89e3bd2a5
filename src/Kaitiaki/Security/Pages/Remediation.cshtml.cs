using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Security.Pages;

/// <summary>
/// Credential remediation of many accounts at once: tick accounts behind alerts, paste ids or e-mail addresses, or take
/// a practice's staff; confirm with your own password; the batch then runs in the background. Remediation itself is
/// <see cref="IRemediation"/>'s, which audits each account; this page records only that the batch was started.
/// </summary>
[Authorize(Policy = AccountsSetup.SecurityAnalystPolicy)]
[Audited(AuditAction.SecurityConsoleViewed, AuditAction.RemediationBatchStarted, AuditAction.CredentialsRemediated, AuditAction.PasswordConfirmationFailed)]
internal sealed class RemediationModel(
    SecurityConsole console, RemediationPicker picker, RemediationBatches batches, AuditTrail audit, UserManager<Account> users,
    PasswordConfirmation passwords) : PageModel
{
    public bool Available { get; private set; }
    public IReadOnlyList<RemediationCandidate> Candidates { get; private set; } = [];
    public IReadOnlyList<PracticeChoice> Practices { get; private set; } = [];
    public IReadOnlyList<Guid> Ticked { get; private set; } = [];
    public string? Pasted { get; private set; }
    public Guid? PracticeId { get; private set; }
    public Problem? Problem { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(List<Guid>? accounts, string? pasted, Guid? practice, string? password, CancellationToken cancellationToken)
    {
        (Ticked, Pasted, PracticeId) = (accounts ?? [], pasted, practice);
        if (!IsAvailable())
        {
            Problem = new Problem("Remediation isn't available on this portal yet, so nothing was changed.");
            await LoadAsync(cancellationToken);
            return Page();
        }
        var (entries, problem) = await picker.ResolveAsync(new RemediationChoice(Ticked, pasted, practice), cancellationToken);
        if (entries is not null)
        {
            var me = await users.FindByIdAsync(User.AccountId()!.Value.ToString()) ?? throw new InvalidOperationException("The signed-in account has gone.");
            problem = await passwords.ConfirmAsync(me, password, "remediate credentials", cancellationToken) switch
            {
                PasswordCheck.Confirmed => null,
                PasswordCheck.Paused => new Problem(PasswordConfirmation.PausedMessage, "password"),
                _ => new Problem("That password isn't right, so nothing was changed. Enter your own Kaitiaki password.", "password"),
            };
        }
        if (problem is not null || entries is null)
        {
            Problem = problem;
            await LoadAsync(cancellationToken);
            return Page();
        }
        var id = Guid.CreateVersion7();
        var accountIds = entries.Where(e => e.AccountId is not null).Select(e => e.AccountId!.Value).ToList();
        await audit.RecordStandaloneAsync(AuditAction.RemediationBatchStarted, resourceType: "RemediationBatch", resourceId: id,
            detail: $"{accountIds.Count} accounts; {entries.Count - accountIds.Count} addresses with no account", items: accountIds);
        var runAs = new RemediationRunAs(User.Clone(), HttpContext.Connection.RemoteIpAddress, Request.Headers.UserAgent.ToString());
        batches.Start(runAs, User.AccountId()!.Value, entries, id);
        return Redirect($"/operator/security/remediation/{id}");
    }

    private bool IsAvailable() => HttpContext.RequestServices.GetService<IRemediation>() is not null;

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Available = IsAvailable();
        if (!Available)
        {
            return;
        }
        Candidates = await picker.CandidatesAsync(console, cancellationToken);
        Practices = await console.PracticesAsync(cancellationToken);
    }
}
