using System.Runtime.CompilerServices;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Incidents;

/// <summary>One audit event a scope's filter matched: what it did, to whose data, when, and in which practice's name.</summary>
internal sealed record MatchedEvent(AuditAction Action, Guid PatientId, Guid? ResourceId, byte[]? Items, DateTime OccurredAt, Guid? PracticeId);

/// <summary>What running a scope came to: a new version, or why the filter could not run (nothing was saved).</summary>
internal sealed record ScopeRunResult(ScopeVersion? Version, string? Problem);

/// <summary>
/// Runs a scope's filter over the audit trail and saves what it found as a new version of the incident's scope. It reads
/// only the trail for who saw what (the documents, their patients, and the practice each event was stamped with), and
/// the enrolments of today for where those patients are now. Decoy patients never count.
/// </summary>
internal sealed class Scoping(KaitiakiDb db, AuditTrail audit, AuditVerifier verifier, IServiceScopeFactory scopes, TimeProvider clock, ILogger<Scoping> logger)
{
    /// <summary>How many patients' current enrolments are read in one query on SQLite.</summary>
    private const int EnrolmentChunk = 2_000;

    /// <summary>How far past the window's first and last events the trail is read and verified, in events.</summary>
    private const long VerificationMargin = 1_000;

    public async Task<ScopeRunResult> RunAsync(Guid incidentId, ScopeFilter filter, Guid by, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        if (!await db.Incidents.AnyAsync(i => i.Id == incidentId, cancellationToken))
        {
            return new ScopeRunResult(null, "There is no incident with that id.");
        }
        if (await UnknownAsync(filter, cancellationToken) is { } unknown)
        {
            return new ScopeRunResult(null, unknown);
        }

        // One pass over the window's stretch of the trail both verifies it and finds what the filter matches, in parts
        // side by side; every event is read whether or not the chain holds, so what is found never depends on it.
        progress?.Report("Reading the audit trail over the window, checking it as it is read");
        var matcher = await MatcherAsync(filter, cancellationToken);
        var (trail, matched) = await ReadWindowAsync(matcher, cancellationToken);
        progress?.Report($"Checked {trail.EventsChecked:N0} audit events over the window: {(trail.Intact ? "intact" : "NOT INTACT")}");
        if (!trail.Intact)
        {
            logger.LogWarning("A breach scope's window failed audit trail verification; its version is marked unverified.");
        }
        var found = ScopeFold.Found(matched);

        // Where the patients are enrolled now is read on a connection of its own while the documents are saved.
        progress?.Report($"Saving the version, and finding where {found.Patients.Count:N0} patients are enrolled now");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var now = Task.Run(() => CurrentPracticesAsync(found.Patients.Keys, stop.Token), stop.Token);
        ScopeVersion version;
        try
        {
            version = await SaveAsync(incidentId, filter, by, trail, found, now, progress, cancellationToken);
        }
        catch
        {
            await stop.CancelAsync();
            try
            {
                await now;
            }
            catch (Exception)
            {
                // The save's own failure is the one to report; this read was only stopped, or failed beside it.
            }
            throw;
        }
        progress?.Report($"Version {version.Version}: {version.Patients:N0} patients, {version.Documents:N0} documents, {version.Practices:N0} practices");
        return new ScopeRunResult(version, null);
    }

    /// <summary>An account or session named in the filter that the portal has never known, said plainly; null when all are known.</summary>
    private async Task<string?> UnknownAsync(ScopeFilter filter, CancellationToken cancellationToken)
    {
        var accounts = filter.Accounts.Concat(filter.ExcludeAccounts).Distinct().ToList();
        if (accounts.Count > 0)
        {
            var known = await db.Users.Where(a => accounts.Contains(a.Id)).Select(a => a.Id).ToListAsync(cancellationToken);
            if (accounts.Except(known).Select(id => (Guid?)id).FirstOrDefault() is { } missing)
            {
                return $"No account has the id {missing}. Check the id against the security console or the audit trail.";
            }
        }
        foreach (var session in filter.Sessions.Concat(filter.ExcludeSessions).Distinct())
        {
            // A session that ended may be gone from the sessions table, but the trail remembers it.
            if (!await db.Sessions.AnyAsync(s => s.Id == session, cancellationToken)
                && !await db.AuditEvents.AnyAsync(e => e.SessionId == session, cancellationToken))
            {
                return $"No session has the id {session}, and the audit trail has no event from one. Check the id against the security console.";
            }
        }
        return null;
    }

