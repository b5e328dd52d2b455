using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SalesKernel.Core.Data;
using SalesKernel.Core.Records;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Security;

/// <summary>
/// <c>/api/auth</c>: sign in with email and password for a bearer token and a refresh token; refresh;
/// change one's password (which revokes every token issued before). Failed sign-ins lock the
/// account after a few tries; sign-ins are limited per client address (<see cref="SignInLimit"/>).
/// Both are counted in the database, so that they hold across every host sharing it.
/// </summary>
internal static class AuthApi
{
    public const string TenantAdminClaim = "sk:tenant-admin";
    /// <summary>On the tokens of a user who signed in with a password they did not choose: only a new password is allowed.</summary>
    public const string MustChangePasswordClaim = "sk:must-change-password";

    public static void MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Authentication");
        auth.MapPost("/login", LoginAsync).AllowAnonymous().AddEndpointFilter<SignInLimit>()
            .WithName("SignIn").WithSummary("Exchange email and password for an access token and a refresh token.")
            .Produces<AccessTokenResponse>().ProducesProblem(401).ProducesProblem(403).ProducesProblem(429);
        auth.MapPost("/refresh", RefreshAsync).AllowAnonymous().AddEndpointFilter<SignInLimit>()
            .WithName("RefreshToken").WithSummary("Exchange a refresh token for a new access token and a new refresh token; the one presented is used up.")
            .Produces<AccessTokenResponse>().ProducesProblem(401).ProducesProblem(403);
        auth.MapPost("/logout", SignOutAsync).AllowAnonymous().AddEndpointFilter<SignInLimit>()
            .WithName("SignOut").WithSummary("End the sign-in a refresh token belongs to: it and every token refreshed from it stop working.")
            .Produces(204);
        auth.MapGet("/me", (ClaimsPrincipal user) => TypedResults.Ok(new CurrentUser(
                user.FindFirstValue(ClaimTypes.NameIdentifier)!, user.FindFirstValue(ClaimTypes.Name),
                user.FindFirstValue(CallerContext.TenantClaim), user.HasClaim(CallerContext.PlatformClaim, "true"), user.HasClaim(TenantAdminClaim, "true"),
                user.HasClaim(MustChangePasswordClaim, "true"))))
            .WithName("CurrentUser").WithSummary("Who the token belongs to.");
        auth.MapPost("/password", ChangePasswordAsync)
            .WithName("ChangePassword").WithSummary("Change one's password; every token issued before stops working.")
            .Produces(204).ProducesValidationProblem();
    }

    private static async Task<IResult> LoginAsync(SignInRequest request, HttpContext http, KernelDbContext db, Passwords passwords, RefreshTokens tokens,
        IpAllowList allowList, IOptions<SecurityOptions> options, TimeProvider clock, ILoggerFactory logs, Telemetry.KernelMetrics metrics, CancellationToken ct)
    {
        var email = request.Email?.Trim().ToLowerInvariant() ?? "";
        var policy = options.Value;
        var address = SignInFailures.AddressOf(http);
        var now = clock.GetUtcNow().UtcDateTime;
        // an address that keeps failing waits, whichever account it tries: it is slowed before any account is locked
        if (await SignInFailures.WaitAsync(db, address, policy, now, ct) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            metrics.SignInRefused("slowed");
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed sign-ins",
                detail: $"Sign-ins from your address failed several times: wait {seconds} s before the next attempt.");
        }
        // the caller is not known yet: the account is looked for in the whole installation
        var user = await db.AcrossTenants<UserAccount>().FirstOrDefaultAsync(u => u.Email == email, ct);
        // one answer for every failure — unknown email, wrong password, locked account — so that the
        // answer never tells whether an account exists
        var refused = $"The email or the password is wrong, or the account is locked for {policy.LockoutMinutes} minutes after repeated failed sign-ins.";
        if (user is { LockedUntilUtc: { } until } && until > now
            || user is not null && await SignInFailures.LockedHereAsync(db, address, user.Id, policy, now, ct))
        {
            passwords.Verify(null, request.Password ?? ""); // the same work as any attempt
            // still a failure of the address (its waits grow as for any other failure, so that they do not tell a
            // locked account from an email no account has), but no longer one on the account: an address locked out
            // of an account cannot go on to lock it for everyone
            await SignInFailures.RecordAsync(db, address, Guid.Empty, policy, now, ct);
            metrics.SignInRefused("locked");
            return Refused(refused);
        }
        if (!passwords.Verify(user, request.Password ?? ""))
        {
            // counted in the database, not in memory: parallel attempts are all counted
            await SignInFailures.RecordAsync(db, address, user?.Id ?? Guid.Empty, policy, now, ct);
            // locked for everyone after many failures on the account from any addresses within the lockout time
            // (each address counts until it is locked out itself: it takes several addresses, never one alone)
            if (user is not null && await SignInFailures.RecentOnAccountAsync(db, user.Id, policy, now, ct) >= policy.MaxFailedSignInsAnywhere)
            {
                var id = user.Id;
                var lockedUntil = now.AddMinutes(policy.LockoutMinutes);
                if (await db.AcrossTenants<UserAccount>().Where(u => u.Id == id)
                    .ExecuteUpdateAsync(u => u.SetProperty(x => x.LockedUntilUtc, lockedUntil), ct) > 0)
                    metrics.LockedOut();
            }
            metrics.SignInRefused("wrong");
            return Refused(refused);
        }
        if (!user!.IsActive || user.TenantId is { } tenant && !await db.Tenants.AnyAsync(t => t.Id == tenant && t.IsActive, ct))
        {
            metrics.SignInRefused("disabled");
            return Refused("The account is disabled.");
        }
        // only someone who knows the password learns that the address is the reason: the account's existence stays hidden
        if (await OutsideAllowListAsync(user, http, allowList, ct))
        {
            logs.CreateLogger("SalesKernel.Security").LogWarning("Sign-in of user {User} refused: {Address} is outside the tenant's allow-list",
                user.Id, http.Connection.RemoteIpAddress);
            metrics.SignInRefused("network");
            return OutsideNetworks();
        }
        user.FailedSignIns = 0;
        user.LockedUntilUtc = null;
        await db.SaveChangesAsync(ct);
        await SignInFailures.ForgetAsync(db, address, user.Id, ct);
        return RefreshTokens.Answer(http, await tokens.IssueAsync(user, ct));
    }

    private static async Task<IResult> RefreshAsync(RefreshRequest request, HttpContext http, RefreshTokens tokens, IpAllowList allowList, CancellationToken ct)
    {
        // from outside the tenant's networks no token is handed out, and the one presented stays good for use inside
        var (response, refusal) = await tokens.RotateAsync(request.RefreshToken,
            async (user, token) => !await OutsideAllowListAsync(user, http, allowList, token), ct);
        return refusal switch
        {
            RefreshTokens.Refusal.None => RefreshTokens.Answer(http, response!),
            RefreshTokens.Refusal.NotHere => OutsideNetworks(),
            RefreshTokens.Refusal.Replayed => Refused("The refresh token was used before: every token of this sign-in is revoked for safety; sign in again."),
            RefreshTokens.Refusal.Revoked => Refused("The refresh token was revoked; sign in again."),
            _ => Refused("The refresh token is not valid or has expired; sign in again."),
        };
    }

    private static async Task<IResult> SignOutAsync(RefreshRequest request, RefreshTokens tokens, CancellationToken ct)
    {
        await tokens.RevokeAsync(request.RefreshToken, ct); // an unknown token is signed out already: the same answer
        return TypedResults.NoContent();
    }

    private static async Task<bool> OutsideAllowListAsync(UserAccount user, HttpContext http, IpAllowList allowList, CancellationToken ct) =>
        user.TenantId is { } tenant && !IpAllowList.Allows(await allowList.NetworksAsync(tenant, ct), http.Connection.RemoteIpAddress);

    private static IResult OutsideNetworks() => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
        title: "Not allowed from this address", detail: "Your company only allows access from its own networks.");

    private static async Task<IResult> ChangePasswordAsync(ChangePasswordRequest request, ClaimsPrincipal principal, KernelDbContext db,
        Passwords passwords, SecurityStamps stamps, CancellationToken ct)
    {
        if (!Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            || await db.AcrossTenants<UserAccount>().FirstOrDefaultAsync(u => u.Id == id, ct) is not { } user) // platform administrators belong to no tenant
            throw new Sdk.AccessDeniedException("Only a signed-in user has a password to change.");
        var errors = new Dictionary<string, List<string>>();
        if (!passwords.Verify(user, request.CurrentPassword ?? "")) FieldValidation.Add(errors, "currentPassword", "is wrong");
        if (Passwords.Weakness(request.NewPassword) is { } weakness) FieldValidation.Add(errors, "newPassword", weakness);
        if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        if (user.MustChangePassword && request.NewPassword == request.CurrentPassword)
            throw new RecordValidationException(new Dictionary<string, string[]> { ["newPassword"] = ["must differ from the one-time password"] });
        user.PasswordHash = passwords.Hash(request.NewPassword!);
        user.SecurityStamp = Passwords.NewStamp();
        user.MustChangePassword = false;
        await db.SaveChangesAsync(ct);
        stamps.Invalidate(user.Id);
        return TypedResults.NoContent();
    }

    public static ClaimsPrincipal Principal(UserAccount user)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new(ClaimTypes.Name, user.Email),
            new(CallerContext.StampClaim, user.SecurityStamp),
        };
        claims.Add(user.TenantId is { } tenant ? new Claim(CallerContext.TenantClaim, tenant.ToString()) : new Claim(CallerContext.PlatformClaim, "true"));
        if (user.IsTenantAdmin) claims.Add(new Claim(TenantAdminClaim, "true"));
        if (user.MustChangePassword) claims.Add(new Claim(MustChangePasswordClaim, "true"));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, BearerTokenDefaults.AuthenticationScheme));
    }

    private static IResult Refused(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in refused", detail: detail);
}

public sealed record SignInRequest(string? Email, string? Password);
public sealed record RefreshRequest(string? RefreshToken);
public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);
/// <param name="MustChangePassword">Signed in with a one-time password: choose a new one (<c>POST /api/auth/password</c>) before anything else.</param>
public sealed record CurrentUser(string Id, string? Email, string? TenantId, bool IsPlatformAdmin, bool IsTenantAdmin, bool MustChangePassword);
