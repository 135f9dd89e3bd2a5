using System.Globalization;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Incidents;

internal sealed record OpenIncidentRequest(string? Title, DateTime? AwareAt, Guid? AlertId);

internal sealed record OpenedResponse(Guid Id);

internal sealed record ScopeCountsResponse(
    int Version, int Patients, int Documents, int ContentDocuments, int MetadataDocuments, int Practices, long EventsMatched, bool Frozen,
    DateTime CreatedAt, DateTime? FrozenAt, DateTime? ReviewDueAt, bool TrailVerified, string TrailMessage);

internal sealed record ScopePatientResponse(
    Guid PatientId, string Nhi, string Disclosure, IReadOnlyList<Guid> DocumentIds, IReadOnlyList<Guid> PracticeIdsAtAccess, IReadOnlyList<Guid> PracticeIdsNow,
    int ScopeVersion, bool Flagged);

internal sealed record CompareResponse(
    int From, int To, IReadOnlyList<Guid> PatientsAdded, IReadOnlyList<Guid> PatientsRemoved, IReadOnlyList<Guid> DocumentsAdded, IReadOnlyList<Guid> DocumentsRemoved);

internal sealed record IncidentResponse(
    Guid Id, string Title, DateTime AwareAt, DateTime CreatedAt, Guid? AlertId, DateTime CommissionerDueAt, DateTime? CommissionerNotifiedAt,
    string? ContactName, string? ContactEmail, string? ContactPhone, IReadOnlyList<ScopeCountsResponse> Versions);

internal sealed record StatusDocumentResponse(Guid Id, string Title, DateTime AccessedAt, string Disclosure);

internal sealed record SecurityStatusResponse(
    string Status, Guid? IncidentId, int? ScopeVersion, IReadOnlyList<StatusDocumentResponse> Documents, string VerificationPhrase, Guid PatientId);

internal sealed record ReviewRequest(int? Version, IReadOnlyList<FlagRequest>? Flags, IReadOnlyList<Guid>? Unflag, bool? Approve);

internal sealed record ReviewResponse(int Version, int Flagged, bool Approved, bool Late);

/// <summary>
/// The breach response API (docs/api.md section 12): incidents and their scope versions for incident managers; each
/// practice's slice and review for its privacy officer or administrator; and every patient's own security status.
/// </summary>
internal static class IncidentEndpoints
{
    public static IEndpointRouteBuilder MapIncidentEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/v1/incidents").WithTags("Incidents").DisableAntiforgery()
            .RequireAuthorization(AccountsSetup.ApiPolicy).RequireAuthorization(AccountsSetup.IncidentManagerPolicy);
        api.MapPost("/", OpenAsync).Audited(AuditAction.IncidentOpened);
        api.MapGet("/", ListAsync).Audited(AuditAction.IncidentViewed);
        api.MapGet("/{id:guid}", ReadAsync).Audited(AuditAction.IncidentViewed);
        api.MapPost("/{id:guid}/scopes", ScopeAsync).Audited(AuditAction.ScopeRun);
        api.MapGet("/{id:guid}/scopes", VersionsAsync).Audited(AuditAction.IncidentViewed);
        api.MapGet("/{id:guid}/scopes/{version:int}/patients", PatientsAsync).Audited(AuditAction.ScopePatientsListed);
        api.MapPost("/{id:guid}/scopes/{version:int}/freeze", FreezeAsync).Audited(AuditAction.ScopeFrozen);
        api.MapGet("/{id:guid}/scopes/{a:int}/compare/{b:int}", CompareAsync).Audited(AuditAction.IncidentViewed);

        var practices = routes.MapGroup("/api/v1/practices/{practiceId:guid}/incidents").WithTags("Incidents").DisableAntiforgery()
            .RequireAuthorization(AccountsSetup.ApiPolicy).RequireAuthorization(AccountsSetup.StaffPolicy);
        practices.MapGet("/{incidentId:guid}/patients", PracticePatientsAsync).Audited(AuditAction.PracticeIncidentViewed);
        practices.MapPost("/{incidentId:guid}/review", ReviewAsync).Audited(AuditAction.PracticeReviewRecorded);