    /// <summary>
    /// Reads every audit event from the first to the last that happened in the filter's window (by position in the chain,
    /// so none is missed however commits interleaved), verifying that stretch between signed checkpoints, and keeps what
    /// the filter matches: each part of the read keeps its own list.
    /// </summary>
    private async Task<(VerificationResult Trail, List<List<MatchedEvent>> Matched)> ReadWindowAsync(ScopeMatcher matcher, CancellationToken cancellationToken)
    {
        var from = matcher.Filter.From;
        var to = matcher.Filter.To;
        // The count is not needed, but with it PostgreSQL reads the time index's range rather than walking the whole
        // chain's index from one end in search of the first event in the window, which takes seconds at scale.
        var ends = await db.AuditEvents.Where(e => e.OccurredAt >= from && e.OccurredAt <= to)
            .GroupBy(e => 1).Select(g => new { First = g.Min(e => e.Sequence), Last = g.Max(e => e.Sequence), Events = g.LongCount() })
            .SingleOrDefaultAsync(cancellationToken);
        if (ends is null)
        {
            return (new VerificationResult(true, 0, 0, null, null, "The audit trail has no events in the window."), []);
        }
        // The times come from the events themselves, which the database cannot vouch for: a margin each side (and the
        // checkpoints beyond it) means an event whose time was moved just out of the window is still read, and so
        // checked, and its changed hash fails the window.
        var head = await db.AuditEvents.MaxAsync(e => e.Sequence, cancellationToken);
        var first = Math.Max(1, ends.First - VerificationMargin);
        var last = Math.Min(head, ends.Last + VerificationMargin);
        // Each part keeps its own list, kept in the chain's order so the fold sees the events as they happened.
        var parts = new List<(long Start, List<MatchedEvent> Events)>();
        var trail = await verifier.VerifyRangeAsync(first, last, start =>
        {
            var part = new List<MatchedEvent>();
            lock (parts)
            {
                parts.Add((start, part));
            }
            return e =>
            {
                if (matcher.Matches(e))
                {
                    part.Add(new MatchedEvent(e.Action, e.PatientId!.Value, e.ResourceId, e.Items, e.OccurredAt, e.PracticeId));
                }
            };
        }, cancellationToken);
        return (trail, [.. parts.OrderBy(p => p.Start).Select(p => p.Events)]);
    }

    /// <summary>The filter with the portal's decoy patients, ready to test events: the one test of what a scope matches.</summary>
    private async Task<ScopeMatcher> MatcherAsync(ScopeFilter filter, CancellationToken cancellationToken) =>
        new(filter, (await db.Patients.AsNoTracking().Where(p => p.IsDecoy).Select(p => p.Id).ToListAsync(cancellationToken)).ToHashSet());

    /// <summary>
    /// The audit events a filter matches, as the database can select them: successful disclosing actions on a patient in
    /// the window, by the accounts, sessions and clients asked for. <see cref="MatchedAsync"/> applies the rest.
    /// </summary>
    private IQueryable<AuditEvent> Selected(ScopeFilter filter)
    {
        var from = filter.From;
        var to = filter.To;
        var actions = filter.Actions.ToList();
        var query = db.AuditEvents.AsNoTracking()
            .Where(e => e.OccurredAt >= from && e.OccurredAt <= to && e.Outcome == AuditOutcome.Success && e.PatientId != null)
            .Where(e => EF.Constant(actions).Contains(e.Action));
        if (filter.Accounts.Count == 1)
        {
            Guid? account = filter.Accounts[0];
            query = query.Where(e => e.ActorAccountId == account);
        }
        else if (filter.Accounts.Count > 1)
        {
            var accounts = filter.Accounts.Select(a => (Guid?)a).ToList();
            query = query.Where(e => EF.Constant(accounts).Contains(e.ActorAccountId));
        }
        if (filter.ExcludeAccounts.Count > 0)
        {
            var excluded = filter.ExcludeAccounts.Select(a => (Guid?)a).ToList();
            query = query.Where(e => e.ActorAccountId == null || !EF.Constant(excluded).Contains(e.ActorAccountId));
        }
        if (filter.Sessions.Count > 0)
        {
            var sessions = filter.Sessions.Select(s => (Guid?)s).ToList();
            query = query.Where(e => EF.Constant(sessions).Contains(e.SessionId));
        }
        if (filter.ExcludeSessions.Count > 0)
        {
            var excluded = filter.ExcludeSessions.Select(s => (Guid?)s).ToList();
            query = query.Where(e => e.SessionId == null || !EF.Constant(excluded).Contains(e.SessionId));
        }
        if (filter.Clients.Count > 0)
        {
            var clients = filter.Clients.ToList();
            query = query.Where(e => e.Client != null && EF.Constant(clients).Contains(e.Client));
        }
        if (filter.ExcludeClients.Count > 0)
        {
            var excluded = filter.ExcludeClients.ToList();
            query = query.Where(e => e.Client == null || !EF.Constant(excluded).Contains(e.Client));
        }
        return query;
    }

