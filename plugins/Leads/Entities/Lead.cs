using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Leads.Entities;

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