        routes.MapGet("/api/v1/me/security-status", MyStatusAsync).WithTags("Incidents")
            .RequireAuthorization(AccountsSetup.ApiPolicy).RequireAuthorization(AccountsSetup.PatientPolicy).Audited(AuditAction.SecurityStatusViewed);
        routes.MapGet("/api/v1/me/security-statuses", MyStatusesAsync).WithTags("Incidents")
            .RequireAuthorization(AccountsSetup.ApiPolicy).RequireAuthorization(AccountsSetup.PatientPolicy).Audited(AuditAction.SecurityStatusViewed);
        routes.MapPracticeReviewEndpoints();
        return routes;
    }

    private static ProblemHttpResult Bad(string title, string detail) => TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest);

    private static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(title: "Not found", detail: detail, statusCode: StatusCodes.Status404NotFound);

    private static async Task<Results<Created<OpenedResponse>, ProblemHttpResult>> OpenAsync(
        OpenIncidentRequest? request, HttpContext http, IncidentService incidents, Storage.KaitiakiDb db, CancellationToken cancellationToken)
    {
        if (incidents.CheckNew(request?.Title, request?.AwareAt) is { } problem)
        {
            return Bad("The incident could not be opened", problem);
        }
        if (request!.AlertId is { } alertId && !await db.SecurityAlerts.AnyAsync(a => a.Id == alertId, cancellationToken))
        {
            return Bad("The incident could not be opened", $"There is no security alert with the id {alertId}.");
        }
        var incident = await incidents.OpenAsync(request.Title!, request.AwareAt!.Value.ToUniversalTime(), http.User.AccountId()!.Value, request.AlertId, cancellationToken);
        return TypedResults.Created($"/api/v1/incidents/{incident.Id}", new OpenedResponse(incident.Id));
    }

    private static async Task<Ok<List<IncidentResponse>>> ListAsync(HttpContext http, IncidentService incidents, AuditTrail audit, CancellationToken cancellationToken)
    {
        var list = new List<IncidentResponse>();
        foreach (var incident in await incidents.ListAsync(cancellationToken))
        {
            list.Add(Describe(incident, await incidents.VersionsAsync(incident.Id, cancellationToken)));
        }
        await audit.RecordAndSaveAsync(AuditAction.IncidentViewed, resourceType: "Incident", detail: "list", cancellationToken: cancellationToken);
        return TypedResults.Ok(list);
    }

    private static async Task<Results<Ok<IncidentResponse>, ProblemHttpResult>> ReadAsync(
        Guid id, IncidentService incidents, AuditTrail audit, CancellationToken cancellationToken)
    {
        if (await incidents.FindAsync(id, cancellationToken) is not { } incident)
        {
            return NotFound("There is no incident with that id.");
        }
        await audit.RecordAndSaveAsync(AuditAction.IncidentViewed, resourceType: "Incident", resourceId: id, cancellationToken: cancellationToken);
        return TypedResults.Ok(Describe(incident, await incidents.VersionsAsync(id, cancellationToken)));
    }

    private static async Task<Results<Created<ScopeCountsResponse>, ProblemHttpResult>> ScopeAsync(
        Guid id, ScopeRequest? request, HttpContext http, Scoping scoping, IncidentService incidents, CancellationToken cancellationToken)
    {
        if (await incidents.FindAsync(id, cancellationToken) is null)
        {
            return NotFound("There is no incident with that id.");
        }
        if (!ScopeFilter.TryRead(request ?? new ScopeRequest(null, null), out var filter, out var problem))
        {
            return Bad("The scope could not run", problem);
        }
        var result = await scoping.RunAsync(id, filter, http.User.AccountId()!.Value, null, cancellationToken);
        if (result.Version is not { } version)
        {
            return Bad("The scope could not run", result.Problem!);
        }
        return TypedResults.Created($"/api/v1/incidents/{id}/scopes/{version.Version}", Counts(version));
    }

    private static async Task<Results<Ok<List<ScopeCountsResponse>>, ProblemHttpResult>> VersionsAsync(
        Guid id, IncidentService incidents, AuditTrail audit, CancellationToken cancellationToken)
    {
        if (await incidents.FindAsync(id, cancellationToken) is null)
        {
            return NotFound("There is no incident with that id.");
        }
        await audit.RecordAndSaveAsync(AuditAction.IncidentViewed, resourceType: "Incident", resourceId: id, detail: "versions", cancellationToken: cancellationToken);
        return TypedResults.Ok((await incidents.VersionsAsync(id, cancellationToken)).Select(Counts).ToList());
    }

    private static async Task<Results<Ok<List<ScopePatientResponse>>, ProblemHttpResult>> PatientsAsync(
        Guid id, int version, string? page, string? pageSize, HttpContext http, PracticeReview review, CancellationToken cancellationToken)
    {
        if (!TryPage(page, pageSize, out var number, out var size, out var problem))
        {
            return Bad("Page not understood", problem);
        }
        if (await review.VersionPatientsAsync(id, version, number, size, cancellationToken) is not { } list)
        {
            return NotFound($"This incident has no scope version {version}.");
        }
        return TypedResults.Ok(Rows(list, http, $"/api/v1/incidents/{id}/scopes/{version}/patients"));
    }

    private static async Task<Results<Ok<ScopeCountsResponse>, ProblemHttpResult>> FreezeAsync(
        Guid id, int version, HttpContext http, IncidentService incidents, CancellationToken cancellationToken)
    {
        if (await incidents.FindAsync(id, cancellationToken) is null)
        {
            return NotFound("There is no incident with that id.");
        }
        return await incidents.FreezeAsync(id, version, http.User.AccountId()!.Value, cancellationToken) switch
        {
            FreezeResult.NoSuchVersion => NotFound($"This incident has no scope version {version}."),
            FreezeResult.AlreadyFrozen => TypedResults.Problem(title: "Already frozen",
                detail: $"Version {version} was frozen already and never changes. To change the scope, run it again as a new version.",
                statusCode: StatusCodes.Status409Conflict),
            _ => TypedResults.Ok(Counts((await incidents.VersionAsync(id, version, cancellationToken))!)),
        };
    }

    private static async Task<Results<Ok<CompareResponse>, ProblemHttpResult>> CompareAsync(
        Guid id, int a, int b, IncidentService incidents, AuditTrail audit, CancellationToken cancellationToken)
    {
        if (await incidents.FindAsync(id, cancellationToken) is null)
        {
            return NotFound("There is no incident with that id.");
        }
        if (await incidents.CompareAsync(id, a, b, cancellationToken) is not { } comparison)
        {
            return NotFound($"This incident does not have both version {a} and version {b}. Versions are compared within one incident.");
        }
        await audit.RecordAndSaveAsync(AuditAction.IncidentViewed, resourceType: "Incident", resourceId: id, detail: $"compare {a} with {b}",
            cancellationToken: cancellationToken);
        return TypedResults.Ok(new CompareResponse(a, b, comparison.PatientsAdded, comparison.PatientsRemoved, comparison.DocumentsAdded, comparison.DocumentsRemoved));
    }

    private static async Task<Results<Ok<List<ScopePatientResponse>>, ProblemHttpResult>> PracticePatientsAsync(
        Guid practiceId, Guid incidentId, string? version, string? page, string? pageSize, HttpContext http, PracticeReview review,
        CancellationToken cancellationToken)
    {
        if (!TryPage(page, pageSize, out var number, out var size, out var problem))
        {
            return Bad("Page not understood", problem);
        }
        int? chosen = null;
        if (version is not null)
        {
            if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v < 1)
            {
                return Bad("Version not understood", "version must be a scope version number, from 1 up.");
            }
            chosen = v;
        }
        if (await review.PracticePatientsAsync(http.User.AccountId()!.Value, practiceId, incidentId, chosen, number, size, cancellationToken) is not { } list)
        {
            return NotFound("There is no such incident list for a practice you review.");
        }
        return TypedResults.Ok(Rows(list, http, $"/api/v1/practices/{practiceId}/incidents/{incidentId}/patients"));
    }

    private static async Task<Results<Ok<ReviewResponse>, ProblemHttpResult>> ReviewAsync(
        Guid practiceId, Guid incidentId, ReviewRequest? request, HttpContext http, PracticeReview review, CancellationToken cancellationToken)
    {
        var result = await review.ReviewAsync(http.User.AccountId()!.Value, practiceId, incidentId, request?.Version,
            request?.Flags ?? [], request?.Unflag ?? [], request?.Approve ?? false, cancellationToken);
        if (!result.Found)
        {
            return NotFound("There is no such incident for a practice you review.");
        }
        if (result.Problem is { } problem)
        {
            return Bad("The review was not recorded", problem);
        }
        return TypedResults.Ok(new ReviewResponse(request!.Version!.Value, result.Flagged, result.Approved, result.Late));
    }

    private static async Task<Results<Ok<SecurityStatusResponse>, ProblemHttpResult>> MyStatusAsync(
        Guid? patientId, HttpContext http, PatientSideStatuses sides, CancellationToken cancellationToken)
    {
        var all = await sides.ReadAsync(http.User.AccountId()!.Value, patientId, cancellationToken);
        var chosen = all is null ? null
            : patientId is not null ? all[0]
            : all.FirstOrDefault(s => s.Person.IsSelf) ?? (all.Count == 1 ? all[0] : null);
        if (chosen is null)
        {
            return all is null || all.Count == 0
                ? NotFound("There is no such person among the people you act for.")
                : Bad("Whose status?", "You act for more than one person: add ?patientId= for the one you mean, or use /api/v1/me/security-statuses.");
        }
        await sides.RecordShownAsync([chosen]);
        return TypedResults.Ok(Describe(chosen.Status));
    }

    private static async Task<Ok<List<SecurityStatusResponse>>> MyStatusesAsync(HttpContext http, PatientSideStatuses sides, CancellationToken cancellationToken)
    {
        var all = (await sides.ReadAsync(http.User.AccountId()!.Value, null, cancellationToken))!;
        await sides.RecordShownAsync(all);
        return TypedResults.Ok(all.Select(s => Describe(s.Status)).ToList());
    }

    internal static SecurityStatusResponse Describe(SecurityStatus status) => new(
        status.ApiName, status.IncidentId, status.ScopeVersion,
        status.Documents.Select(d => new StatusDocumentResponse(d.Id, d.Title, d.AccessedAt, HarmWords.Api(d.Disclosure))).ToList(),
        status.VerificationPhrase, status.PatientId);

    private static List<ScopePatientResponse> Rows(ScopePatientPage list, HttpContext http, string path)
    {
        http.Response.Headers["X-Scope-Version"] = list.Version.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["X-Total-Count"] = list.Total.ToString(CultureInfo.InvariantCulture);
        if (list.HasNext)
        {
            http.Response.Headers.Link = $"<{path}?page={list.Page + 1}&pageSize={list.PageSize}>; rel=\"next\"";
        }
        return list.Patients.Select(p => new ScopePatientResponse(p.PatientId, p.Nhi, HarmWords.Api(p.Disclosure), p.DocumentIds,
            p.PracticeIdsAtAccess, p.PracticeIdsNow, list.Version, p.Flagged)).ToList();
    }

    private static bool TryPage(string? page, string? pageSize, out int number, out int size, out string problem)
    {
        number = 1;
        size = PracticeReview.DefaultPageSize;
        problem = "";
        if (page is not null && (!int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number < 1))
        {
            problem = "page must be a whole number from 1 up; the first page is 1.";
            return false;
        }
        if (pageSize is not null && (!int.TryParse(pageSize, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > PracticeReview.MaxPageSize))
        {
            problem = $"pageSize must be a whole number from 1 to {PracticeReview.MaxPageSize:N0}.";
            return false;
        }
        return true;
    }

    internal static ScopeCountsResponse Counts(ScopeVersion v) => new(
        v.Version, v.Patients, v.Documents, v.ContentDocuments, v.MetadataDocuments, v.Practices, v.EventsMatched, v.FrozenAt is not null,
        v.CreatedAt, v.FrozenAt, v.ReviewDueAt, v.TrailVerified, v.TrailMessage);

    private static IncidentResponse Describe(Incident i, IEnumerable<ScopeVersion> versions) => new(
        i.Id, i.Title, i.AwareAt, i.CreatedAt, i.AlertId, i.AwareAt + IncidentService.CommissionerClock, i.CommissionerNotifiedAt,
        i.ContactName, i.ContactEmail, i.ContactPhone, versions.Select(Counts).ToList());
}
