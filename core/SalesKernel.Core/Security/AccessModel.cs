using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Security;

/// <summary>A team (business unit) in a tenant's tree, with a manager.</summary>
public sealed class Team
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public string Name { get; set; } = "";
    public Guid? ParentId { get; set; }
    public Guid? ManagerUserId { get; set; }

    internal static void Configure(EntityTypeBuilder<Team> b)
    {
        b.ToTable("sk_team");
        b.HasKey(t => t.Id);
        b.Property(t => t.Name).HasMaxLength(200).IsRequired();
        b.HasIndex(t => new { t.TenantId, t.ParentId });
    }
}

/// <summary>A role of a tenant: a standard one (its code is one of <see cref="StandardRoles"/>) or one the tenant made.</summary>
public sealed class Role
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public string Code { get; set; } = "";
    public string Name { get; set; } = "";
    public bool IsStandard { get; set; }

    internal static void Configure(EntityTypeBuilder<Role> b)
    {
        b.ToTable("sk_role");
        b.HasKey(r => r.Id);
        b.Property(r => r.Code).HasMaxLength(64).IsRequired();
        b.Property(r => r.Name).HasMaxLength(200).IsRequired();
        b.HasIndex(r => new { r.TenantId, r.Code }).IsUnique();
    }
}

/// <summary>A tenant's own setting of a privilege for a role, overriding the plugin's default.</summary>
public sealed class RoleGrant
{
    public Guid RoleId { get; set; }
    /// <summary><c>&lt;plugin&gt;.&lt;set&gt;.&lt;privilege&gt;</c></summary>
    public string Permission { get; set; } = "";
    public AccessDepth Depth { get; set; }

    internal static void Configure(EntityTypeBuilder<RoleGrant> b)
    {
        b.ToTable("sk_role_grant");
        b.HasKey(g => new { g.RoleId, g.Permission });
        b.Property(g => g.Permission).HasMaxLength(300);
        b.Property(g => g.Depth).HasConversion<string>().HasMaxLength(20);
    }
}

public sealed class UserRole
{
    public Guid UserId { get; set; }
    public Guid RoleId { get; set; }

    internal static void Configure(EntityTypeBuilder<UserRole> b)
    {
        b.ToTable("sk_user_role");
        b.HasKey(r => new { r.UserId, r.RoleId });
        b.HasIndex(r => r.RoleId);
    }
}

/// <summary>What a role may do with a field: read it but not change it, or not see it at all.</summary>
public enum FieldAccess
{
    ReadOnly,
    Hidden,
}

/// <summary>Field-level security: a role's restriction on one field of an entity set.</summary>
public sealed class FieldRule
{
    public Guid RoleId { get; set; }
    public string EntitySet { get; set; } = "";
    public string Field { get; set; } = "";
    public FieldAccess Access { get; set; }

    internal static void Configure(EntityTypeBuilder<FieldRule> b)
    {
        b.ToTable("sk_field_rule");
        b.HasKey(r => new { r.RoleId, r.EntitySet, r.Field });
        b.Property(r => r.EntitySet).HasMaxLength(200);
        b.Property(r => r.Field).HasMaxLength(100);
        b.Property(r => r.Access).HasConversion<string>().HasMaxLength(20);
    }
}

/// <summary>A record shared with a user beyond their own depth.</summary>
public sealed class RecordShare
{
    public Guid TenantId { get; set; }
    public string EntitySet { get; set; } = "";
    public Guid RecordId { get; set; }
    public string UserId { get; set; } = "";

    internal static void Configure(EntityTypeBuilder<RecordShare> b)
    {
        b.ToTable("sk_share");
        b.HasKey(s => new { s.TenantId, s.EntitySet, s.RecordId, s.UserId });
        b.Property(s => s.EntitySet).HasMaxLength(200);
        b.Property(s => s.UserId).HasMaxLength(64);
        b.HasIndex(s => new { s.TenantId, s.UserId, s.EntitySet });
    }
}
