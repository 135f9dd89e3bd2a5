using Kaitiaki.Audit;

namespace Kaitiaki.Incidents;

/// <summary>One document a scope found disclosed: whose, content or metadata only, first and last seen.</summary>
internal sealed class DocumentFound(Guid patientId, Disclosure disclosure, DateTime at)
{
    public Guid PatientId { get; } = patientId;
    public Disclosure Disclosure { get; set; } = disclosure;
    public DateTime First { get; set; } = at;
    public DateTime Last { get; set; } = at;

    public void Saw(Disclosure disclosure, DateTime at)
    {
        if (disclosure == Disclosure.Content)
        {
            Disclosure = Disclosure.Content;
        }
        if (at < First) { First = at; }
        if (at > Last) { Last = at; }
    }
}

/// <summary>One patient a scope found, with the practices the trail stamped on the events that disclosed their documents.</summary>
internal sealed class PatientFound
{
    public HashSet<Guid> PracticesAtAccess { get; } = [];
}

/// <summary>Everything the matched events disclosed, by document and by patient, and how many events matched.</summary>
internal sealed record TrailFound(Dictionary<Guid, DocumentFound> Documents, Dictionary<Guid, PatientFound> Patients, long Events);

/// <summary>
/// What a scope run makes of the events its filter matched (<see cref="Scoping"/>): the documents and patients they
/// disclosed, each patient's practices then and now, and the order its rows are written in.
/// </summary>
internal static class ScopeFold
{
    /// <summary>What the matched events disclosed: each document (content or metadata only, first and last seen) and each patient with the practices then.</summary>
    public static TrailFound Found(List<List<MatchedEvent>> matched)
    {
        var documents = new Dictionary<Guid, DocumentFound>();
        var patients = new Dictionary<Guid, PatientFound>();
        long events = 0;
        foreach (var e in matched.SelectMany(part => part))
        {
            events++;
            var patientId = e.PatientId;
            var disclosure = ScopeFilter.DisclosingActions[e.Action];
            var any = false;
            if (e.Action == AuditAction.DocumentListed)
            {
                foreach (var documentId in AuditEvent.UnpackItems(e.Items))
                {
                    See(documentId);
                }
            }
            else if (e.ResourceId is { } documentId)
            {
                See(documentId);
            }
            if (any && e.PracticeId is { } practiceId)
            {
                if (!patients.TryGetValue(patientId, out var patient))
                {
                    patients[patientId] = patient = new PatientFound();
                }
                patient.PracticesAtAccess.Add(practiceId);
            }
            else if (any && !patients.ContainsKey(patientId))
            {
                patients[patientId] = new PatientFound();
            }

            void See(Guid documentId)
            {
                any = true;
                if (documents.TryGetValue(documentId, out var seen))
                {
                    seen.Saw(disclosure, e.OccurredAt);
                }
                else
                {
                    documents[documentId] = new DocumentFound(patientId, disclosure, e.OccurredAt);
                }
            }
        }
        return new TrailFound(documents, patients, events);
    }

    /// <summary>An id as a number that sorts as the databases sort ids (their 16 bytes in order, as <see cref="Guid.CompareTo(Guid)"/> does).</summary>
    public static UInt128 KeyOrder(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>Each affected patient's practices: enrolled there when their data was read (from the trail), now, or both.</summary>
    public static List<ScopePractice> Ties(Guid versionId, IEnumerable<Guid> patientIds, TrailFound found, Dictionary<Guid, List<Guid>> now)
    {
        var ties = new List<ScopePractice>();
        foreach (var patientId in patientIds)
        {
            var atAccess = found.Patients.TryGetValue(patientId, out var patient) ? patient.PracticesAtAccess : [];
            var current = now.TryGetValue(patientId, out var list) ? list : [];
            foreach (var practiceId in atAccess.Union(current))
            {
                ties.Add(new ScopePractice
                {
                    ScopeVersionId = versionId, PracticeId = practiceId, PatientId = patientId, AtAccess = atAccess.Contains(practiceId), Now = current.Contains(practiceId),
                });
            }
        }
        return ties;
    }
}
