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
    /// <summary>Failed sign-ins in a row that lock an account.</summary>
    public int MaxFailedSignIns { get; set; } = 5;
    /// <summary>How long a locked account stays locked.</summary>
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
