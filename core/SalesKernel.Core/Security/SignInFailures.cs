using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Security;

/// <summary>
/// Failed sign-ins from one client address on one account, in a row (<see cref="AccountId"/> empty for an
/// email no account has), counted in the database that every host shares.
/// </summary>
public sealed class SignInFailure
{
    /// <summary>The client's address (behind a configured proxy: the forwarded one).</summary>
    public string Address { get; set; } = "";
    /// <summary>The account tried; <see cref="Guid.Empty"/> for an email no account has.</summary>
    public Guid AccountId { get; set; }
    /// <summary>Failures in a row, within <see cref="SecurityOptions.LockoutMinutes"/> of each other.</summary>
    public int Failures { get; set; }
    public DateTime LastFailedAtUtc { get; set; }

    internal static void Configure(EntityTypeBuilder<SignInFailure> b)
    {
        b.ToTable("sk_signin_failure");
        b.HasKey(f => new { f.Address, f.AccountId });
        b.Property(f => f.Address).HasMaxLength(64);
        b.HasIndex(f => f.LastFailedAtUtc);
        // an account's failures from every address, for the lock for everyone
        b.HasIndex(f => new { f.AccountId, f.LastFailedAtUtc });
    }
}

/// <summary>
/// The sign-in policy against guessing, in two steps, so that whoever knows an email cannot lock its
/// owner out by failing on purpose:
/// <list type="number">
/// <item>an address that failed <see cref="SecurityOptions.FailuresBeforeDelay"/> times (on any accounts)
/// waits before each next attempt, twice as long after each failure, up to
/// <see cref="SecurityOptions.MaxSignInDelaySeconds"/> (429 with Retry-After);</item>
/// <item>an account is locked for <see cref="SecurityOptions.LockoutMinutes"/> for the address that failed
/// on it <see cref="SecurityOptions.MaxFailedSignIns"/> times in a row — its owner elsewhere still signs in —
/// and for everyone only after <see cref="SecurityOptions.MaxFailedSignInsAnywhere"/> failures in a row from
/// any addresses (a guess spread over many machines).</item>
/// </list>
/// </summary>
internal static class SignInFailures
{
    /// <summary>The client's address as the sign-in limits count it.</summary>
    /// <remarks>An IPv6 client counts by its /64 network: one subscriber is given a whole /64, and must not get a new address per guess.</remarks>
    public static string AddressOf(HttpContext http)
    {
        if (http.Connection.RemoteIpAddress is not { } ip) return "unknown";
        if (ip.IsIPv4MappedToIPv6) return ip.MapToIPv4().ToString();
        if (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return ip.ToString();
        var bytes = ip.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }

    /// <summary>How long the address must still wait before its next attempt; null when it may try now.</summary>
    public static async Task<TimeSpan?> WaitAsync(KernelDbContext db, string address, SecurityOptions options, DateTime now, CancellationToken ct)
    {
        var recent = db.Set<SignInFailure>().AsNoTracking().Where(f => f.Address == address && f.LastFailedAtUtc > now.AddMinutes(-options.LockoutMinutes));
        var failures = await recent.SumAsync(f => f.Failures, ct);
        if (failures < options.FailuresBeforeDelay) return null;
        var until = await recent.MaxAsync(f => f.LastFailedAtUtc, ct) + Delay(failures, options);
        return until > now ? until - now : null;
    }

    /// <summary>The wait after an address's <paramref name="failures"/>-th failure: 1 s, 2 s, 4 s … up to the maximum.</summary>
    public static TimeSpan Delay(int failures, SecurityOptions options) =>
        failures < options.FailuresBeforeDelay ? TimeSpan.Zero
            : TimeSpan.FromSeconds(Math.Min(options.MaxSignInDelaySeconds, Math.Pow(2, Math.Min(30, failures - options.FailuresBeforeDelay))));

    /// <summary>Whether the account is locked for this address (it failed there too often, lately).</summary>
    public static Task<bool> LockedHereAsync(KernelDbContext db, string address, Guid account, SecurityOptions options, DateTime now, CancellationToken ct) =>
        db.Set<SignInFailure>().AnyAsync(f => f.Address == address && f.AccountId == account && f.Failures >= options.MaxFailedSignIns
            && f.LastFailedAtUtc > now.AddMinutes(-options.LockoutMinutes), ct);

    /// <summary>The account's failures from every address within the lockout time.</summary>
    public static Task<int> RecentOnAccountAsync(KernelDbContext db, Guid account, SecurityOptions options, DateTime now, CancellationToken ct) =>
        db.Set<SignInFailure>().Where(f => f.AccountId == account && f.LastFailedAtUtc > now.AddMinutes(-options.LockoutMinutes)).SumAsync(f => f.Failures, ct);

    /// <summary>Counts a failure of the address on the account (a failure long ago starts the count again).</summary>
    public static async Task RecordAsync(KernelDbContext db, string address, Guid account, SecurityOptions options, DateTime now, CancellationToken ct)
    {
        var since = now.AddMinutes(-options.LockoutMinutes);
        var failures = db.Set<SignInFailure>();
        for (var attempt = 0; ; attempt++)
        {
            // one statement: failures made at once on several hosts are all counted
            if (await failures.Where(f => f.Address == address && f.AccountId == account)
                    .ExecuteUpdateAsync(u => u.SetProperty(f => f.Failures, f => f.LastFailedAtUtc > since ? f.Failures + 1 : 1)
                        .SetProperty(f => f.LastFailedAtUtc, now), ct) > 0)
                return;
            var row = new SignInFailure { Address = address, AccountId = account, Failures = 1, LastFailedAtUtc = now };
            failures.Add(row);
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // another request counted the first failure at the same moment: count on its row
                db.Entry(row).State = EntityState.Detached;
            }
        }
    }

    /// <summary>A right password from the address: its failures on the account are forgotten.</summary>
    public static Task ForgetAsync(KernelDbContext db, string address, Guid account, CancellationToken ct) =>
        db.Set<SignInFailure>().Where(f => f.Address == address && f.AccountId == account).ExecuteDeleteAsync(ct);
}
