using System.Globalization;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kaitiaki.Practices;

/// <summary>The practice side of the JSON API: the patients a clinician or practice administrator may list.</summary>
internal static class PracticeEndpoints
{
    public static IEndpointRouteBuilder MapPracticeEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/v1/patients").WithTags("Patients").RequireAuthorization(AccountsSetup.ApiPolicy);
        api.MapGet("/", ListAsync).Audited(AuditAction.PatientListViewed);
        return routes;
    }

    /// <summary>
    /// <c>page</c> arrives as text so that a page that is not a number gets an answer saying so, like one below 1; a
    /// guard's refusal while the page is recorded stops it before anything is sent (<see cref="AccessRefusals"/>).
    /// </summary>
    private static async Task<Results<Ok<List<ListedPatient>>, ProblemHttpResult>> ListAsync(
        string? page, HttpContext http, PracticeService practices, CancellationToken cancellationToken)
    {
        var number = 1;
        if (page is not null && (!int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number < 1))
        {
            return TypedResults.Problem(title: "Page not understood",
                detail: "page must be a whole number from 1 up; the first page is 1.", statusCode: StatusCodes.Status400BadRequest);
        }
        var list = await practices.PatientListPageAsync(http.User.AccountId()!.Value, number, cancellationToken);
        if (list is null)
        {
            return TypedResults.Problem(title: "Not for this account",
                detail: http.User.IsInRole(Roles.PrivacyOfficer)
                    ? "This list is for a practice's clinicians and administrators."
                    : "This list is for practice staff.",
                statusCode: StatusCodes.Status403Forbidden);
        }
        if (list.HasNext)
        {
            http.Response.Headers.Link = $"</api/v1/patients?page={number + 1}>; rel=\"next\"";
        }
        return TypedResults.Ok(list.Patients);
    }
}
