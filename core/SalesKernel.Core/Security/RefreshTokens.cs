using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Security;

/// <summary>
/// One refresh token ever issued, kept as the SHA-256 hash of its secret. The tokens issued one after
/// another from one sign-in form a family (a chain): each refresh uses one up and issues the next.
/// </summary>
public sealed class RefreshToken
{
    /// <summary>The hash of the token's secret (hex), which is how a presented token is found.</summary>
    public string Id { get; set; } = "";
    /// <summary>The sign-in the token descends from; a replay revokes every token of it.</summary>
    public Guid FamilyId { get; set; }
    public Guid UserId { get; set; }
    /// <summary>The user's security stamp when the chain began: a password change ends the chain.</summary>
    public string SecurityStamp { get; set; } = "";
    public DateTime IssuedAtUtc { get; set; }
    /// <summary>When the sign-in the chain descends from happened: a chain ends a fixed time after it, however often refreshed.</summary>
    public DateTime SignedInAtUtc { get; set; }
    public DateTime ExpiresAtUtc { get; set; }
    /// <summary>When it was exchanged for the next token; a used token presented again is a replay.</summary>
    public DateTime? UsedAtUtc { get; set; }
    public DateTime? RevokedAtUtc { get; set; }

    internal static void Configure(EntityTypeBuilder<RefreshToken> b)
    {
        b.ToTable("sk_refresh_token");
        b.HasKey(t => t.Id);
        b.Property(t => t.Id).HasMaxLength(64);
        b.Property(t => t.SecurityStamp).HasMaxLength(64).IsRequired();
        b.HasIndex(t => t.FamilyId);
        b.HasIndex(t => new { t.UserId, t.ExpiresAtUtc });
    }
}

/// <summary>
/// Issues token responses and rotates refresh tokens (OAuth 2.0 Security BCP, RFC 9700 §4.14): every
/// refresh returns a new refresh token and uses the old one up; a used token presented again means it
/// leaked, so the whole chain is revoked and whoever holds any of its tokens must sign in again.
/// </summary>
public sealed class RefreshTokens(KernelDbContext db, IOptionsMonitor<BearerTokenOptions> bearer, IOptions<SecurityOptions> options, TimeProvider clock)
{
    /// <summary>Why a refresh was refused, or null when it went through.</summary>
    public enum Refusal { None, Unknown, Expired, Replayed, Revoked, NotHere }

    /// <summary>A new chain for a sign-in: an access token and its first refresh token.</summary>
    public async Task<AccessTokenResponse> IssueAsync(UserAccount user, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // the user's dead tokens go when they sign in again, so the table holds live chains only
        await db.Set<RefreshToken>().Where(t => t.UserId == user.Id && t.ExpiresAtUtc < now).ExecuteDeleteAsync(cancellationToken);
        return await NextAsync(user, Guid.CreateVersion7(), now, now, cancellationToken);
    }

    /// <summary>
    /// Exchanges a refresh token for the next one of its chain, or says why not. <paramref name="mayIssue"/>
    /// is asked before the token is used up: a token refused for where the request comes from stays good.
    /// </summary>
    public async Task<(AccessTokenResponse? Response, Refusal Refusal)> RotateAsync(string? presented,
        Func<UserAccount, CancellationToken, Task<bool>> mayIssue, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(presented) || presented.Length > 200) return (null, Refusal.Unknown);
        var id = Hash(presented);
        var token = await db.Set<RefreshToken>().AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (token is null) return (null, Refusal.Unknown);
        var now = clock.GetUtcNow().UtcDateTime;
        if (token.RevokedAtUtc is not null) return (null, Refusal.Revoked);
        if (token.UsedAtUtc is not null)
        {
            await RevokeFamilyAsync(token.FamilyId, cancellationToken);
            return (null, Refusal.Replayed);
        }
        if (token.ExpiresAtUtc <= now) return (null, Refusal.Expired);
        var user = await db.AcrossTenants<UserAccount>().AsNoTracking().FirstOrDefaultAsync(u => u.Id == token.UserId, cancellationToken);
        if (user is not { IsActive: true } || user.SecurityStamp != token.SecurityStamp
            || user.TenantId is { } tenant && !await db.Tenants.AnyAsync(t => t.Id == tenant && t.IsActive, cancellationToken))
        {
            await RevokeFamilyAsync(token.FamilyId, cancellationToken);
            return (null, Refusal.Revoked);
        }
        if (!await mayIssue(user, cancellationToken)) return (null, Refusal.NotHere);
        // using the token up and issuing its successor are one transaction: a replay that is noticed meanwhile
        // (it waits for this one) revokes the successor too, and a client gone half-way leaves its token unused
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var claimed = await db.Set<RefreshToken>().Where(t => t.Id == id && t.UsedAtUtc == null && t.RevokedAtUtc == null)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.UsedAtUtc, now), CancellationToken.None);
        if (claimed == 0)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            await RevokeFamilyAsync(token.FamilyId, CancellationToken.None);
            return (null, Refusal.Replayed);
        }
        var response = await NextAsync(user, token.FamilyId, token.SignedInAtUtc, now, CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        return (response, Refusal.None);
    }

    /// <summary>Ends the chain a refresh token belongs to (sign-out); false when the token is unknown.</summary>
    public async Task<bool> RevokeAsync(string? presented, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(presented) || presented.Length > 200) return false;
        var id = Hash(presented);
        var family = await db.Set<RefreshToken>().Where(t => t.Id == id).Select(t => (Guid?)t.FamilyId).FirstOrDefaultAsync(cancellationToken);
        if (family is null) return false;
        await RevokeFamilyAsync(family.Value, cancellationToken);
        return true;
    }

    private Task<int> RevokeFamilyAsync(Guid family, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Set<RefreshToken>().Where(t => t.FamilyId == family && t.RevokedAtUtc == null)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.RevokedAtUtc, now), CancellationToken.None);
    }

    private async Task<AccessTokenResponse> NextAsync(UserAccount user, Guid family, DateTime signedInAt, DateTime now, CancellationToken cancellationToken)
    {
        var secret = "rt_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var sliding = now.AddDays(options.Value.RefreshTokenDays);
        var absolute = signedInAt.AddDays(options.Value.SessionDays);
        db.Set<RefreshToken>().Add(new RefreshToken
        {
            Id = Hash(secret), FamilyId = family, UserId = user.Id, SecurityStamp = user.SecurityStamp, IssuedAtUtc = now, SignedInAtUtc = signedInAt,
            ExpiresAtUtc = sliding < absolute ? sliding : absolute,
        });
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();

        var settings = bearer.Get(BearerTokenDefaults.AuthenticationScheme);
        var properties = new AuthenticationProperties { ExpiresUtc = clock.GetUtcNow() + settings.BearerTokenExpiration };
        var ticket = new AuthenticationTicket(AuthApi.Principal(user), properties, $"{BearerTokenDefaults.AuthenticationScheme}:AccessToken");
        return new AccessTokenResponse
        {
            AccessToken = settings.BearerTokenProtector.Protect(ticket),
            ExpiresIn = (long)settings.BearerTokenExpiration.TotalSeconds,
            RefreshToken = secret,
        };
    }

    private static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>A token answer: never stored by a cache or a browser (RFC 6749 §5.1).</summary>
    public static IResult Answer(HttpContext http, AccessTokenResponse response)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        return TypedResults.Ok(response);
    }
}
