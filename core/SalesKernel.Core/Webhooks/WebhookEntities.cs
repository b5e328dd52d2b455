using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Core.Webhooks;

/// <summary>A tenant's subscription of a URL to entity-set events.</summary>
public sealed class WebhookSubscription
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public string Url { get; set; } = "";
    /// <summary>Entity sets whose events are sent, comma-separated; <c>*</c> for all.</summary>
    public string Events { get; set; } = "*";
    /// <summary>The signing secret, encrypted with the host's Data Protection keys.</summary>
    public string ProtectedSecret { get; set; } = "";
    public bool IsActive { get; set; } = true;
    public DateTime CreatedAtUtc { get; set; }

    public bool Wants(string entitySet) =>
        Events == "*" || Events.Split(',', StringSplitOptions.TrimEntries).Contains(entitySet);

    internal static void Configure(EntityTypeBuilder<WebhookSubscription> b)
    {
        b.ToTable("sk_webhook");
        b.HasKey(w => w.Id);
        b.Property(w => w.Url).HasMaxLength(2000).IsRequired();
        b.Property(w => w.Events).HasMaxLength(2000).IsRequired();
        b.Property(w => w.ProtectedSecret).HasMaxLength(1000).IsRequired();
        b.HasIndex(w => new { w.TenantId, w.IsActive });
    }
}

/// <summary>One event to send to one subscription: the delivery log.</summary>
public sealed class WebhookDelivery
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid WebhookId { get; set; }
    /// <summary>The outbox event's sequence number (for a scheduled rule: minus the run's Unix time).</summary>
    public long EventId { get; set; }
    /// <summary><c>event</c> for a subscription's own delivery, <c>rule:&lt;rule&gt;:&lt;record&gt;</c> for an automation action's.</summary>
    public string Source { get; set; } = "event";
    public string Url { get; set; } = "";
    public string Payload { get; set; } = "";
    public int Attempts { get; set; }
    public DateTime NextAttemptAtUtc { get; set; }
    public DateTime? DeliveredAtUtc { get; set; }
    public DateTime? GaveUpAtUtc { get; set; }
    public int? LastStatus { get; set; }
    public string? LastError { get; set; }
    public DateTime CreatedAtUtc { get; set; }
    /// <summary>Until when a host is sending it: the other hosts leave it alone (null when no host is).</summary>
    public DateTime? LeasedUntilUtc { get; set; }

    internal static void Configure(EntityTypeBuilder<WebhookDelivery> b)
    {
        b.ToTable("sk_webhook_delivery");
        b.HasKey(d => d.Id);
        b.Property(d => d.Url).HasMaxLength(2000).IsRequired();
        b.Property(d => d.LastError).HasMaxLength(1000);
        b.Property(d => d.Source).HasMaxLength(200).IsRequired();
        b.HasIndex(d => new { d.WebhookId, d.EventId, d.Source }).IsUnique();
        b.HasIndex(d => new { d.DeliveredAtUtc, d.GaveUpAtUtc, d.NextAttemptAtUtc });
        b.HasIndex(d => new { d.TenantId, d.WebhookId, d.Id });
    }
}
