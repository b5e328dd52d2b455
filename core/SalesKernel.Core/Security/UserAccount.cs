using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Core.Security;

/// <summary>Someone who signs in: a tenant's user, or (no tenant) a platform administrator.</summary>
public sealed class UserAccount
{
    public Guid Id { get; set; }
    /// <summary>Null for platform administrators.</summary>
    public Guid? TenantId { get; set; }
    /// <summary>The sign-in name, stored in lower case; unique in the installation.</summary>
    public string Email { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    /// <summary>Changes whenever the password changes or the user is disabled: every token issued before stops working.</summary>
    public string SecurityStamp { get; set; } = "";
    public bool IsActive { get; set; } = true;
    public bool IsTenantAdmin { get; set; }
    /// <summary>The team the user works in; records they create belong to it.</summary>
    public Guid? TeamId { get; set; }
    public int FailedSignIns { get; set; }
    /// <summary>
    /// Set for a password the user did not choose (the platform administrator's one-time password):
    /// signed in with it, the user may only choose a new one (<c>POST /api/auth/password</c>).
    /// </summary>
    public bool MustChangePassword { get; set; }
    public DateTime? LockedUntilUtc { get; set; }
    public DateTime CreatedAtUtc { get; set; }

    internal static void Configure(EntityTypeBuilder<UserAccount> b)
    {
        b.ToTable("sk_user");
        b.HasKey(u => u.Id);
        b.Property(u => u.Email).HasMaxLength(254).IsRequired();
        b.Property(u => u.DisplayName).HasMaxLength(200).IsRequired();
        b.Property(u => u.PasswordHash).HasMaxLength(400).IsRequired();
        b.Property(u => u.SecurityStamp).HasMaxLength(64).IsRequired();
        b.HasIndex(u => u.Email).IsUnique();
        b.HasIndex(u => new { u.TenantId, u.Email });
    }
}
