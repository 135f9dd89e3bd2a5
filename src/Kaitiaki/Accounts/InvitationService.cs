using Kaitiaki.Audit;
using Kaitiaki.Notifications;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Accounts;

internal enum ActivationProblem
{
    None,
    CodeNotRecognised,
    Expired,
    AlreadyUsed,
    DateOfBirthMismatch,

    /// <summary>Too many tries that did not match: the invitation rests for a while, and is not used up.</summary>
    Paused,
}

/// <summary>
/// Invitations and activation: the practice (or the command line, for operators) invites; the
/// person proves the e-mailed code, and for patients their date of birth, then sets a password and
/// enrols MFA. The account is created only when all of that is done.
/// </summary>
internal sealed class InvitationService(
    KaitiakiDb db,
    UserManager<Account> users,
    IPasswordHasher<Account> hasher,
    AuditTrail audit,
    TotpSeeds seeds,
    Outbox outbox,
    KaitiakiOptions options,
    TimeProvider clock)
{
    public const int MaxCodeAttempts = 5;

    /// <summary>How long an invitation rests after <see cref="MaxCodeAttempts"/> tries that did not match.</summary>
    public static readonly TimeSpan PauseLength = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan LongestPause = TimeSpan.FromDays(1);

    public sealed record Created(Invitation Invitation, string Code);

    public async Task<Created> InvitePatientAsync(Patient patient, Guid practiceId, Guid? invitedBy, CancellationToken cancellationToken) =>
        await CreateAsync(new Invitation
        {
            Kind = InvitationKind.Patient,
            Email = patient.Email,
            DisplayName = patient.DisplayName,
            PatientId = patient.Id,
            PracticeId = practiceId,
            CodeHash = [],
            InvitedByAccountId = invitedBy,
        }, cancellationToken);

    public async Task<Created> InviteStaffAsync(string emailAddress, string name, Guid practiceId, StaffRole role, Guid? invitedBy, CancellationToken cancellationToken)
    {
        RequirePlain(emailAddress, name);
        return await CreateAsync(new Invitation
        {
            Kind = InvitationKind.Staff,
            Email = emailAddress.Trim(),
            DisplayName = name.Trim(),
            PracticeId = practiceId,
            StaffRole = role,
            CodeHash = [],
            InvitedByAccountId = invitedBy,
        }, cancellationToken);
    }

    public async Task<Created> InviteOperatorAsync(string emailAddress, string name, OperatorRole role, CancellationToken cancellationToken)
    {
        RequirePlain(emailAddress, name);
        return await CreateAsync(new Invitation
        {
            Kind = InvitationKind.Operator,
            Email = emailAddress.Trim(),
            DisplayName = name.Trim(),
            OperatorRole = role,
            CodeHash = [],
        }, cancellationToken);
    }

    /// <summary>
    /// Refuses a name or address with a line break, control, direction or invisible character in it (see
    /// <see cref="PlainText"/>): whoever invites typed it and can correct it, and others will see the name as this person's.
    /// Patients' names are checked when they are registered.
    /// </summary>
    private static void RequirePlain(string emailAddress, string name)
    {
        if ((PlainText.Problem(name, "The name") ?? PlainText.Problem(emailAddress, "The e-mail address")) is { } problem)
        {
            throw new InvitationException(problem);
        }
    }

    private async Task<Created> CreateAsync(Invitation invitation, CancellationToken cancellationToken)
    {
        if (await users.FindByEmailAsync(invitation.Email) is not null)
        {
            throw new InvitationException("An account with this e-mail address already exists.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        // A new invitation replaces any earlier open one for the same address.
        var open = await db.Invitations
            .Where(i => i.Email == invitation.Email && i.AcceptedAt == null && i.CancelledAt == null)
            .ToListAsync(cancellationToken);
        open.ForEach(i => i.CancelledAt = now);

        var code = Secrets.NewGroupedCode();
        invitation.CodeHash = Secrets.HashCode(code);
        invitation.CreatedAt = now;
        invitation.ExpiresAt = now + options.InvitationLifetime;
        db.Invitations.Add(invitation);
        audit.Record(AuditAction.InvitationCreated, patientId: invitation.PatientId, practiceId: invitation.PracticeId,
            resourceType: "Invitation", resourceId: invitation.Id, detail: invitation.Kind.ToString());
        var message = await outbox.EmailAsync($"invitation/{invitation.Id}", invitation.Email, "invitation", new Dictionary<string, string>
        {
            ["Name"] = invitation.DisplayName,
            ["WhatToEnter"] = invitation.Kind == InvitationKind.Patient ? ", this activation code and your date of birth:" : " and this activation code:",
            ["Code"] = code,
            ["Expires"] = Web.NzTime.Date(invitation.ExpiresAt),
        }, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await outbox.SendNowAsync(message, cancellationToken);
        return new Created(invitation, code);
    }

    /// <summary>
    /// The invitation e-mail. It names only what is really on the pages: the home page's "Activate your account" link
    /// (not its "Sign in" button, which needs a password the person does not have yet) and the activation page's fields.
    /// </summary>
    /// <summary>Step 1: the e-mail address, the code and, for patients, the date of birth.</summary>
    public async Task<(Invitation? Invitation, ActivationProblem Problem)> VerifyAsync(
        string? emailAddress, string? code, DateOnly? dateOfBirth, CancellationToken cancellationToken)
    {
        var address = (emailAddress ?? "").Trim().ToLowerInvariant();
        var candidates = await db.Invitations
#pragma warning disable CA1862 // string.Equals with a comparison does not translate to SQL on every provider
            .Where(i => i.Email.ToLower() == address && i.CancelledAt == null)
#pragma warning restore CA1862
            .OrderByDescending(i => i.CreatedAt)
            .ToListAsync(cancellationToken);
        var invitation = candidates.FirstOrDefault();
        var now = clock.GetUtcNow().UtcDateTime;
        if (invitation is null || code is null)
        {
            return await RejectAsync(null, ActivationProblem.CodeNotRecognised, cancellationToken);
        }
        // A paused invitation is not checked at all (its code could otherwise still be guessed) and is not counted; the
        // answer is the one for an address never invited, so nobody learns that this one was.
        if (invitation.PausedUntil > now)
        {
            return await RejectAsync(invitation, ActivationProblem.Paused, cancellationToken);
        }
        if (!Secrets.Matches(invitation.CodeHash, code))
        {
            return await RejectAsync(invitation, ActivationProblem.CodeNotRecognised, cancellationToken, countsAsFailure: true);
        }
        // Only after the code: otherwise any e-mail address typed here would reveal whether its owner has an account.
        if (invitation.AcceptedAt is not null)
        {
            return await RejectAsync(invitation, ActivationProblem.AlreadyUsed, cancellationToken);
        }
        if (invitation.ExpiresAt <= now)
        {
            return await RejectAsync(invitation, ActivationProblem.Expired, cancellationToken);
        }
        if (invitation.Kind == InvitationKind.Patient)
        {
            var patient = await db.Patients.AsNoTracking().FirstAsync(p => p.Id == invitation.PatientId, cancellationToken);
            if (dateOfBirth != patient.DateOfBirth)
            {
                return await RejectAsync(invitation, ActivationProblem.DateOfBirthMismatch, cancellationToken, countsAsFailure: true);
            }
        }
        invitation.FailedAttempts = 0;
        invitation.VerifiedAt = clock.GetUtcNow().UtcDateTime;
        audit.Record(AuditAction.InvitationCodeChecked, patientId: invitation.PatientId, practiceId: invitation.PracticeId,
            resourceType: "Invitation", resourceId: invitation.Id);
        await db.SaveChangesAsync(cancellationToken);
        return (invitation, ActivationProblem.None);
    }

    /// <summary>The invitation of an activation in progress, if it is still usable.</summary>
    public async Task<Invitation?> FindVerifiedAsync(Guid invitationId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Invitations.FirstOrDefaultAsync(
            i => i.Id == invitationId && i.VerifiedAt != null && i.AcceptedAt == null && i.CancelledAt == null && i.ExpiresAt > now,
            cancellationToken);
    }

    /// <summary>Step 2: the password (checked against the password rules) and the MFA method to enrol.</summary>
    public async Task<IReadOnlyList<string>> ChoosePasswordAsync(Invitation invitation, string password, bool useEmailCodes, CancellationToken cancellationToken)
    {
        var probe = new Account { DisplayName = invitation.DisplayName, Email = invitation.Email, UserName = invitation.Email };
        var errors = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, probe, password);
            errors.AddRange(result.Errors.Select(e => e.Description));
        }
        if (errors.Count > 0)
        {
            return errors;
        }
        invitation.PendingPasswordHash = hasher.HashPassword(probe, password);
        if (useEmailCodes)
        {
            var code = Secrets.NewDigits(6);
            invitation.PendingTotpSecret = null;
            invitation.PendingEmailCodeHash = Secrets.HashCode(code);
            var message = await outbox.EmailAsync($"activation-code/{invitation.Id}/{Guid.NewGuid()}", invitation.Email, "activation-confirmation-code",
                new Dictionary<string, string> { ["Name"] = invitation.DisplayName, ["Code"] = code }, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await outbox.SendNowAsync(message, cancellationToken);
        }
        else
        {
            invitation.PendingTotpSecret = await seeds.SealAsync(Totp.NewSecret(), invitation.Id, cancellationToken);
            invitation.PendingEmailCodeHash = null;
            await db.SaveChangesAsync(cancellationToken);
        }
        return [];
    }

    public sealed record Activated(Account Account, IReadOnlyList<string> RecoveryCodes);

    /// <summary>Step 3: proves the second factor works, then creates the account, its relationships and recovery codes in one transaction.</summary>
    public async Task<Activated?> CompleteAsync(Invitation invitation, string? code, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        long? totpStep = null;
        string? seed = null;
        if (invitation.PendingPasswordHash is null)
        {
            return null;
        }
        if (invitation.PendingTotpSecret is not null)
        {
            seed = seeds.Reveal(invitation.PendingTotpSecret, invitation.Id);
            totpStep = Totp.Match(seed, code, now, 0);
            if (totpStep is null)
            {
                return null;
            }
        }
        else if (!Secrets.Matches(invitation.PendingEmailCodeHash, code))
        {
            return null;
        }

        var account = new Account
        {
            Kind = invitation.Kind switch
            {
                InvitationKind.Patient => AccountKind.Patient,
                InvitationKind.Staff => AccountKind.Staff,
                _ => AccountKind.Operator,
            },
            DisplayName = invitation.DisplayName,
            Email = invitation.Email,
            UserName = invitation.Email,
            EmailConfirmed = true,
            PatientId = invitation.PatientId,
            OperatorRole = invitation.OperatorRole,
            CreatedAt = now.UtcDateTime,
            PasswordHash = invitation.PendingPasswordHash,
            LastTotpStep = totpStep ?? 0,
            EmailCodeEnabled = invitation.PendingTotpSecret is null,
            LockoutEnabled = true,
        };

        // Sealed afresh for the account: the invitation's sealed copy opens only for the invitation.
        account.TotpSecret = seed is null ? null : await seeds.SealAsync(seed, account.Id, cancellationToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var created = await users.CreateAsync(account);
        if (!created.Succeeded)
        {
            throw new InvitationException(string.Join(" ", created.Errors.Select(e => e.Description)));
        }
        if (invitation.Kind == InvitationKind.Staff)
        {
            db.StaffMemberships.Add(new StaffMembership
            {
                AccountId = account.Id,
                PracticeId = invitation.PracticeId!.Value,
                Role = invitation.StaffRole!.Value,
                StartedAt = now.UtcDateTime,
            });
            audit.Record(AuditAction.StaffMembershipAdded, practiceId: invitation.PracticeId, resourceType: "Account", resourceId: account.Id, actorAccountId: account.Id);
        }
        var codes = AddRecoveryCodes(account.Id);
        invitation.AcceptedAt = now.UtcDateTime;
        invitation.PendingPasswordHash = null;
        invitation.PendingTotpSecret = null;
        invitation.PendingEmailCodeHash = null;
        audit.Record(AuditAction.InvitationActivated, patientId: invitation.PatientId, practiceId: invitation.PracticeId,
            resourceType: "Invitation", resourceId: invitation.Id, actorAccountId: account.Id);
        audit.Record(AuditAction.MfaEnrolled, detail: account.EmailCodeEnabled ? "email" : "totp", actorAccountId: account.Id);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new Activated(account, codes);
    }

    /// <summary>Replaces the account's recovery codes with ten new ones, returned once and stored only as hashes.</summary>
    public List<string> AddRecoveryCodes(Guid accountId)
    {
        // The old unused codes stop working: people make new ones because they fear the old ones were seen.
        db.RecoveryCodes.RemoveRange(db.RecoveryCodes.Where(c => c.AccountId == accountId && c.UsedAt == null).ToList());
        return IssueRecoveryCodes(db, accountId, clock.GetUtcNow().UtcDateTime);
    }

    /// <summary>
    /// Adds ten recovery codes for an account that has none yet (activation, the demo world); returns them for showing once.
    /// </summary>
    public static List<string> IssueRecoveryCodes(KaitiakiDb db, Guid accountId, DateTime now)
    {
        var codes = Enumerable.Range(0, 10).Select(_ => Secrets.NewGroupedCode()).ToList();
        foreach (var code in codes)
        {
            db.RecoveryCodes.Add(new RecoveryCode { AccountId = accountId, CodeHash = Secrets.HashCode(code), CreatedAt = now });
        }
        return codes;
    }

    private async Task<(Invitation?, ActivationProblem)> RejectAsync(
        Invitation? invitation, ActivationProblem problem, CancellationToken cancellationToken, bool countsAsFailure = false)
    {
        audit.Record(AuditAction.InvitationCodeChecked, AuditOutcome.Failure, patientId: invitation?.PatientId, practiceId: invitation?.PracticeId,
            resourceType: "Invitation", resourceId: invitation?.Id, detail: problem.ToString());
        if (invitation is not null && countsAsFailure && ++invitation.FailedAttempts >= MaxCodeAttempts)
        {
            // A rest, not the end: revoking the invitation would let anyone who knows the address use it up for the
            // person it was meant for. The count starts again when the rest is over.
            // Each rest is twice the last, up to a day, so someone holding the code cannot work through dates of birth
            // at a steady rate: a few hundred tries a day becomes a few dozen a week.
            var rest = TimeSpan.FromTicks(Math.Min(PauseLength.Ticks << Math.Min(invitation.Pauses, 10), LongestPause.Ticks));
            invitation.PausedUntil = clock.GetUtcNow().UtcDateTime + rest;
            invitation.Pauses++;
            invitation.FailedAttempts = 0;
            audit.Record(AuditAction.InvitationPaused, AuditOutcome.Denied, patientId: invitation.PatientId, practiceId: invitation.PracticeId,
                resourceType: "Invitation", resourceId: invitation.Id, detail: $"{MaxCodeAttempts} tries that did not match");
        }
        await db.SaveChangesAsync(cancellationToken);
        return (null, problem);
    }

    /// <summary>
    /// What the person is told. Every refusal before the code has matched reads the same, whether the address was invited,
    /// has used its invitation or was never invited: the page must not tell anyone which addresses Kaitiaki knows.
    /// "Expired" and "already used" are said only to someone who has typed the right code.
    /// </summary>
    public static string Describe(ActivationProblem problem) => problem switch
    {
        ActivationProblem.None => "",
        ActivationProblem.Expired => "This activation code has expired. Please ask your practice to send a new invitation.",
        ActivationProblem.AlreadyUsed => "This invitation has already been used. If that was you, please sign in instead.",
        _ => NotMatched,
    };

    public const string NotMatched =
        "We couldn't match those details. Please check your e-mail address, activation code and date of birth, and try again. " +
        "After several tries that don't match, activation pauses for 15 minutes.";
}

internal sealed class InvitationException(string message) : Exception(message);
