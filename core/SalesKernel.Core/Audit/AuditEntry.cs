using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Core.Audit;

/// <summary>One create, update or delete, written in the same transaction as the change. Never changed afterwards.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    /// <summary>The tenant whose data changed.</summary>
    public Guid? TenantId { get; set; }
    public DateTime AtUtc { get; set; }
    public string? UserId { get; set; }
    public string? ClientIp { get; set; }
    /// <summary>The entity set's full name, e.g. <c>customers.customers</c>.</summary>
    public string EntitySet { get; set; } = "";
    public Guid RecordId { get; set; }
    public string Operation { get; set; } = "";
    /// <summary>JSON: <c>[{"field":"name","before":"Acme","after":"Acme Ltd"}]</c>.</summary>
    public string Changes { get; set; } = "[]";

    internal static void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.ToTable("sk_audit");
        b.HasKey(a => a.Id);
        b.Property(a => a.UserId).HasMaxLength(64);
        b.Property(a => a.ClientIp).HasMaxLength(64);
        b.Property(a => a.EntitySet).HasMaxLength(200).IsRequired();
        b.Property(a => a.Operation).HasMaxLength(16).IsRequired();
        b.HasIndex(a => new { a.TenantId, a.Id });
        b.HasIndex(a => new { a.TenantId, a.EntitySet, a.RecordId, a.Id });
        b.HasIndex(a => new { a.TenantId, a.UserId, a.Id });
        b.HasIndex(a => new { a.TenantId, a.AtUtc });
    }
}
