using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Customers.Entities;

/// <summary>A person at a customer (联系人).</summary>
public sealed class Contact : IEntity
{
    public Guid Id { get; set; }
    public Guid CustomerId { get; set; }
    public string Name { get; set; } = "";
    public string? Title { get; set; }
    public string? Phone { get; set; }
    public string? Email { get; set; }
    /// <summary>The customer's main contact.</summary>
    public bool IsPrimary { get; set; }
    /// <summary>The email as the duplicate rule compares it (trimmed, lower case); kept by the plugin, not served.</summary>
    public string? EmailKey { get; set; }
}

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
