using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Incidents;

/// <summary>One affected patient as a scope version lists them: who, how much was disclosed, which documents, and their practices then and now.</summary>
internal sealed record ScopePatientRow(
    Guid PatientId, string Nhi, string Name, DateOnly DateOfBirth, Disclosure Disclosure, IReadOnlyList<Guid> DocumentIds,
    IReadOnlyList<Guid> PracticeIdsAtAccess, IReadOnlyList<Guid> PracticeIdsNow, DateTime FirstAccessedAt, bool Flagged, string? FlagReason);

/// <summary>A page of a version's patients, named by the version.</summary>
internal sealed record ScopePatientPage(int Version, bool Frozen, int Page, int PageSize, int Total, IReadOnlyList<ScopePatientRow> Patients)
{
    public bool HasNext => Page * PageSize < Total;
}

/// <summary>A flag a practice asks for: this patient, for clinician-led contact, for this reason.</summary>
internal sealed record FlagRequest(Guid? PatientId, string? Reason);

/// <summary>How many of a practice's patients one version has, and whether the practice approved it.</summary>
internal sealed record PracticeVersionCount(int Version, bool Frozen, int Patients, int AtAccess, int Now, DateTime? ReviewDueAt, DateTime? ApprovedAt, bool Late)
{
    /// <summary>The version a practice reviews when none is named, as <see cref="PracticeReview.ChosenVersionAsync"/> picks it: the latest frozen, else the latest draft.</summary>
    public static PracticeVersionCount? Chosen(IReadOnlyList<PracticeVersionCount> versions) =>
        versions.Where(v => v.Frozen).MaxBy(v => v.Version) ?? versions.MaxBy(v => v.Version);
}

/// <summary>
/// What a review came to. <see cref="Field"/> names what the problem is about ("version", "patientId" or "reason"), so a
/// page can point at the field to fix.
/// </summary>
internal sealed record ReviewResult(bool Found, string? Problem, int Flagged, bool Approved, bool Late, string? Field = null);

/// <summary>One practice's approval of one version.</summary>
internal sealed record ApprovalLine(int Version, DateTime ApprovedAt, Guid ApprovedBy, bool Late);

/// <summary>
/// Where one practice stands in an incident's review, for the incident manager: its patients in the latest frozen
/// version, whether it approved that version (and late), whether it is overdue, its open flags, and every approval.
/// </summary>
internal sealed record PracticeApprovalState(
    Guid PracticeId, string Name, bool Left, int Patients, bool Approved, bool Late, bool Overdue, int OpenFlags, IReadOnlyList<ApprovalLine> Approvals);

/// <summary>An incident's review across practices, named by the latest frozen version (null while every version is a draft).</summary>
internal sealed record IncidentApprovals(int? Version, DateTime? ReviewDueAt, IReadOnlyList<PracticeApprovalState> Practices);

/// <summary>
/// Lists of affected patients, by scope version: the whole version for the incident manager, and each practice's slice
/// for its privacy officer or administrator (<see cref="PatientAccess.IncidentReviewPracticeIds"/>), a practice that has
/// left included. A practice sees the patients enrolled with it at the time of access and those enrolled with it now.
/// Practices flag vulnerable patients (s116) and approve a frozen version.
/// </summary>
internal sealed class PracticeReview(KaitiakiDb db, PatientAccess access, AuditTrail audit, TimeProvider clock)
{
    public const int DefaultPageSize = 500;
    public const int MaxPageSize = 5_000;

    /// <summary>A page of every affected patient of a version, for the incident manager; null when it is not one of the incident's versions.</summary>
    public Task<ScopePatientPage?> VersionPatientsAsync(Guid incidentId, int number, int page, int pageSize, CancellationToken cancellationToken) =>
        VersionPatientsAsync(incidentId, number, page, pageSize, null, cancellationToken);

