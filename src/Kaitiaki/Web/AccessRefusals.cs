using Kaitiaki.Audit;

namespace Kaitiaki.Web;

internal static class AccessRefusals
{
    /// <summary>
    /// A guard's refusal that an endpoint did not answer itself becomes a plain 404, as any refusal is: nothing has been
    /// sent, and the refusal is already on the audit trail.
    /// </summary>
    public static void UseAccessRefusals(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (AccessRefusedException) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await Results.Problem(title: "Not found", detail: "There is nothing here.", statusCode: StatusCodes.Status404NotFound).ExecuteAsync(context);
            }
        });
}
