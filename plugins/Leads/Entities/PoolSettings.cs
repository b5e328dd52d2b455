using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Leads.Entities;

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
