using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
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
            && !await context.RequestServices.GetRequiredService<SecurityStamps>().IsCurrentAsync(id, stamp, context.RequestAborted))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await Results.Problem(statusCode: 401, title: "The token was revoked",
                detail: "The password changed or the user was disabled since this token was issued; sign in again.").ExecuteAsync(context);
            return;
        }
        await next(context);
    });

    /// <summary>Headers every answer carries.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        if (!context.Request.Path.StartsWithSegments("/swagger"))
            headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
        await next(context);
    });
}
