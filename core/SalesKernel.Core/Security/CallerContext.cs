using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using SalesKernel.Sdk;

namespace SalesKernel.Core.Security;

/// <summary>
/// The caller of the current scope: read from the authenticated principal of the HTTP request, or
/// set explicitly by background work acting for a tenant (<see cref="ActAs"/>).
/// </summary>
public sealed class CallerContext(IHttpContextAccessor? http) : ICallerContext
{
    public const string TenantClaim = "sk:tenant";
    public const string PlatformClaim = "sk:platform";
    public const string StampClaim = "sk:stamp";

    /// <summary>A caller with no tenant and no user, for work outside any request.</summary>
    public static CallerContext None => new(null);

    private (Guid? Tenant, string? User, bool Platform)? _explicit;

    public Guid? TenantId => _explicit is { } e ? e.Tenant : Guid.TryParse(Principal?.FindFirstValue(TenantClaim), out var t) ? t : null;
    public string? UserId => _explicit is { } e ? e.User : Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
    public bool IsPlatformAdmin => _explicit is { } e ? e.Platform : Principal?.HasClaim(PlatformClaim, "true") == true;

    /// <summary>The role an API key acts with, when the caller is an API key.</summary>
    public Guid? ApiKeyRoleId => _explicit is null && Guid.TryParse(Principal?.FindFirstValue(ApiKeyAuthentication.RoleClaim), out var role) ? role : null;

    /// <summary>An API key bound to the standard tenant administrator role.</summary>
    public bool IsTenantAdminKey => ApiKeyRoleId is not null && Principal?.HasClaim(AuthApi.TenantAdminClaim, "true") == true;

    /// <summary>Makes the rest of this scope act for a tenant (and user), as background work must.</summary>
    public void ActAs(Guid? tenantId, string? userId = null, bool platformAdmin = false) => _explicit = (tenantId, userId, platformAdmin);

    private ClaimsPrincipal? Principal => http?.HttpContext?.User is { Identity.IsAuthenticated: true } user ? user : null;
}