    /// <summary>
    /// Every audit event a filter matches, found through the trail's indexes rather than by reading the whole window:
    /// <see cref="Selected"/> narrows, and <see cref="ScopeMatcher"/> decides, as it does for a scope run. The incident
    /// pages' accesses over time count these, so their total is the version's <see cref="ScopeVersion.EventsMatched"/>.
    /// <paramref name="withItems"/> false leaves a list's items unread.
    /// </summary>
    public async IAsyncEnumerable<MatchedEvent> MatchedAsync(
        ScopeFilter filter, bool withItems, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var matcher = await MatcherAsync(filter, cancellationToken);
        var rows = Selected(filter).Select(e => new AuditEvent
        {
            Sequence = e.Sequence, OccurredAt = e.OccurredAt, Action = e.Action, Outcome = e.Outcome, ActorAccountId = e.ActorAccountId,
            SessionId = e.SessionId, Client = e.Client, IpAddress = e.IpAddress, PatientId = e.PatientId, PracticeId = e.PracticeId,
            ResourceId = e.ResourceId, Items = withItems ? e.Items : null,
        });
        await foreach (var e in rows.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (matcher.Matches(e))
            {
                yield return new MatchedEvent(e.Action, e.PatientId!.Value, e.ResourceId, e.Items, e.OccurredAt, e.PracticeId);
            }
        }
    }

