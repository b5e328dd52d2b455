using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SalesKernel.Core.Data;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Security;

/// <summary>Authenticates <c>X-Api-Key: sk_…</c> (or <c>Authorization: ApiKey sk_…</c>) as the key's tenant and role.</summary>
internal sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    KernelDbContext db, TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";
    public const string RoleClaim = "sk:apikey-role";

    public static string? KeyOf(Microsoft.AspNetCore.Http.HttpRequest request)
    {
        if (request.Headers.TryGetValue(Header, out var key)) return key.ToString();
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (KeyOf(Request) is not { } text) return AuthenticateResult.NoResult();
        if (!ApiKey.TryParse(text, out var prefix, out var secret)) return AuthenticateResult.Fail("The API key is malformed.");
        // the caller is what is being found out: the key is looked for in the whole installation
        var key = await db.AcrossTenants<ApiKey>().FirstOrDefaultAsync(k => k.Prefix == prefix, Context.RequestAborted);
        // a key bound to the standard administrator role acts as a tenant administrator: it acts with exactly its role
        var isAdminRole = key is not null && await db.AcrossTenants<Role>().AnyAsync(r => r.Id == key.RoleId && r.TenantId == key.TenantId && r.IsStandard
            && r.Code == StandardRoles.TenantAdmin, Context.RequestAborted);
        if (key is null || key.RevokedAtUtc is not null
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(key.SecretHash), Encoding.ASCII.GetBytes(ApiKey.Hash(secret)))
            || !await db.Tenants.AnyAsync(t => t.Id == key.TenantId && t.IsActive, Context.RequestAborted))
            return AuthenticateResult.Fail("The API key is not valid or was revoked.");

        var now = clock.GetUtcNow().UtcDateTime;
        if (key.LastUsedAtUtc is null || now - key.LastUsedAtUtc > TimeSpan.FromMinutes(1))
        {
            key.LastUsedAtUtc = now; // at most one write a minute per key
            await db.SaveChangesAsync(Context.RequestAborted);
        }
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, ApiKey.UserIdPrefix + key.Id),
            new Claim(ClaimTypes.Name, key.Name),
            new Claim(CallerContext.TenantClaim, key.TenantId.ToString()),
            new Claim(RoleClaim, key.RoleId.ToString()),
        ], SchemeName);
        if (isAdminRole) identity.AddClaim(new Claim(AuthApi.TenantAdminClaim, "true"));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
