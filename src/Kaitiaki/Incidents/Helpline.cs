using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kaitiaki.Audit;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Incidents;

internal enum HelplineOutcome
{
    Found,

    /// <summary>Some detail did not match, or no one has that NHI: the agent is never told which.</summary>
    NoMatch,

    /// <summary>The agent has used this minute's look-ups; nothing was looked up.</summary>
    TooMany,

    /// <summary>The call token is not this agent's, was altered, or has expired: look the caller up again.</summary>
    Expired,
}

/// <summary>
/// The caller the three details matched, as the agent sees them: their name, their security status and whether their
/// practice has asked to contact them itself. <see cref="CallToken"/> carries the match to the next step of the same call.
/// </summary>
internal sealed record HelplineCaller(Guid PatientId, string Name, SecurityStatus Status, bool PracticeLeadsContact, string CallToken);

internal sealed record HelplineAnswer(HelplineOutcome Outcome, HelplineCaller? Caller = null, bool? PhraseMatches = null);

internal enum CallLogOutcome
{
    Logged,
    Expired,
    NoteTooLong,
    NoteHasHiddenCharacters,
}

/// <summary>
/// The breach helpline for support agents: find a caller by NHI, date of birth and family name (all three must match,
/// and a miss never says which did not), see their security status, check the verification phrase they read out, and
/// log the call. Every look-up and phrase check is audited and counted against the agent's allowance a minute
/// (<see cref="IncidentOptions.HelplineLookupsPerMinute"/>); every look-up also counts towards the hourly burst the
/// detector raises an alert for. Nothing clinical leaves here but what <see cref="SecurityStatuses"/> gives, and the
/// page shows only counts and dates from it.
/// </summary>
internal sealed class Helpline(
    KaitiakiDb db, SecurityStatuses statuses, AuditTrail audit, IDetectionState state, Detector detector, IncidentOptions options,
    IDataProtectionProvider protection, TimeProvider clock)
{
    public const int NoteMaxLength = 1000;

    /// <summary>How long a look-up carries on to a phrase check and a logged call: a long call, not a working day.</summary>
    public static readonly TimeSpan CallLifetime = TimeSpan.FromMinutes(30);

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly IDataProtector _calls = protection.CreateProtector("Kaitiaki.HelplineCall");

    public static string MinuteKey(Guid agentId) => $"helpline-minute:account:{agentId:N}";

    public async Task<HelplineAnswer> LookUpAsync(Guid agentId, Guid? sessionId, HelplineDetails details, CancellationToken cancellationToken)
    {
        var allowed = await WithinMinuteAsync(agentId);
        try
        {
            if (!allowed)
            {
                await audit.RecordStandaloneAsync(AuditAction.HelplineLookup, AuditOutcome.Denied,
                    detail: $"over {options.HelplineLookupsPerMinute} look-ups and phrase checks in a minute");
                return new HelplineAnswer(HelplineOutcome.TooMany);
            }
            var row = await db.Patients.AsNoTracking().Where(p => p.Nhi == details.Nhi)
                .Select(p => new { p.Id, p.GivenName, p.FamilyName, p.DateOfBirth, p.IsDecoy })
                .FirstOrDefaultAsync(cancellationToken);
            // Both comparisons run whatever the NHI found, so a miss is the same work whichever detail was wrong. A decoy
            // is no one who could phone in.
            var sameName = HelplineInput.SameFamilyName(row?.FamilyName ?? "", details.FamilyName);
            var sameBirth = row?.DateOfBirth == details.DateOfBirth;
            if (row is null || row.IsDecoy || !(sameName & sameBirth))
            {
                await audit.RecordStandaloneAsync(AuditAction.HelplineLookup, AuditOutcome.Failure, detail: "no match");
                return new HelplineAnswer(HelplineOutcome.NoMatch);
            }
            var caller = await CallerAsync(agentId, row.Id, $"{row.GivenName} {row.FamilyName}", cancellationToken);
            await audit.RecordStandaloneAsync(AuditAction.HelplineLookup, patientId: row.Id, resourceType: "Patient", resourceId: row.Id,
                detail: caller.Status.ApiName);
            return new HelplineAnswer(HelplineOutcome.Found, caller);
        }
        finally
        {
            // After the look-up's own event, so an alert's evidence includes it. Misses and refusals count: probing is the threat.
            await detector.NoticeHelplineLookupAsync(agentId, sessionId);
        }
    }

    /// <summary>
    /// Checks the phrase the caller reads from a notice against the one Kaitiaki gave them, so the agent can say whether
    /// the notice is genuine without the phrase ever being shown. Counted in the minute's allowance, so it cannot be guessed at.
    /// </summary>
    public async Task<HelplineAnswer> CheckPhraseAsync(Guid agentId, string? callToken, string? phrase, CancellationToken cancellationToken)
    {
        if (await ReadCallAsync(agentId, callToken, cancellationToken) is not { } call)
        {
            return new HelplineAnswer(HelplineOutcome.Expired);
        }
        if (!await WithinMinuteAsync(agentId))
        {
            await audit.RecordStandaloneAsync(AuditAction.HelplinePhraseChecked, AuditOutcome.Denied, patientId: call.PatientId,
                resourceType: "Patient", resourceId: call.PatientId, detail: $"over {options.HelplineLookupsPerMinute} look-ups and phrase checks in a minute");
            return new HelplineAnswer(HelplineOutcome.TooMany);
        }
        var caller = await CallerAsync(agentId, call.PatientId, call.Name, cancellationToken);
        var matches = SamePhrase(caller.Status.VerificationPhrase, phrase);
        await audit.RecordStandaloneAsync(AuditAction.HelplinePhraseChecked, matches ? AuditOutcome.Success : AuditOutcome.Failure,
            patientId: call.PatientId, resourceType: "Patient", resourceId: call.PatientId, detail: matches ? "matches" : "does not match");
        return new HelplineAnswer(HelplineOutcome.Found, caller, matches);
    }

    /// <summary>Shows the caller again (after a problem with the call's note), audited as a view of their status.</summary>
    public async Task<HelplineCaller?> AgainAsync(Guid agentId, string? callToken, CancellationToken cancellationToken)
    {
        if (await ReadCallAsync(agentId, callToken, cancellationToken) is not { } call)
        {
            return null;
        }
        var caller = await CallerAsync(agentId, call.PatientId, call.Name, cancellationToken);
        await audit.RecordStandaloneAsync(AuditAction.HelplineLookup, patientId: call.PatientId, resourceType: "Patient", resourceId: call.PatientId,
            detail: $"{caller.Status.ApiName}; shown again in the same call");
        return caller;
    }

    /// <summary>Logs the call with the status the agent was shown and a short note, which must hold nothing clinical.</summary>
    public async Task<CallLogOutcome> LogCallAsync(Guid agentId, string? callToken, string? note, CancellationToken cancellationToken)
    {
        if (await ReadCallAsync(agentId, callToken, cancellationToken) is not { } call)
        {
            return CallLogOutcome.Expired;
        }
        var text = string.IsNullOrWhiteSpace(note) ? null : note.Trim().ReplaceLineEndings("\n");
        if (text is { Length: > NoteMaxLength })
        {
            return CallLogOutcome.NoteTooLong;
        }
        // Line breaks belong in a note; other hidden characters, which can disguise what it says, do not.
        if (text is not null && text.Split('\n').Any(line => PlainText.Find(line) != HiddenCharacter.None))
        {
            return CallLogOutcome.NoteHasHiddenCharacters;
        }
        var logged = new HelplineCall
        {
            AgentAccountId = agentId, PatientId = call.PatientId, IncidentId = call.IncidentId, At = clock.GetUtcNow().UtcDateTime,
            StatusGiven = call.Status, Note = text,
        };
        db.HelplineCalls.Add(logged);
        await audit.RecordAndSaveAsync(AuditAction.HelplineCallLogged, patientId: call.PatientId, resourceType: "HelplineCall", resourceId: logged.Id,
            detail: call.Status, cancellationToken: cancellationToken);
        return CallLogOutcome.Logged;
    }

    /// <summary>Whether a phrase read out is the one given: case, spacing and a trailing full stop do not matter.</summary>
    public static bool SamePhrase(string given, string? heard)
    {
        static byte[] Squash(string text) => Encoding.UTF8.GetBytes(
            string.Join(' ', text.Normalize(NormalizationForm.FormC).ToLowerInvariant().Split((char[])[' ', '\t', '\r', '\n', ',', '-', '.'], StringSplitOptions.RemoveEmptyEntries)));
        return !string.IsNullOrWhiteSpace(heard) && CryptographicOperations.FixedTimeEquals(Squash(given), Squash(heard));
    }

    private async Task<bool> WithinMinuteAsync(Guid agentId) =>
        await state.AddAsync(MinuteKey(agentId), 1, Minute, clock.GetUtcNow()) <= options.HelplineLookupsPerMinute;

    private async Task<HelplineCaller> CallerAsync(Guid agentId, Guid patientId, string name, CancellationToken cancellationToken)
    {
        var status = await statuses.ForAsync(patientId, cancellationToken);
        // A practice that flagged the person for clinician-led contact (Privacy Act s116) tells them itself.
        var practiceLeads = status.IncidentId is { } incident && await db.VulnerableFlags.AnyAsync(
            f => f.IncidentId == incident && f.PatientId == patientId && f.RemovedAt == null && f.ReleasedAt == null, cancellationToken);
        return new HelplineCaller(patientId, name, status, practiceLeads, Protect(agentId, patientId, status));
    }

    private sealed record Call(Guid PatientId, string Name, string Status, Guid? IncidentId);

    // The token says which patient the agent matched and what they were shown; it cannot be made without the three
    // details, so no later step can be pointed at another patient by an id.
    private string Protect(Guid agentId, Guid patientId, SecurityStatus status)
    {
        var until = (clock.GetUtcNow() + CallLifetime).UtcTicks.ToString(CultureInfo.InvariantCulture);
        return _calls.Protect(string.Join(' ', agentId.ToString("N"), patientId.ToString("N"), status.ApiName, status.IncidentId?.ToString("N") ?? "-", until));
    }

    private async Task<Call?> ReadCallAsync(Guid agentId, string? token, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = string.IsNullOrEmpty(token) ? "" : _calls.Unprotect(token);
        }
        catch (CryptographicException)
        {
            return null;
        }
        if (text.Split(' ') is not [var agent, var patient, var status, var incident, var until]
            || agent != agentId.ToString("N") || !Guid.TryParseExact(patient, "N", out var patientId)
            || !long.TryParse(until, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || clock.GetUtcNow().UtcTicks > ticks)
        {
            return null;
        }
        var name = await db.Patients.AsNoTracking().Where(p => p.Id == patientId).Select(p => p.GivenName + " " + p.FamilyName).FirstOrDefaultAsync(cancellationToken);
        return name is null ? null : new Call(patientId, name, status, Guid.TryParseExact(incident, "N", out var id) ? id : null);
    }
}
