using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// The breach helpline for support agents: find a caller by NHI number, date of birth and family name, see their
/// security status and what to say, check the phrase from their notice, and log the call. The details are posted,
/// never put in the address bar, so they stay out of history and logs; the steps after a match carry a call token
/// that only a match can make, never a patient's id.
/// </summary>
[Authorize(Policy = AccountsSetup.HelplinePolicy)]
[Audited(AuditAction.HelplineLookup, AuditAction.HelplinePhraseChecked, AuditAction.HelplineCallLogged)]
internal sealed class HelplineModel(Helpline helpline, IncidentOptions options, TimeProvider clock) : PageModel
{
    public string HelplineNumber => options.HelplineNumber;
    public int PerMinute => options.HelplineLookupsPerMinute;

    public HelplineForm Form { get; private set; } = new(null, null, null, null, null, null);
    public HelplineProblems? Problems { get; private set; }
    public Problem? CallProblem { get; private set; }
    public HelplineOutcome? Outcome { get; private set; }
    public HelplineCaller? Caller { get; private set; }
    public bool? PhraseMatches { get; private set; }
    public string? Note { get; private set; }
    public string? Message { get; private set; }

    public void OnGet(string? done)
    {
        Message = done == "logged" ? "The call has been logged. You can look up the next caller." : null;
    }

    public async Task<IActionResult> OnPostFindAsync(
        string? nhi, string? dobDay, string? dobMonth, string? dobYear, string? dateOfBirth, string? familyName, CancellationToken cancellationToken)
    {
        Form = new HelplineForm(nhi?.Trim(), dobDay?.Trim(), dobMonth?.Trim(), dobYear?.Trim(), dateOfBirth?.Trim(), familyName?.Trim());
        var today = DateOnly.FromDateTime(NzTime.From(clock.GetUtcNow().UtcDateTime));
        // Incomplete or invalid details are refused here, before anything is looked up, counted or recorded.
        if (HelplineInput.Read(Form, today, out var problems) is not { } details)
        {
            Problems = problems;
            return Page();
        }
        var answer = await helpline.LookUpAsync(User.AccountId()!.Value, User.SessionId(), details, cancellationToken);
        return Show(answer);
    }

    public async Task<IActionResult> OnPostCheckAsync(string? call, string? phrase, CancellationToken cancellationToken)
    {
        var agent = User.AccountId()!.Value;
        if (string.IsNullOrWhiteSpace(phrase))
        {
            // Nothing to check, so nothing is counted against the minute's allowance.
            if (await helpline.AgainAsync(agent, call, cancellationToken) is not { } caller)
            {
                return Show(new HelplineAnswer(HelplineOutcome.Expired));
            }
            CallProblem = new Problem("Type the phrase they read out from their notice, then check it.", "phrase");
            return Show(new HelplineAnswer(HelplineOutcome.Found, caller));
        }
        return Show(await helpline.CheckPhraseAsync(agent, call, phrase, cancellationToken));
    }

    public async Task<IActionResult> OnPostLogAsync(string? call, string? note, CancellationToken cancellationToken)
    {
        var agent = User.AccountId()!.Value;
        var logged = await helpline.LogCallAsync(agent, call, note, cancellationToken);
        if (logged == CallLogOutcome.Logged)
        {
            return Redirect("/operator/helpline?done=logged");
        }
        if (logged == CallLogOutcome.Expired || await helpline.AgainAsync(agent, call, cancellationToken) is not { } caller)
        {
            return Show(new HelplineAnswer(HelplineOutcome.Expired));
        }
        Note = note;
        CallProblem = new Problem(logged == CallLogOutcome.NoteTooLong
            ? $"Keep the note to {Helpline.NoteMaxLength:N0} characters or fewer. The call has not been logged yet."
            : "The note has a hidden character in it, often left over from copying and pasting. Please type it again. The call has not been logged yet.",
            "note");
        return Show(new HelplineAnswer(HelplineOutcome.Found, caller));
    }

    private PageResult Show(HelplineAnswer answer)
    {
        Outcome = answer.Outcome;
        Caller = answer.Caller;
        PhraseMatches = answer.PhraseMatches;
        var page = Page();
        if (answer.Outcome == HelplineOutcome.TooMany)
        {
            Response.Headers.RetryAfter = "60";
            page.StatusCode = StatusCodes.Status429TooManyRequests;
        }
        return page;
    }
}
