using Microsoft.EntityFrameworkCore;
using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Opportunities.Entities;

/// <summary>What the plugin declares of opportunities: model, fields, access and the stage machine.</summary>
internal static class OpportunityConfiguration
{
    public static void Declare(EntitySetBuilder<Opportunity> set) => set
        .DisplayName(new("Opportunity", "商机"), new("Opportunities", "商机"))
        .Model(b =>
        {
            b.Property(o => o.Name).HasMaxLength(200).IsRequired();
            b.Property(o => o.Amount).HasPrecision(18, 2);
            b.Property(o => o.Currency).HasMaxLength(3);
            b.Property(o => o.Priority).HasConversion<string>().HasMaxLength(20);
            b.Property(o => o.Stage).HasConversion<string>().HasMaxLength(20);
            b.Property(o => o.NextStep).HasMaxLength(500);
            b.Property(o => o.LostReason).HasMaxLength(2000);
            b.Property(o => o.LossReason).HasConversion<string>().HasMaxLength(20);
            b.Property(o => o.LostToCompetitor).HasMaxLength(200);
            // a customer with opportunities is not deleted: money was at stake (409 until they are deleted or moved)
            b.HasOne<Customer>().WithMany().HasForeignKey(o => o.CustomerId).OnDelete(DeleteBehavior.Restrict);
            b.HasOne<Contact>().WithMany().HasForeignKey(o => o.ContactId).OnDelete(DeleteBehavior.SetNull);
            // the forecast reads by stage and close date; the overdue list by follow-up date
            b.HasIndex(o => new { o.Stage, o.ExpectedCloseDate });
            b.HasIndex(o => new { o.NextFollowUpAtUtc, o.Id });
            b.HasIndex(o => o.LeadId);
        })
        .Field(o => o.Name, f => f.DisplayName(new("Name", "商机名称")).Required().Searchable().Filterable().Sortable())
        .Field(o => o.CustomerId, f => f.DisplayName(new("Customer", "客户")).References("customers.customers").Filterable())
        .Field(o => o.ContactId, f => f.DisplayName(new("Contact", "联系人")).References("customers.contacts").Filterable())
        .Field(o => o.Amount, f => f.DisplayName(new("Amount", "金额")).Money().Range(0, null).Filterable().Sortable())
        .Field(o => o.Currency, f => f.DisplayName(new("Currency", "币种")).Currency().Filterable())
        .Field(o => o.ExpectedCloseDate, f => f.DisplayName(new("Expected close date", "预计成交日期")).Filterable().Sortable())
        .Field(o => o.Priority, f => f.DisplayName(new("Priority", "优先级")).Filterable().Sortable())
        .Field(o => o.Stage, f => f.DisplayName(new("Stage", "销售阶段")).Filterable().Sortable())
        .Field(o => o.Probability, f => f.DisplayName(new("Probability (%)", "赢率 (%)")).Range(0, 100).Filterable().Sortable())
        .Field(o => o.NextStep, f => f.DisplayName(new("Next step", "下一步")))
        .Field(o => o.NextFollowUpAtUtc, f => f.DisplayName(new("Next follow-up", "下次跟进")).Filterable().Sortable())
        .Field(o => o.LostReason, f => f.DisplayName(new("Lost reason", "输单原因")).ReadOnly().Searchable())
        .Field(o => o.LossReason, f => f.DisplayName(new("Loss reason", "输单原因分类")).ReadOnly().Filterable().Sortable())
        .Field(o => o.LostToCompetitor, f => f.DisplayName(new("Lost to", "赢单竞争对手")).ReadOnly().Filterable())
        .Field(o => o.ClosedAtUtc, f => f.DisplayName(new("Closed at", "关闭时间")).ReadOnly().Filterable().Sortable())
        .Field(o => o.LeadId, f => f.DisplayName(new("Source lead", "来源线索")).ReadOnly().Filterable())
        .OwnedByUser()
        .DefaultSort("-updatedAt")
        .Grant(StandardRoles.SalesRep, AccessDepth.Own, Privileges.Read, Privileges.Create, Privileges.Update, Privileges.Export)
        .Grant(StandardRoles.SalesManager, AccessDepth.TeamAndBelow, [.. Privileges.Standard])
        .Grant(StandardRoles.ServiceAgent, AccessDepth.Tenant, Privileges.Read)
        .Grant(StandardRoles.ReadOnly, AccessDepth.Tenant, Privileges.Read)
        .StateMachine(o => o.Stage, sm => sm
            .Initial(OpportunityStage.Qualification)
            .Final(OpportunityStage.Won)
            .Transition("analyse-needs", [OpportunityStage.Qualification], OpportunityStage.NeedsAnalysis, t => Enter(t).DisplayName(new("Analyse needs", "需求分析")))
            .Transition("propose", [OpportunityStage.Qualification, OpportunityStage.NeedsAnalysis], OpportunityStage.Proposal, t => Enter(t).DisplayName(new("Propose", "提交方案")))
            .Transition("negotiate", [OpportunityStage.Proposal], OpportunityStage.Negotiation, t => Enter(t).DisplayName(new("Negotiate", "商务谈判")))
            .Transition("win", Stages.Open, OpportunityStage.Won, t => t
                .DisplayName(new("Win", "赢单"))
                .Guard("opportunities.amount-required", o => o.Amount > 0, "An opportunity is won only with an amount.")
                .Effect((o, run) => { o.Probability = 100; o.ClosedAtUtc = run.AtUtc; o.NextFollowUpAtUtc = null; }))
            .Transition("lose", Stages.Open, OpportunityStage.Lost, t => t
                .DisplayName(new("Lose", "输单"))
                .RequiresComment()
                .Input<LoseInput>(i => i
                    .Field(x => x.Reason, f => f.DisplayName(new("Reason", "输单原因")).Required())
                    .Field(x => x.Competitor, f => f.DisplayName(new("Won by competitor", "赢单竞争对手")))
                    .Check(nameof(LoseInput.Competitor), x => x.Reason != LossReason.Competitor || !string.IsNullOrWhiteSpace(x.Competitor),
                        "is required when the reason is Competitor"))
                .Effect<LoseInput>((o, input, run) =>
                {
                    o.Probability = 0;
                    o.LostReason = run.Comment;
                    o.LossReason = input.Reason;
                    o.LostToCompetitor = input.Competitor?.Trim() is { Length: > 0 } c ? c : null;
                    o.ClosedAtUtc = run.AtUtc;
                    o.NextFollowUpAtUtc = null;
                }))
            .Transition("reopen", [OpportunityStage.Lost], OpportunityStage.Qualification, t => t
                .DisplayName(new("Reopen", "重新打开"))
                .Effect((o, _) =>
                {
                    o.Probability = Stages.DefaultProbability(OpportunityStage.Qualification);
                    o.LostReason = null; o.LossReason = null; o.LostToCompetitor = null; o.ClosedAtUtc = null;
                })));

    /// <summary>Entering a stage sets its default probability.</summary>
    private static TransitionBuilder<Opportunity> Enter(TransitionBuilder<Opportunity> t) =>
        t.Effect((o, run) => o.Probability = Stages.DefaultProbability((OpportunityStage)run.To));
}
