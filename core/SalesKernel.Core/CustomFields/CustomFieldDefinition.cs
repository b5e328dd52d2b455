using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Core.CustomFields;

/// <summary>A field an administrator added to an entity set at run time.</summary>
public sealed class CustomFieldDefinition
{
    public Guid Id { get; set; }
    /// <summary>Custom fields belong to one tenant.</summary>
    public Guid TenantId { get; set; }
    public string EntitySet { get; set; } = "";
    /// <summary>The API name, always starting with <c>cf_</c>; also the key in the record's custom-field document.</summary>
    public string Name { get; set; } = "";
    public string Type { get; set; } = "";
    public string DisplayNameEn { get; set; } = "";
    public string? DisplayNameZhHans { get; set; }
    public bool IsRequired { get; set; }
    public int? MaxLength { get; set; }
    public double? Minimum { get; set; }
    public double? Maximum { get; set; }
    /// <summary>JSON array of the allowed values of a (multi-)choice field.</summary>
    public string? Choices { get; set; }
    public string? ReferenceTo { get; set; }
    public DateTime CreatedAtUtc { get; set; }
    /// <summary>When the field was removed; its values stay in the records, hidden, and its type is kept for good.</summary>
    public DateTime? DeletedAtUtc { get; set; }

    internal static void Configure(EntityTypeBuilder<CustomFieldDefinition> b)
    {
        b.ToTable("sk_custom_field");
        b.HasKey(f => f.Id);
        b.Property(f => f.EntitySet).HasMaxLength(200).IsRequired();
        b.Property(f => f.Name).HasMaxLength(64).IsRequired();
        b.Property(f => f.Type).HasMaxLength(20).IsRequired();
        b.Property(f => f.DisplayNameEn).HasMaxLength(200).IsRequired();
        b.Property(f => f.DisplayNameZhHans).HasMaxLength(200);
        b.Property(f => f.ReferenceTo).HasMaxLength(200);
        b.HasIndex(f => new { f.TenantId, f.EntitySet, f.Name }).IsUnique();
    }
}
