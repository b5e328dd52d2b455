using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace SalesKernel.Core.Security;

internal static class SecurityMiddleware
{
    /// <summary>A token whose security stamp is no longer the user's (password changed, user disabled) is refused.</summary>
    public static IApplicationBuilder UseTokenRevocation(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true
            && Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            && user.FindFirstValue(CallerContext.StampClaim) is { } stamp
            && !await context.RequestServices.GetRequiredService<SecurityStamps>().IsCurrentAsync(id,
                Guid.TryParse(user.FindFirstValue(CallerContext.TenantClaim), out var tenant) ? tenant : null, stamp, context.RequestAborted))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await Results.Problem(statusCode: 401, title: "The token was revoked",
                detail: "The password changed or the user was disabled since this token was issued; sign in again.").ExecuteAsync(context);
            return;
        }
        await next(context);
    });

    /// <summary>
    /// Headers every answer carries — the API's, and the pages the host serves before the kernel's
    /// pipeline (Swagger UI): registered as a startup filter, so it runs first whatever the host adds.
    /// </summary>
    internal sealed class SecurityHeaders : IStartupFilter
    {
        /// <summary>Swagger UI runs its own scripts and styles, from this host only.</summary>
        public const string SwaggerPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                // set as the answer starts: an exception handler that clears the response does not lose them
                context.Response.OnStarting(static state =>
                {
                    var http = (HttpContext)state;
                    var headers = http.Response.Headers;
                    headers.XContentTypeOptions = "nosniff";
                    headers.XFrameOptions = "DENY";
                    headers["Referrer-Policy"] = "no-referrer";
                    headers["Cross-Origin-Opener-Policy"] = "same-origin";
                    headers["Cross-Origin-Resource-Policy"] = "same-origin";
                    headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/swagger")
                        ? SwaggerPolicy
                        : "default-src 'none'; frame-ancestors 'none'";
                    // the API's answers carry records and tokens: no shared cache (nor the browser's) may keep them;
                    // an endpoint that chose its own caching keeps it
                    if (http.Request.Path.StartsWithSegments("/api") && !headers.ContainsKey("Cache-Control"))
                        headers.CacheControl = "no-store";
                    return Task.CompletedTask;
                }, context);
                // the NUL character has no use in an address or a query, and PostgreSQL refuses it in text
                if (context.Request.Path.Value?.Contains('\0') == true || context.Request.Query.Any(q => q.Key.Contains('\0') || q.Value.Any(v => v?.Contains('\0') == true)))
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    await Results.Problem(statusCode: 400, title: "The request could not be read",
                        detail: "The address or the query holds the NUL character (%00).").ExecuteAsync(context);
                    return;
                }
                await nextMiddleware(context);
            });
            next(app);
        };
    }

    /// <summary>
    /// Signed in with a password the user did not choose (the platform administrator's one-time password),
    /// the token opens only what choosing a new one needs: <c>/api/auth/password</c>, <c>/me</c>, refresh and sign-out.
    /// </summary>
    public static IApplicationBuilder UsePasswordChangeFirst(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.User.HasClaim(AuthApi.MustChangePasswordClaim, "true") && !context.Request.Path.StartsWithSegments("/api/auth"))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await Results.Problem(statusCode: 403, title: "Choose a new password first",
                detail: "You signed in with a one-time password. Choose your own with POST /api/auth/password {\"currentPassword\": …, \"newPassword\": …}, then sign in again with it.")
                .ExecuteAsync(context);
            return;
        }
        await next(context);
    });

    /// <summary>
    /// A request that matches no endpoint answers 404, signed in or not: the fallback authorization
    /// policy would otherwise answer 401 to an anonymous caller for an address that does not exist.
    /// </summary>
    public static IApplicationBuilder UseNotFoundForUnknownRoutes(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint() is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await Results.Problem(statusCode: 404, title: "Not found", detail: $"Nothing is served at {context.Request.Path}.").ExecuteAsync(context);
            return;
        }
        await next(context);
    });
}