    /// <summary>The same, narrowed to one practice's patients (then or now) when <paramref name="practiceId"/> is given: the incident manager's export for a practice.</summary>
    public async Task<ScopePatientPage?> VersionPatientsAsync(Guid incidentId, int number, int page, int pageSize, Guid? practiceId, CancellationToken cancellationToken)
    {
        var version = await db.ScopeVersions.AsNoTracking().FirstOrDefaultAsync(v => v.IncidentId == incidentId && v.Version == number, cancellationToken);
        if (version is null)
        {
            return null;
        }
        var ids = practiceId is { } only
            ? db.ScopePractices.Where(p => p.ScopeVersionId == version.Id && p.PracticeId == only).Select(p => p.PatientId)
            : db.ScopePatients.Where(p => p.ScopeVersionId == version.Id).Select(p => p.PatientId);
        return await PageAsync(version, incidentId, practiceId, ids, page, pageSize, AuditAction.ScopePatientsListed, cancellationToken);
    }

    /// <summary>
    /// A page of a practice's slice of a version (the latest frozen one when <paramref name="number"/> is null, else the
    /// latest); null when the account may not review that practice or the incident has no such version.
    /// </summary>
    public async Task<ScopePatientPage?> PracticePatientsAsync(
        Guid accountId, Guid practiceId, Guid incidentId, int? number, int page, int pageSize, CancellationToken cancellationToken)
    {
        var reviewable = access.IncidentReviewPracticeIds(accountId);
        if (!await reviewable.AnyAsync(id => id == practiceId, cancellationToken))
        {
            return null;
        }
        var version = await ChosenVersionAsync(incidentId, number, cancellationToken);
        if (version is null)
        {
            return null;
        }
        var ids = db.ScopePractices.Where(p => p.ScopeVersionId == version.Id && p.PracticeId == practiceId && reviewable.Contains(p.PracticeId))
            .Select(p => p.PatientId);
        return await PageAsync(version, incidentId, practiceId, ids, page, pageSize, AuditAction.PracticeIncidentViewed, cancellationToken);
    }

