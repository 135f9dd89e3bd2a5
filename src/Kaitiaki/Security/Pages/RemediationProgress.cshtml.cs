using Kaitiaki.Accounts;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Security.Pages;

/// <summary>
/// A batch's progress, from memory. It names accounts by kind and id only and reads nothing from the database, so it
/// records nothing itself: the batch's start and each account's remediation are on the audit trail already.
/// </summary>
[Authorize(Policy = AccountsSetup.SecurityAnalystPolicy)]
[NoPatientData]
internal sealed class RemediationProgressModel(RemediationBatches batches, TimeProvider clock) : PageModel
{
    public RemediationBatch Batch { get; private set; } = null!;
    public DateTime Now { get; private set; }

    public IActionResult OnGet(Guid id) => Load(id) ? Page() : NotFound();

    /// <summary>The progress part alone, for the script to put in place of the old one.</summary>
    public IActionResult OnGetProgress(Guid id) => Load(id) ? Partial("/Security/Pages/_RemediationProgress.cshtml", this) : NotFound();

    /// <summary>Like "Finished at 10:41 am NZDT: 18 of 20 remediated, 2 not found." or "Started at …: 3 of 20 done so far."</summary>
    public static string Summary(RemediationBatch batch)
    {
        var total = batch.Entries.Count;
        if (batch.FinishedAt is not { } finished)
        {
            return $"Started at {NzTime.Clock(batch.StartedAt)} {NzTime.Zone(batch.StartedAt)}: {total - batch.Count(RemediationStep.Queued)} of {total} done so far.";
        }
        var parts = new List<string> { $"{batch.Count(RemediationStep.Done)} of {total} remediated" };
        void Add(RemediationStep step, string words)
        {
            if (batch.Count(step) is var n and > 0)
            {
                parts.Add($"{n} {words}");
            }
        }
        Add(RemediationStep.AlreadyPending, "already waiting for a new password");
        Add(RemediationStep.NotFound, "not found");
        Add(RemediationStep.Failed, "didn't work (try them again)");
        return $"Finished at {NzTime.Clock(finished)} {NzTime.Zone(finished)}: {string.Join(", ", parts)}.";
    }

    public static string StepText(RemediationStep step) => step switch
    {
        RemediationStep.Queued => "Waiting",
        RemediationStep.Done => "Done",
        RemediationStep.AlreadyPending => "Already waiting for a new password",
        RemediationStep.NotFound => "No such account",
        _ => "Didn't work",
    };

    public static string StepTag(RemediationStep step) => step switch
    {
        RemediationStep.Done => "govuk-tag govuk-tag--green",
        RemediationStep.Failed => "govuk-tag govuk-tag--red",
        RemediationStep.Queued => "govuk-tag govuk-tag--blue",
        _ => "govuk-tag govuk-tag--grey",
    };

    private bool Load(Guid id)
    {
        Now = clock.GetUtcNow().UtcDateTime;
        if (batches.Find(id) is not { } batch)
        {
            return false;
        }
        Batch = batch;
        return true;
    }
}
