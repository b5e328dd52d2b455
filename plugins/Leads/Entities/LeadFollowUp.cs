using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Leads.Entities;

/// <summary>A contact made with a lead: a call, a visit … Logging one keeps the lead out of the idle-return job's reach.</summary>
public sealed class LeadFollowUp : IEntity
{
    public Guid Id { get; set; }
    public Guid LeadId { get; set; }
    public FollowUpKind Kind { get; set; }
    public DateTime AtUtc { get; set; }
    public string? Outcome { get; set; }
    public string? NextStep { get; set; }
    public DateTime? NextFollowUpAtUtc { get; set; }
}
