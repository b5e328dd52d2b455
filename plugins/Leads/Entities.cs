using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Leads;

/// <summary>
/// A sales lead (线索): a person and company that may buy. A lead with no owner waits in the pool
/// (公海) — the company's pool, or its team's when pools are per team — until a rep claims it.
/// </summary>
public sealed class Lead : IEntity
{
    public Guid Id { get; set; }
    /// <summary>The person's name.</summary>
    public string Name { get; set; } = "";
    public string? Company { get; set; }
    public string? Title { get; set; }
    public string? Phone { get; set; }
    public string? Email { get; set; }
    public string? Industry { get; set; }
    public string? Region { get; set; }
    public LeadSource Source { get; set; } = LeadSource.Other;
    /// <summary>Where the lead is in qualification; changed by transitions.</summary>
    public LeadStatus Status { get; set; }
    /// <summary>How promising the lead is, 0–100 (线索评分).</summary>
    public int Score { get; set; }
    public decimal? EstimatedAmount { get; set; }
    /// <summary>The estimated amount's ISO 4217 currency; the tenant's default when a new lead names none.</summary>
    public string? Currency { get; set; }
    public DateTime? ClaimedAtUtc { get; set; }
    public DateTime? LastFollowUpAtUtc { get; set; }
    public DateTime? ReturnedAtUtc { get; set; }
    /// <summary>Why the lead last went back to the pool (退回原因).</summary>
    public string? ReturnReason { get; set; }
    public Guid? ConvertedCustomerId { get; set; }
    public Guid? ConvertedContactId { get; set; }
    public Guid? ConvertedOpportunityId { get; set; }
    public DateTime? ConvertedAtUtc { get; set; }
}

public enum LeadSource
{
    Website,
    Referral,
    Event,
    ColdCall,
    Advertising,
    Partner,
    Other,
}

public enum LeadStatus
{
    New,
    Contacted,
    Qualified,
    Converted,
    Disqualified,
}

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

/// <summary>The tenant's rules for the lead pool; one record per tenant.</summary>
public sealed class PoolSettings : IEntity
{
    public const int DefaultCap = 50;
    public const int DefaultIdleDays = 30;

    public Guid Id { get; set; }
    /// <summary>How many open leads a rep may hold at once (claimed, assigned or created).</summary>
    public int MaxLeadsPerRep { get; set; } = DefaultCap;
    /// <summary>Days without a follow-up after which a held lead goes back to the pool; 0 switches it off.</summary>
    public int IdleDaysBeforeReturn { get; set; } = DefaultIdleDays;
    /// <summary>Whether a lead goes back to its team's pool (true) or the company's (false).</summary>
    public bool PoolPerTeam { get; set; }
}
