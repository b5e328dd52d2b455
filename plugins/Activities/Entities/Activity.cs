using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Activities.Entities;

/// <summary>
/// A task or reminder (待办 / 提醒) for its owner (the assignee), optionally about a record of any
/// plugin: <see cref="EntitySet"/> names the set (<c>customers.customers</c>), <see cref="RecordId"/> the record.
/// </summary>
public sealed class Activity : IEntity
{
    public Guid Id { get; set; }
    public string Subject { get; set; } = "";
    public ActivityKind Kind { get; set; } = ActivityKind.Task;
    public ActivityPriority Priority { get; set; } = ActivityPriority.Normal;
    public string? Notes { get; set; }
    /// <summary>The full name of the set of the record this is about, if any.</summary>
    public string? EntitySet { get; set; }
    public Guid? RecordId { get; set; }
    public DateTime? DueAtUtc { get; set; }
    public DateTime? CompletedAtUtc { get; set; }
}

public enum ActivityKind
{
    Task,
    Reminder,
    Call,
    Meeting,
}

public enum ActivityPriority
{
    Low,
    Normal,
    High,
}
