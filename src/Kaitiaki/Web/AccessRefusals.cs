using Kaitiaki.Audit;

namespace Kaitiaki.Web;

/// <summary>What a refused caller is told: set on the request so the error page can say it to a browser.</summary>
internal sealed record RefusalAnswer(string Title, string Message);

internal static class AccessRefusals
{
    /// <summary>
    /// A guard's refusal that an endpoint did not answer itself: a plain refusal becomes a 404, as any refusal is; a
    /// containment answers with its own status and calm words. Nothing has been sent, and the refusal is already on the
    /// audit trail.
    /// </summary>
    public static void UseAccessRefusals(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (AccessRefusedException ex) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                var refusal = ex.Refusal;
                await AnswerAsync(context, refusal);
            }
        });

    public static Task AnswerAsync(HttpContext context, GuardRefusal refusal, int? retryAfterSeconds = null)
    {
        if (refusal.Challenge is { } challenge)
        {
            context.Response.Headers.WWWAuthenticate = challenge;
        }
        return AnswerAsync(context, refusal.Status, refusal.Title ?? "Not found", refusal.Message ?? "There is nothing here.", retryAfterSeconds);
    }

    /// <summary>
    /// Answers a refusal: problem details for the API and anything that is not a browser; for a browser, only the
    /// status, so the error page (which reads the <see cref="RefusalAnswer"/>) is shown in the portal's layout.
    /// </summary>
    public static async Task AnswerAsync(HttpContext context, int status, string title, string message, int? retryAfterSeconds = null)
    {
        if (retryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        context.Features.Set(new RefusalAnswer(title, message));
        if (ErrorPages.IsPageRequest(context))
        {
            context.Response.StatusCode = status;
            return;
        }
        await Results.Problem(title: title, detail: message, statusCode: status).ExecuteAsync(context);
    }
}
