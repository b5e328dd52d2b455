using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Core.Outbox;

/// <summary>A committed write waiting to be handed to after-commit handlers; written in the write's transaction.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    /// <summary>The tenant whose data changed.</summary>
    public Guid? TenantId { get; set; }
    public DateTime OccurredAtUtc { get; set; }
    public string EntitySet { get; set; } = "";
    public Guid RecordId { get; set; }
    public string Operation { get; set; } = "";
    public string? UserId { get; set; }
    public string Changes { get; set; } = "[]";
    /// <summary>The transition that made this update, if one did.</summary>
    public string? Transition { get; set; }
    /// <summary>How many automation rules led to this write (0 for a person's or a plugin's write).</summary>
    public int ChainDepth { get; set; }
    public DateTime? DispatchedAtUtc { get; set; }
    public int Attempts { get; set; }
    public DateTime? NextAttemptAtUtc { get; set; }
    public string? LastError { get; set; }
    /// <summary>A host is handing the event to its handlers until then; the others leave it alone.</summary>
    public DateTime? LeasedUntilUtc { get; set; }

    internal static void Configure(EntityTypeBuilder<OutboxMessage> b)
    {
        b.ToTable("sk_outbox");
        b.HasKey(m => m.Id);
        b.Property(m => m.EntitySet).HasMaxLength(200).IsRequired();
        b.Property(m => m.Operation).HasMaxLength(16).IsRequired();
        b.Property(m => m.UserId).HasMaxLength(64);
        b.Property(m => m.LastError).HasMaxLength(2000);
        b.Property(m => m.Transition).HasMaxLength(100);
        b.HasIndex(m => new { m.DispatchedAtUtc, m.Id });
    }
}
