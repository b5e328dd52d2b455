using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Core.Security;

/// <summary>
/// A key for an integration: bound to one role of one tenant, stored as a SHA-256 hash of its
/// secret (the key itself is shown once, when created), revocable, with its last use recorded.
/// </summary>
public sealed class ApiKey
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The public part of the key, used to find it: <c>sk_&lt;prefix&gt;_&lt;secret&gt;</c>.</summary>
    public string Prefix { get; set; } = "";
    public string SecretHash { get; set; } = "";
    public Guid RoleId { get; set; }
    public DateTime CreatedAtUtc { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime? LastUsedAtUtc { get; set; }
    public DateTime? RevokedAtUtc { get; set; }

    internal static void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.ToTable("sk_api_key");
        b.HasKey(k => k.Id);
        b.Property(k => k.Name).HasMaxLength(200).IsRequired();
        b.Property(k => k.Prefix).HasMaxLength(32).IsRequired();
        b.Property(k => k.SecretHash).HasMaxLength(64).IsRequired();
        b.Property(k => k.CreatedBy).HasMaxLength(64);
        b.HasIndex(k => k.Prefix).IsUnique();
        b.HasIndex(k => k.TenantId);
    }

    public const string UserIdPrefix = "apikey:";

    public static (string Key, string Prefix, string Hash) NewKey()
    {
        var prefix = Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return ($"sk_{prefix}_{secret}", prefix, Hash(secret));
    }

    public static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Splits <c>sk_&lt;prefix&gt;_&lt;secret&gt;</c>; false when the text is not shaped like a key.</summary>
    public static bool TryParse(string key, out string prefix, out string secret)
    {
        prefix = secret = "";
        var parts = key.Split('_', 3);
        if (parts.Length != 3 || parts[0] != "sk" || parts[1].Length != 12 || parts[2].Length < 20) return false;
        (prefix, secret) = (parts[1], parts[2]);
        return true;
    }
}
