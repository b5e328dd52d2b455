using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Opportunities.Entities;

/// <summary>A chance to sell to a customer (商机), moving through the sales stages.</summary>
public sealed class Opportunity : IEntity
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public Guid CustomerId { get; set; }
    /// <summary>The customer's contact the opportunity is worked with, if any.</summary>
    public Guid? ContactId { get; set; }
    /// <summary>Expected value of the sale.</summary>
    public decimal Amount { get; set; }
    /// <summary>The amount's ISO 4217 currency; the tenant's default when a new opportunity names none.</summary>
    public string? Currency { get; set; }
    /// <summary>When the sale is expected to close (预计成交日期).</summary>
    public DateOnly? ExpectedCloseDate { get; set; }
    public OpportunityPriority Priority { get; set; } = OpportunityPriority.Normal;
    /// <summary>The sales stage (销售阶段); changed by transitions.</summary>
    public OpportunityStage Stage { get; set; }
    /// <summary>Chance of winning in percent; each stage sets its default, the owner may adjust it.</summary>
    public int Probability { get; set; } = Stages.DefaultProbability(OpportunityStage.Qualification);
    public string? NextStep { get; set; }
    public DateTime? NextFollowUpAtUtc { get; set; }
    /// <summary>Why it was lost (输单原因): the comment of the <c>lose</c> transition.</summary>
    public string? LostReason { get; set; }
    /// <summary>The kind of reason it was lost for, from the <c>lose</c> transition's input.</summary>
    public LossReason? LossReason { get; set; }
    /// <summary>Who won it instead, when a competitor did (from the <c>lose</c> transition's input).</summary>
    public string? LostToCompetitor { get; set; }
    public DateTime? ClosedAtUtc { get; set; }
    /// <summary>The lead it was converted from, if any.</summary>
    public Guid? LeadId { get; set; }
}

/// <summary>Sales stages, in order.</summary>
public enum OpportunityStage
{
    Qualification,
    NeedsAnalysis,
    Proposal,
    Negotiation,
    Won,
    Lost,
}

/// <summary>Why an opportunity was lost (输单原因分类).</summary>
public enum LossReason
{
    Price,
    Product,
    Competitor,
    Relationship,
    Timing,
    NoBudget,
    NoDecision,
    Other,
}

/// <summary>
/// What the <c>lose</c> transition asks for: the reason code, and the competitor who won when one did
/// (required when the reason is <see cref="LossReason.Competitor"/>).
/// </summary>
public sealed class LoseInput
{
    public LossReason Reason { get; set; }
    public string? Competitor { get; set; }
}

public enum OpportunityPriority
{
    Low,
    Normal,
    High,
    Urgent,
}

/// <summary>What each stage means for the pipeline.</summary>
public static class Stages
{
    /// <summary>Stages an opportunity is still being worked in.</summary>
    public static readonly OpportunityStage[] Open =
        [OpportunityStage.Qualification, OpportunityStage.NeedsAnalysis, OpportunityStage.Proposal, OpportunityStage.Negotiation];

    /// <summary>The probability an opportunity gets on entering a stage (赢率).</summary>
    public static int DefaultProbability(OpportunityStage stage) => stage switch
    {
        OpportunityStage.Qualification => 10,
        OpportunityStage.NeedsAnalysis => 25,
        OpportunityStage.Proposal => 50,
        OpportunityStage.Negotiation => 75,
        OpportunityStage.Won => 100,
        _ => 0,
    };
}
