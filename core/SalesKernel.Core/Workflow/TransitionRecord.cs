using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Core.Workflow;

/// <summary>One transition a record went through: the record's lifecycle history.</summary>
public sealed class TransitionRecord
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public string EntitySet { get; set; } = "";
    public Guid RecordId { get; set; }
    public string Transition { get; set; } = "";
    public string FromState { get; set; } = "";
    public string ToState { get; set; } = "";
    public string? Comment { get; set; }
    /// <summary>The transition's validated input, as JSON, when it takes one.</summary>
    public string? Input { get; set; }
    public string? UserId { get; set; }
    public DateTime AtUtc { get; set; }

    internal static void Configure(EntityTypeBuilder<TransitionRecord> b)
    {
        b.ToTable("sk_transition");
        b.HasKey(t => t.Id);
        b.Property(t => t.EntitySet).HasMaxLength(200).IsRequired();
        b.Property(t => t.Transition).HasMaxLength(100).IsRequired();
        b.Property(t => t.FromState).HasMaxLength(100).IsRequired();
        b.Property(t => t.ToState).HasMaxLength(100).IsRequired();
        b.Property(t => t.Comment).HasMaxLength(2000);
        b.Property(t => t.UserId).HasMaxLength(64);
        b.HasIndex(t => new { t.TenantId, t.EntitySet, t.RecordId, t.Id });
    }
}
