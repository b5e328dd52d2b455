using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Core.Schema;

/// <summary>One schema step applied for an owner (the kernel or a plugin): what it became and how.</summary>
public sealed class SchemaHistoryEntry
{
    public long Id { get; set; }

    /// <summary>The plugin id, or <c>kernel</c> for the kernel's own tables.</summary>
    public string Owner { get; set; } = "";
    public string Version { get; set; } = "";
    public DateTime AppliedAtUtc { get; set; }

    /// <summary><c>install</c> for the first step of an owner, <c>upgrade</c> after.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The owner's tables after this step (JSON), the source of the next difference.</summary>
    public string Snapshot { get; set; } = "";

    /// <summary>The DDL that was run, for the operator to read.</summary>
    public string Script { get; set; } = "";

    internal static void Configure(EntityTypeBuilder<SchemaHistoryEntry> b)
    {
        b.ToTable("sk_schema_history");
        b.HasKey(e => e.Id);
        b.Property(e => e.Owner).HasMaxLength(100).IsRequired();
        b.Property(e => e.Version).HasMaxLength(64).IsRequired();
        b.Property(e => e.Kind).HasMaxLength(16).IsRequired();
        b.HasIndex(e => new { e.Owner, e.Id });
    }
}
