using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Core.Automation;

/// <summary>A tenant's automation rule: when a record of a set is created, updated or transitioned and meets the condition, do the actions.</summary>
public sealed class AutomationRule
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public string Name { get; set; } = "";
    public string EntitySet { get; set; } = "";
    /// <summary><c>created</c>, <c>updated</c>, <c>transitioned:&lt;name&gt;</c> or <c>schedule:&lt;cron&gt;</c>.</summary>
    public string Trigger { get; set; } = "";
    /// <summary>For a schedule trigger: when it runs next.</summary>
    public DateTime? NextRunAtUtc { get; set; }
    /// <summary>List-query filter grammar; null: every record.</summary>
    public string? Condition { get; set; }
    /// <summary>JSON list of actions.</summary>
    public string Actions { get; set; } = "[]";
    public bool IsActive { get; set; } = true;
    /// <summary>The last user a round-robin assignment chose.</summary>
    public Guid? LastAssigneeId { get; set; }
    public DateTime CreatedAtUtc { get; set; }

    internal static void Configure(EntityTypeBuilder<AutomationRule> b)
    {
        b.ToTable("sk_automation_rule");
        b.HasKey(r => r.Id);
        b.Property(r => r.Name).HasMaxLength(200).IsRequired();
        b.Property(r => r.EntitySet).HasMaxLength(200).IsRequired();
        b.Property(r => r.Trigger).HasMaxLength(120).IsRequired();
        b.Property(r => r.Condition).HasMaxLength(4000);
        b.HasIndex(r => new { r.TenantId, r.EntitySet, r.IsActive });
        b.HasIndex(r => new { r.IsActive, r.NextRunAtUtc });
    }
}

/// <summary>One run of a rule: what it ran on, and whether it succeeded.</summary>
public sealed class AutomationRun
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid RuleId { get; set; }
    public long EventId { get; set; }
    public Guid RecordId { get; set; }
    public DateTime AtUtc { get; set; }
    /// <summary>Succeeded, Failed, NotMet (condition false) or Stopped (chain too deep).</summary>
    public string Status { get; set; } = "";
    public string? Error { get; set; }

    internal static void Configure(EntityTypeBuilder<AutomationRun> b)
    {
        b.ToTable("sk_automation_run");
        b.HasKey(r => r.Id);
        b.Property(r => r.Status).HasMaxLength(20).IsRequired();
        b.Property(r => r.Error).HasMaxLength(2000);
        b.HasIndex(r => new { r.TenantId, r.RuleId, r.Id });
        b.HasIndex(r => new { r.RuleId, r.EventId, r.RecordId }).IsUnique();
    }
}
