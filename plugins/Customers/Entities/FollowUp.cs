using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Customers.Entities;

/// <summary>A record of contact with a customer (跟进记录): a call, a visit …</summary>
public sealed class FollowUp : IEntity
{
    public Guid Id { get; set; }
    public Guid CustomerId { get; set; }
    public FollowUpKind Kind { get; set; }
    public DateTime AtUtc { get; set; }
    public string? Outcome { get; set; }
    public string? NextStep { get; set; }
    public DateTime? NextFollowUpAtUtc { get; set; }
}

public enum FollowUpKind
{
    Call,
    Visit,
    Email,
    Meeting,
    Note,
}
