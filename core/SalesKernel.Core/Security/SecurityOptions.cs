namespace SalesKernel.Core.Security;

/// <summary>Bound from <c>SalesKernel:Security</c>.</summary>
public sealed class SecurityOptions
{
    public const string Section = "SalesKernel:Security";

    /// <summary>How long an access token is good for.</summary>
    public int AccessTokenMinutes { get; set; } = 60;
    /// <summary>How long a refresh token is good for.</summary>
    public int RefreshTokenDays { get; set; } = 14;
    /// <summary>How long a sign-in lasts at most, however often its refresh token is used: then the user signs in again.</summary>
    public int SessionDays { get; set; } = 30;
    /// <summary>Failed sign-ins in a row on an account from one address that lock the account for that address.</summary>
    public int MaxFailedSignIns { get; set; } = 5;
    /// <summary>Failed sign-ins in a row on an account from any addresses that lock it for everyone.</summary>
    public int MaxFailedSignInsAnywhere { get; set; } = 20;
    /// <summary>Failed sign-ins from one address (on any accounts) after which it waits before each next attempt.</summary>
    public int FailuresBeforeDelay { get; set; } = 3;
    /// <summary>The longest wait between two attempts of an address that keeps failing (the wait doubles from 1 s).</summary>
    public int MaxSignInDelaySeconds { get; set; } = 60;
    /// <summary>How long a locked account stays locked, and how long an address's failures are remembered.</summary>
    public int LockoutMinutes { get; set; } = 15;
    /// <summary>Sign-in attempts allowed per client address per minute.</summary>
    public int SignInsPerMinute { get; set; } = 10;
    /// <summary>
    /// With <see cref="Security.SharedChangeCheck.Interval"/> (and in workers and commands): how long a host trusts
    /// the shared change stamps it read — the delay after which a change saved by another process is seen.
    /// </summary>
    public int StampCacheSeconds { get; set; } = 10;
    /// <summary>
    /// When a host checks whether access, a token's user, the allow-list, modules or settings changed through
    /// another host: on every request, or at <see cref="StampCacheSeconds"/>. Null: every request on PostgreSQL, an interval on SQLite.
    /// </summary>
    public SharedChangeCheck? SharedChangeCheck { get; set; }
}

/// <summary>Bound from <c>SalesKernel:Bootstrap</c>: the first platform administrator.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "SalesKernel:Bootstrap";

    public string AdminEmail { get; set; } = "admin@saleskernel.local";
    /// <summary>When empty, a random one-time password is generated and printed once on the console.</summary>
    public string? AdminPassword { get; set; }
}
