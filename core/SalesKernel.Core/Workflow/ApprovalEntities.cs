using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Core.Workflow;

/// <summary>A tenant's approval policy for one transition: levels in sequence, each with a condition and an approver.</summary>
public sealed class ApprovalPolicy
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public string EntitySet { get; set; } = "";
    public string Transition { get; set; } = "";
    /// <summary>JSON list of <see cref="ApprovalLevel"/>.</summary>
    public string Levels { get; set; } = "[]";

    internal static void Configure(EntityTypeBuilder<ApprovalPolicy> b)
    {
        b.ToTable("sk_approval_policy");
        b.HasKey(p => p.Id);
        b.Property(p => p.EntitySet).HasMaxLength(200).IsRequired();
        b.Property(p => p.Transition).HasMaxLength(100).IsRequired();
        b.HasIndex(p => new { p.TenantId, p.EntitySet, p.Transition }).IsUnique();
    }
}

/// <summary>A level of a policy: it applies when the record meets the condition (list-query filter grammar; none: always).</summary>
/// <param name="Condition">For example <c>amount gt 50000</c>.</param>
/// <param name="Approver"><c>manager</c> (the owner's team manager), <c>role:&lt;code&gt;</c> or <c>user:&lt;id&gt;</c>.</param>
public sealed record ApprovalLevel(string? Condition, string Approver);

/// <summary>A transition waiting for approval, level by level.</summary>
public sealed class ApprovalRequest
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public string EntitySet { get; set; } = "";
    public Guid RecordId { get; set; }
    public string Transition { get; set; } = "";
    public string? RequestedBy { get; set; }
    public string? Comment { get; set; }
    /// <summary>The transition's validated input (JSON): the effects run with it when the last level approves.</summary>
    public string? Input { get; set; }
    /// <summary>Pending, Approved or Rejected.</summary>
    public string Status { get; set; } = "Pending";
    public int CurrentLevel { get; set; }
    /// <summary>JSON list of <see cref="ApprovalStep"/>: the levels that applied, with their approvers and decisions.</summary>
    public string Steps { get; set; } = "[]";
    /// <summary>Approver user ids of the current level, comma-separated (what the inbox searches).</summary>
    public string CurrentApprovers { get; set; } = "";
    public DateTime CreatedAtUtc { get; set; }
    public DateTime? DecidedAtUtc { get; set; }
    /// <summary>Changes with every decision: two approvers deciding at once cannot both win.</summary>
    public int Revision { get; set; }

    internal static void Configure(EntityTypeBuilder<ApprovalRequest> b)
    {
        b.ToTable("sk_approval");
        b.HasKey(a => a.Id);
        b.Property(a => a.Revision).IsConcurrencyToken();
        b.Property(a => a.EntitySet).HasMaxLength(200).IsRequired();
        b.Property(a => a.Transition).HasMaxLength(100).IsRequired();
        b.Property(a => a.RequestedBy).HasMaxLength(64);
        b.Property(a => a.Comment).HasMaxLength(2000);
        b.Property(a => a.Status).HasMaxLength(20).IsRequired();
        b.Property(a => a.CurrentApprovers).HasMaxLength(4000);
        b.HasIndex(a => new { a.TenantId, a.Status, a.Id });
        b.HasIndex(a => new { a.TenantId, a.EntitySet, a.RecordId });
    }
}

/// <summary>One level of a request: who may decide, and what was decided.</summary>
public sealed record ApprovalStep(string Approver, string? Condition, List<string> ApproverIds, string? Decision = null, string? DecidedBy = null, string? Comment = null, DateTime? AtUtc = null);
