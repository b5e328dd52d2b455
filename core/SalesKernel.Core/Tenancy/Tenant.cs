using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Core.Tenancy;

/// <summary>A company using the installation; its data is invisible to every other tenant.</summary>
public sealed class Tenant
{
    public Guid Id { get; set; }
    /// <summary>Short unique code, lower case: <c>acme</c>.</summary>
    public string Code { get; set; } = "";
    public string Name { get; set; } = "";
    public bool IsActive { get; set; } = true;
    public DateTime CreatedAtUtc { get; set; }
    /// <summary>Networks (CIDR, comma-separated) the tenant's users and keys may call from; empty: anywhere.</summary>
    public string? AllowedNetworks { get; set; }
    /// <summary>The company's time zone (IANA, such as <c>Asia/Shanghai</c>): "today", periods and schedules follow it. Null: UTC.</summary>
    public string? TimeZone { get; set; }
    /// <summary>The company's default currency (ISO 4217). Null: the installation's default.</summary>
    public string? Currency { get; set; }

    internal static void Configure(EntityTypeBuilder<Tenant> b)
    {
        b.ToTable("sk_tenant");
        b.Property(t => t.AllowedNetworks).HasMaxLength(4000);
        b.Property(t => t.TimeZone).HasMaxLength(100);
        b.Property(t => t.Currency).HasMaxLength(3);
        b.HasKey(t => t.Id);
        b.Property(t => t.Code).HasMaxLength(40).IsRequired();
        b.Property(t => t.Name).HasMaxLength(200).IsRequired();
        b.HasIndex(t => t.Code).IsUnique();
    }
}

/// <summary>Whether a plugin is switched on for a tenant.</summary>
public sealed class TenantPlugin
{
    public Guid TenantId { get; set; }
    public string PluginId { get; set; } = "";
    public bool Enabled { get; set; }
    public DateTime ChangedAtUtc { get; set; }

    internal static void Configure(EntityTypeBuilder<TenantPlugin> b)
    {
        b.ToTable("sk_tenant_plugin");
        b.HasKey(p => new { p.TenantId, p.PluginId });
        b.Property(p => p.PluginId).HasMaxLength(100);
    }
}