    private async Task<Dictionary<Guid, List<Guid>>> CurrentPracticesAsync(IEnumerable<Guid> patientIds, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        var result = new Dictionary<Guid, List<Guid>>();
        // PostgreSQL takes a whole array as one parameter; SQLite plans a list of constants best, a few thousand at a time.
        foreach (var chunk in patientIds.Chunk(db.IsPostgres ? 50_000 : EnrolmentChunk))
        {
            var ids = chunk.ToList();
            var current = PatientAccess.CurrentEnrolmentsOf(db).AsNoTracking();
            current = db.IsPostgres ? current.Where(e => ids.Contains(e.PatientId)) : current.Where(e => EF.Constant(ids).Contains(e.PatientId));
            var rows = await current.Select(e => new { e.PatientId, e.PracticeId }).ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                if (!result.TryGetValue(row.PatientId, out var list))
                {
                    result[row.PatientId] = list = [];
                }
                list.Add(row.PracticeId);
            }
        }
        return result;
    }

    private async Task<ScopeVersion> SaveAsync(
        Guid incidentId, ScopeFilter filter, Guid by, VerificationResult trail, TrailFound found, Task<Dictionary<Guid, List<Guid>>> enrolledNow,
        IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var version = new ScopeVersion
        {
            IncidentId = incidentId,
            Filter = filter.ToJson(),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            CreatedBy = by,
            TrailVerified = trail.Intact,
            TrailMessage = trail.Message.Length <= 1000 ? trail.Message : trail.Message[..1000],
            EventsMatched = found.Events,
            Documents = found.Documents.Count,
        };
        // One pass over hundreds of thousands of documents makes their rows and each patient's. Rows are written in key
        // order, (patient, document): the patients are sorted by a number that orders as their ids do, and each
        // patient's few documents among themselves, which takes a fraction of sorting every document by id.
        var perPatient = new Dictionary<Guid, (ScopePatient Row, List<ScopeDocument> Documents)>();
        foreach (var (documentId, document) in found.Documents)
        {
            if (!perPatient.TryGetValue(document.PatientId, out var patient))
            {
                perPatient[document.PatientId] = patient = (new ScopePatient
                {
                    ScopeVersionId = version.Id, PatientId = document.PatientId, Disclosure = Disclosure.Metadata, FirstAccessedAt = document.First, LastAccessedAt = document.Last,
                }, []);
            }
            patient.Documents.Add(new ScopeDocument
            {
                ScopeVersionId = version.Id, DocumentId = documentId, PatientId = document.PatientId, Disclosure = document.Disclosure,
                FirstAccessedAt = document.First, LastAccessedAt = document.Last,
            });
            var row = patient.Row;
            row.Documents++;
            if (document.Disclosure == Disclosure.Content)
            {
                version.ContentDocuments++;
                row.Disclosure = Disclosure.Content;
            }
            if (document.First < row.FirstAccessedAt) { row.FirstAccessedAt = document.First; }
            if (document.Last > row.LastAccessedAt) { row.LastAccessedAt = document.Last; }
        }
        version.MetadataDocuments = version.Documents - version.ContentDocuments;
        version.Patients = perPatient.Count;
        var order = perPatient.Keys.ToArray();
        var keys = order.Select(ScopeFold.KeyOrder).ToArray();
        Array.Sort(keys, order);
        var patientRows = new List<ScopePatient>(order.Length);
        var documentRows = new List<ScopeDocument>(found.Documents.Count);
        foreach (var patientId in order)
        {
            var (row, documents) = perPatient[patientId];
            patientRows.Add(row);
            documents.Sort((x, y) => x.DocumentId.CompareTo(y.DocumentId));
            documentRows.AddRange(documents);
        }

        using (await db.EnterWriteGateAsync(cancellationToken, evenWithoutChanges: true))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // Hundreds of thousands of rows: written straight to their tables in this transaction, not through the change tracker.
            // In key order (sorted above), so each table's own index grows at its end.
            progress?.Report($"Saving {documentRows.Count:N0} documents");
            await BulkRows.WriteAsync(db, documentRows, cancellationToken);
            progress?.Report($"Saving {patientRows.Count:N0} patients");
            await BulkRows.WriteAsync(db, patientRows, cancellationToken);
            var practices = ScopeFold.Ties(version.Id, order, found, await enrolledNow);
            version.Practices = practices.Select(p => p.PracticeId).Distinct().Count();
            progress?.Report($"Saving {practices.Count:N0} ties between patients and practices");
            await BulkRows.WriteAsync(db, practices.OrderBy(p => p.PracticeId).ThenBy(p => p.PatientId), cancellationToken);

            version.Version = 1 + (await db.ScopeVersions.Where(v => v.IncidentId == incidentId).MaxAsync(v => (int?)v.Version, cancellationToken) ?? 0);
            db.ScopeVersions.Add(version);
            db.TimelineEntries.Add(new TimelineEntry
            {
                IncidentId = incidentId,
                At = version.CreatedAt,
                Kind = TimelineKind.ScopeVersion,
                By = by,
                RefId = version.Id,
                Text = $"Scope version {version.Version} ran: {version.Patients:N0} patients, {version.Documents:N0} documents "
                       + $"({version.ContentDocuments:N0} content, {version.MetadataDocuments:N0} metadata only), {version.Practices:N0} practices."
                       + (trail.Intact ? "" : " The audit trail over its window failed verification."),
            });
            audit.Record(AuditAction.ScopeRun, resourceType: "ScopeVersion", resourceId: version.Id, actorAccountId: by,
                detail: $"version {version.Version}: {version.Patients} patients, {version.Documents} documents");
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        db.ChangeTracker.Clear();
        if (db.IsPostgres)
        {
            // Autovacuum would learn of the new rows within minutes, but the practices read their lists now: without
            // fresh statistics PostgreSQL plans those reads as if the tables were as small as before (left out, the
            // documents' statistics alone made every practice's list three times slower).
            // The version is saved by now: a failure here costs speed, never the version, and a cancelled request must not
            // leave the caller thinking it was lost.
            progress?.Report("Updating the database's statistics of the scope tables");
            // A sample of 3,000 rows a table (not the usual 30,000) is enough to learn how many rows the new version has,
            // and takes a tenth of the time; autovacuum's own, fuller statistics follow later.
            try
            {
                await using var statistics = await db.Database.BeginTransactionAsync(CancellationToken.None);
                await db.Database.ExecuteSqlRawAsync(
                    "SET LOCAL default_statistics_target = 10; ANALYZE \"ScopeDocuments\", \"ScopePatients\", \"ScopePractices\"", CancellationToken.None);
                await statistics.CommitAsync(CancellationToken.None);
            }
            catch (Npgsql.NpgsqlException ex)
            {
                logger.LogWarning(ex, "Refreshing the statistics of the scope tables failed; autovacuum will do it later.");
            }
        }
        return version;
    }
}