    /// <summary>The version a practice reviews when none is named: the latest frozen one, or the latest draft if none is frozen.</summary>
    public async Task<ScopeVersion?> ChosenVersionAsync(Guid incidentId, int? number, CancellationToken cancellationToken)
    {
        var versions = db.ScopeVersions.AsNoTracking().Where(v => v.IncidentId == incidentId);
        return number is { } n
            ? await versions.FirstOrDefaultAsync(v => v.Version == n, cancellationToken)
            : await versions.OrderByDescending(v => v.FrozenAt != null).ThenByDescending(v => v.Version).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>"Is my practice affected?": the practice's count in each version of each incident, newest incident first.</summary>
    public async Task<List<(Incident Incident, List<PracticeVersionCount> Versions)>?> AffectedAsync(Guid accountId, Guid practiceId, CancellationToken cancellationToken)
    {
        var reviewable = access.IncidentReviewPracticeIds(accountId);
        if (!await reviewable.AnyAsync(id => id == practiceId, cancellationToken))
        {
            return null;
        }
        var incidents = await db.Incidents.AsNoTracking().OrderByDescending(i => i.AwareAt).ToListAsync(cancellationToken);
        var result = await CountsAsync(reviewable, practiceId, incidents, cancellationToken);
        audit.Record(AuditAction.PracticeIncidentViewed, practiceId: practiceId, resourceType: "Practice", resourceId: practiceId, detail: "affected counts");
        await audit.SaveReadsAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// One incident with the practice's count in each of its versions, or null when the account may not review that
    /// practice or there is no such incident. Counts only, so it records nothing: the list it heads does.
    /// </summary>
    public async Task<(Incident Incident, List<PracticeVersionCount> Versions)?> IncidentCountsAsync(
        Guid accountId, Guid practiceId, Guid incidentId, CancellationToken cancellationToken)
    {
        var reviewable = access.IncidentReviewPracticeIds(accountId);
        if (!await reviewable.AnyAsync(id => id == practiceId, cancellationToken)
            || await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == incidentId, cancellationToken) is not { } incident)
        {
            return null;
        }
        return (await CountsAsync(reviewable, practiceId, [incident], cancellationToken))[0];
    }

    /// <summary>
    /// Every patient of a practice's slice of a version, for its export: read a page at a time, each page recorded as
    /// the practice's view of those patients. Null as <see cref="PracticePatientsAsync"/> is.
    /// </summary>
    public async Task<ScopePatientPage?> ExportAsync(Guid accountId, Guid practiceId, Guid incidentId, int? number, CancellationToken cancellationToken)
    {
        var reviewable = access.IncidentReviewPracticeIds(accountId);
        if (!await reviewable.AnyAsync(id => id == practiceId, cancellationToken)
            || await ChosenVersionAsync(incidentId, number, cancellationToken) is not { } version)
        {
            return null;
        }
        var ids = db.ScopePractices.Where(p => p.ScopeVersionId == version.Id && p.PracticeId == practiceId && reviewable.Contains(p.PracticeId))
            .Select(p => p.PatientId);
        var rows = new List<ScopePatientRow>();
        for (var page = 1; ; page++)
        {
            var part = await PageAsync(version, incidentId, practiceId, ids, page, MaxPageSize, AuditAction.PracticeIncidentViewed, cancellationToken, "export");
            rows.AddRange(part.Patients);
            if (!part.HasNext)
            {
                return part with { Page = 1, PageSize = Math.Max(rows.Count, 1), Patients = rows };
            }
        }
    }

    private async Task<List<(Incident Incident, List<PracticeVersionCount> Versions)>> CountsAsync(
        IQueryable<Guid> reviewable, Guid practiceId, IReadOnlyList<Incident> incidents, CancellationToken cancellationToken)
    {
        var incidentIds = incidents.Select(i => i.Id).ToList();
        var versions = await db.ScopeVersions.AsNoTracking().Where(v => incidentIds.Contains(v.IncidentId)).ToListAsync(cancellationToken);
        var versionIds = versions.Select(v => v.Id).ToList();
        var counts = await db.ScopePractices.Where(p => versionIds.Contains(p.ScopeVersionId) && p.PracticeId == practiceId && reviewable.Contains(p.PracticeId))
            .GroupBy(p => p.ScopeVersionId)
            .Select(g => new { VersionId = g.Key, Patients = g.Count(), AtAccess = g.Count(p => p.AtAccess), Now = g.Count(p => p.Now) })
            .ToListAsync(cancellationToken);
        var approvals = await db.PracticeApprovals.AsNoTracking().Where(a => a.PracticeId == practiceId && incidentIds.Contains(a.IncidentId))
            .ToListAsync(cancellationToken);
        var result = new List<(Incident, List<PracticeVersionCount>)>();
        foreach (var incident in incidents)
        {
            var rows = versions.Where(v => v.IncidentId == incident.Id).OrderBy(v => v.Version).Select(v =>
            {
                var count = counts.FirstOrDefault(c => c.VersionId == v.Id);
                var approval = approvals.FirstOrDefault(a => a.IncidentId == incident.Id && a.Version == v.Version);
                return new PracticeVersionCount(v.Version, v.FrozenAt is not null, count?.Patients ?? 0, count?.AtAccess ?? 0, count?.Now ?? 0,
                    v.ReviewDueAt, approval?.ApprovedAt, approval?.Late ?? false);
            }).ToList();
            result.Add((incident, rows));
        }
        return result;
    }

    /// <summary>
    /// Records a practice's flags (each patient must be in the practice's slice of the version, with a reason) and, when
    /// asked, its approval of that version, which must be frozen. Approving twice keeps the first approval. Nothing is
    /// saved when anything is wrong.
    /// </summary>
    public async Task<ReviewResult> ReviewAsync(
        Guid accountId, Guid practiceId, Guid incidentId, int? number, IReadOnlyList<FlagRequest> flags, IReadOnlyList<Guid> unflag, bool approve,
        CancellationToken cancellationToken)
    {
        var reviewable = access.IncidentReviewPracticeIds(accountId);
        if (!await reviewable.AnyAsync(id => id == practiceId, cancellationToken)
            || !await db.Incidents.AnyAsync(i => i.Id == incidentId, cancellationToken))
        {
            return new ReviewResult(false, null, 0, false, false);
        }
        if (number is not { } n)
        {
            return new ReviewResult(true, "Say which scope version you reviewed (\"version\"): approval is of one version's list.", 0, false, false, "version");
        }
        var version = await db.ScopeVersions.AsNoTracking().FirstOrDefaultAsync(v => v.IncidentId == incidentId && v.Version == n, cancellationToken);
        if (version is null)
        {
            return new ReviewResult(true, $"This incident has no scope version {n}.", 0, false, false, "version");
        }
        if (approve && version.FrozenAt is null)
        {
            return new ReviewResult(true, $"Version {n} is still a draft. Only a frozen version can be approved; the incident manager freezes it first.", 0, false, false, "version");
        }
        var slice = db.ScopePractices.Where(p => p.ScopeVersionId == version.Id && p.PracticeId == practiceId && reviewable.Contains(p.PracticeId))
            .Select(p => p.PatientId);
        var asked = flags.Select(f => f.PatientId).OfType<Guid>().Concat(unflag).Distinct().ToList();
        var inSlice = (await slice.Where(id => asked.Contains(id)).ToListAsync(cancellationToken)).ToHashSet();
        foreach (var flag in flags)
        {
            if (flag.PatientId is not { } patientId)
            {
                return new ReviewResult(true, "Each flag needs the patient's id (\"patientId\").", 0, false, false, "patientId");
            }
            if (!inSlice.Contains(patientId))
            {
                return new ReviewResult(true, $"Patient {patientId} is not among your practice's patients in version {n}.", 0, false, false, "patientId");
            }
            if (string.IsNullOrWhiteSpace(flag.Reason))
            {
                return new ReviewResult(true, $"Give a reason for flagging patient {patientId}: it is kept with the flag for the clinician who makes contact.", 0, false, false, "reason");
            }
            if (flag.Reason.Trim().Length > 1000)
            {
                return new ReviewResult(true, "Keep each flag's reason to 1,000 characters or fewer.", 0, false, false, "reason");
            }
        }
        if (unflag.FirstOrDefault(id => !inSlice.Contains(id)) is var stray && stray != Guid.Empty)
        {
            return new ReviewResult(true, $"Patient {stray} is not among your practice's patients in version {n}.", 0, false, false, "patientId");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var open = await db.VulnerableFlags.Where(f => f.IncidentId == incidentId && f.PracticeId == practiceId && f.RemovedAt == null && asked.Contains(f.PatientId))
            .ToListAsync(cancellationToken);
        foreach (var flag in flags)
        {
            var patientId = flag.PatientId!.Value;
            if (open.FirstOrDefault(f => f.PatientId == patientId) is { } existing)
            {
                existing.Reason = flag.Reason!.Trim();
                continue;
            }
            db.VulnerableFlags.Add(new VulnerableFlag
            {
                IncidentId = incidentId, PracticeId = practiceId, PatientId = patientId, Version = n, Reason = flag.Reason!.Trim(), FlaggedAt = now,
                FlaggedBy = accountId,
            });
        }
        foreach (var flag in open.Where(f => unflag.Contains(f.PatientId)))
        {
            flag.RemovedAt = now;
            flag.RemovedBy = accountId;
        }
        var approved = false;
        var late = false;
        if (approve)
        {
            var existing = await db.PracticeApprovals.AsNoTracking()
                .FirstOrDefaultAsync(a => a.IncidentId == incidentId && a.PracticeId == practiceId && a.Version == n, cancellationToken);
            if (existing is null)
            {
                late = version.ReviewDueAt is { } due && now > due;
                db.PracticeApprovals.Add(new PracticeApproval { IncidentId = incidentId, PracticeId = practiceId, Version = n, ApprovedAt = now, ApprovedBy = accountId, Late = late });
            }
            else
            {
                late = existing.Late;
            }
            approved = true;
        }
        var practiceName = await db.Practices.Where(p => p.Id == practiceId).Select(p => p.Name).FirstAsync(cancellationToken);
        var said = new List<string>();
        if (flags.Count > 0) { said.Add($"flagged {flags.Count} patient{(flags.Count == 1 ? "" : "s")} for clinician-led contact"); }
        if (unflag.Count > 0) { said.Add($"removed {unflag.Count} flag{(unflag.Count == 1 ? "" : "s")}"); }
        if (approve) { said.Add($"approved version {n}" + (late ? ", after the review deadline" : "")); }
        if (said.Count > 0)
        {
            db.TimelineEntries.Add(new TimelineEntry
            {
                IncidentId = incidentId, At = now, Kind = TimelineKind.Review, By = accountId, RefId = version.Id,
                Text = $"{practiceName} {string.Join("; ", said)}.",
            });
        }
        var e = audit.RecordWithItems(AuditAction.PracticeReviewRecorded, "ScopeVersion", version.Id,
            $"flags {flags.Count}, unflagged {unflag.Count}, approve {approve}", asked);
        e.PracticeId = practiceId;
        await db.SaveChangesAsync(cancellationToken);
        return new ReviewResult(true, null, flags.Count, approved, late);
    }

    /// <summary>Every approval of an incident, so the incident manager sees which practices approved which version, and late ones.</summary>
    public Task<List<PracticeApproval>> ApprovalsAsync(Guid incidentId, CancellationToken cancellationToken) =>
        db.PracticeApprovals.AsNoTracking().Where(a => a.IncidentId == incidentId).OrderBy(a => a.ApprovedAt).ToListAsync(cancellationToken);

    /// <summary>
    /// Where every practice stands in an incident's review, for the incident manager: each practice with patients in
    /// any version, or with an approval or a flag, a practice that has left included. Null when there is no such incident.
    /// </summary>
    public async Task<IncidentApprovals?> ApprovalsByPracticeAsync(Guid incidentId, CancellationToken cancellationToken)
    {
        if (!await db.Incidents.AnyAsync(i => i.Id == incidentId, cancellationToken))
        {
            return null;
        }
        var versions = await db.ScopeVersions.AsNoTracking().Where(v => v.IncidentId == incidentId).ToListAsync(cancellationToken);
        var frozen = versions.Where(v => v.FrozenAt is not null).MaxBy(v => v.Version);
        var versionIds = versions.Select(v => v.Id).ToList();
        var inLatest = frozen is null ? new Dictionary<Guid, int>() : await db.ScopePractices.Where(p => p.ScopeVersionId == frozen.Id)
            .GroupBy(p => p.PracticeId).Select(g => new { PracticeId = g.Key, Patients = g.Count() })
            .ToDictionaryAsync(g => g.PracticeId, g => g.Patients, cancellationToken);
        var anywhere = await db.ScopePractices.Where(p => versionIds.Contains(p.ScopeVersionId)).Select(p => p.PracticeId).Distinct().ToListAsync(cancellationToken);
        var approvals = await ApprovalsAsync(incidentId, cancellationToken);
        var flags = (await OpenFlagsAsync(incidentId, cancellationToken)).GroupBy(f => f.PracticeId).ToDictionary(g => g.Key, g => g.Select(f => f.PatientId).Distinct().Count());
        var practiceIds = anywhere.Concat(approvals.Select(a => a.PracticeId)).Concat(flags.Keys).Distinct().ToList();
        var practices = await db.Practices.AsNoTracking().Where(p => practiceIds.Contains(p.Id))
            .Select(p => new { p.Id, p.Name, p.Status }).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var states = practices.Select(p =>
        {
            var mine = approvals.Where(a => a.PracticeId == p.Id).OrderBy(a => a.Version).Select(a => new ApprovalLine(a.Version, a.ApprovedAt, a.ApprovedBy, a.Late)).ToList();
            var latest = frozen is null ? null : mine.FirstOrDefault(a => a.Version == frozen.Version);
            var patients = inLatest.GetValueOrDefault(p.Id);
            var overdue = latest is null && patients > 0 && frozen?.ReviewDueAt is { } due && now > due;
            return new PracticeApprovalState(p.Id, p.Name, p.Status == PracticeStatus.Left, patients, latest is not null, latest?.Late ?? false, overdue,
                flags.GetValueOrDefault(p.Id), mine);
        }).OrderByDescending(p => p.Overdue).ThenBy(p => p.Approved).ThenBy(p => p.Name, StringComparer.CurrentCultureIgnoreCase).ToList();
        return new IncidentApprovals(frozen?.Version, frozen?.ReviewDueAt, states);
    }

    /// <summary>Open flags of an incident, for the incident manager (and part 2's notices, which hold them).</summary>
    public Task<List<VulnerableFlag>> OpenFlagsAsync(Guid incidentId, CancellationToken cancellationToken) =>
        db.VulnerableFlags.AsNoTracking().Where(f => f.IncidentId == incidentId && f.RemovedAt == null).ToListAsync(cancellationToken);

    private async Task<ScopePatientPage> PageAsync(
        ScopeVersion version, Guid incidentId, Guid? practiceId, IQueryable<Guid> ids, int page, int pageSize, AuditAction action, CancellationToken cancellationToken,
        string? purpose = null)
    {
        var patients = await db.ScopePatients.AsNoTracking()
            .Where(p => p.ScopeVersionId == version.Id && ids.Contains(p.PatientId))
            .Join(db.Patients, s => s.PatientId, p => p.Id, (s, p) => new { s.PatientId, p.Nhi, p.GivenName, p.FamilyName, p.DateOfBirth, s.Disclosure, s.FirstAccessedAt })
            .OrderBy(p => p.FamilyName).ThenBy(p => p.GivenName).ThenBy(p => p.PatientId)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .ToListAsync(cancellationToken);
        // A first page with room to spare holds every patient there is; only a longer list needs counting.
        var total = page == 1 && patients.Count < pageSize ? patients.Count : await ids.CountAsync(cancellationToken);
        var shown = patients.Select(p => p.PatientId).ToList();
        var documents = (await db.ScopeDocuments.AsNoTracking().Where(d => d.ScopeVersionId == version.Id && shown.Contains(d.PatientId))
                .Select(d => new { d.PatientId, d.DocumentId }).ToListAsync(cancellationToken))
            .GroupBy(d => d.PatientId).ToDictionary(g => g.Key, g => g.Select(d => d.DocumentId).Order().ToList());
        var practices = (await db.ScopePractices.AsNoTracking().Where(p => p.ScopeVersionId == version.Id && shown.Contains(p.PatientId))
                .ToListAsync(cancellationToken))
            .GroupBy(p => p.PatientId).ToDictionary(g => g.Key, g => g.ToList());
        var flags = (await db.VulnerableFlags.AsNoTracking()
                .Where(f => f.IncidentId == incidentId && f.RemovedAt == null && shown.Contains(f.PatientId) && (practiceId == null || f.PracticeId == practiceId))
                .ToListAsync(cancellationToken))
            .GroupBy(f => f.PatientId).ToDictionary(g => g.Key, g => g.First());
        var rows = patients.Select(p => new ScopePatientRow(
            p.PatientId, p.Nhi, $"{p.GivenName} {p.FamilyName}", p.DateOfBirth, p.Disclosure,
            documents.GetValueOrDefault(p.PatientId) ?? [],
            practices.TryGetValue(p.PatientId, out var tie) ? tie.Where(t => t.AtAccess).Select(t => t.PracticeId).Order().ToList() : [],
            practices.TryGetValue(p.PatientId, out tie) ? tie.Where(t => t.Now).Select(t => t.PracticeId).Order().ToList() : [],
            p.FirstAccessedAt, flags.ContainsKey(p.PatientId), flags.GetValueOrDefault(p.PatientId)?.Reason)).ToList();

        var e = audit.RecordWithItems(action, "ScopeVersion", version.Id, $"{(purpose is null ? "" : purpose + ", ")}version {version.Version}, page {page}", shown);
        e.PracticeId = practiceId;
        await audit.SaveReadsAsync(cancellationToken);
        return new ScopePatientPage(version.Version, version.FrozenAt is not null, page, pageSize, total, rows);
    }
}
