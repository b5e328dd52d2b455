using Microsoft.EntityFrameworkCore;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Leads.Entities;

/// <summary>What the plugin declares of its entity sets: model, fields, access, lifecycle.</summary>
internal static class LeadConfiguration
{
    public static void DeclareLeads(EntitySetBuilder<Lead> set) => set
        .DisplayName(new("Lead", "线索"), new("Leads", "线索"))
        .Model(b =>
        {
            b.Property(l => l.Name).HasMaxLength(200).IsRequired();
            b.Property(l => l.Company).HasMaxLength(200);
            b.Property(l => l.Title).HasMaxLength(100);
            b.Property(l => l.Phone).HasMaxLength(40);
            b.Property(l => l.Email).HasMaxLength(254);
            b.Property(l => l.Industry).HasMaxLength(100);
            b.Property(l => l.Region).HasMaxLength(100);
            b.Property(l => l.Source).HasConversion<string>().HasMaxLength(20);
            b.Property(l => l.Status).HasConversion<string>().HasMaxLength(20);
            b.Property(l => l.EstimatedAmount).HasPrecision(18, 2);
            b.Property(l => l.Currency).HasMaxLength(3);
            b.Property(l => l.ReturnReason).HasMaxLength(500);
            // the pool lists ownerless leads of a team; the cap counts a rep's open leads; the job finds idle ones
            b.HasIndex(SystemFields.OwnerId, nameof(Lead.Status));
            b.HasIndex(SystemFields.TeamId, SystemFields.OwnerId, nameof(Lead.Id));
            b.HasIndex(l => l.ConvertedCustomerId);
        })
        .Field(l => l.Name, f => f.DisplayName(new("Name", "姓名")).Required().Searchable().Filterable().Sortable())
        .Field(l => l.Company, f => f.DisplayName(new("Company", "公司")).Searchable().Filterable().Sortable())
        .Field(l => l.Title, f => f.DisplayName(new("Job title", "职务")))
        .Field(l => l.Phone, f => f.DisplayName(new("Phone", "电话")).Phone().Searchable().Filterable())
        .Field(l => l.Email, f => f.DisplayName(new("Email", "邮箱")).Email().Searchable().Filterable())
        .Field(l => l.Industry, f => f.DisplayName(new("Industry", "行业")).Filterable().Sortable())
        .Field(l => l.Region, f => f.DisplayName(new("Region", "区域")).Filterable().Sortable())
        .Field(l => l.Source, f => f.DisplayName(new("Source", "线索来源")).Filterable().Sortable())
        .Field(l => l.Status, f => f.DisplayName(new("Status", "状态")).Filterable().Sortable())
        .Field(l => l.Score, f => f.DisplayName(new("Score", "评分")).Range(0, 100).Filterable().Sortable())
        .Field(l => l.EstimatedAmount, f => f.DisplayName(new("Estimated amount", "预计金额")).Money().Range(0, null).Filterable().Sortable())
        .Field(l => l.Currency, f => f.DisplayName(new("Currency", "币种")).Currency().Filterable())
        .Field(l => l.ClaimedAtUtc, f => f.DisplayName(new("Claimed at", "领取时间")).ReadOnly().Filterable().Sortable())
        .Field(l => l.LastFollowUpAtUtc, f => f.DisplayName(new("Last follow-up", "最近跟进")).ReadOnly().Filterable().Sortable())
        .Field(l => l.ReturnedAtUtc, f => f.DisplayName(new("Returned at", "退回时间")).ReadOnly().Filterable().Sortable())
        .Field(l => l.ReturnReason, f => f.DisplayName(new("Return reason", "退回原因")).ReadOnly())
        .Field(l => l.ConvertedCustomerId, f => f.DisplayName(new("Converted to customer", "转化客户")).ReadOnly().References("customers.customers").Filterable())
        .Field(l => l.ConvertedContactId, f => f.DisplayName(new("Converted to contact", "转化联系人")).ReadOnly().References("customers.contacts"))
        .Field(l => l.ConvertedOpportunityId, f => f.DisplayName(new("Converted to opportunity", "转化商机")).ReadOnly().References("opportunities.opportunities"))
        .Field(l => l.ConvertedAtUtc, f => f.DisplayName(new("Converted at", "转化时间")).ReadOnly().Filterable().Sortable())
        .OwnedByUser()
        .DefaultSort("-createdAt")
        .Privilege(Permissions.Claim, new("Claim leads from the pool", "从公海领取线索"))
        .Grant(StandardRoles.SalesRep, AccessDepth.Own, Privileges.Read, Privileges.Create, Privileges.Update, Privileges.Export, Permissions.Claim)
        .Grant(StandardRoles.SalesManager, AccessDepth.TeamAndBelow, [.. Privileges.Standard, Permissions.Claim])
        .Grant(StandardRoles.ServiceAgent, AccessDepth.Tenant, Privileges.Read)
        .Grant(StandardRoles.ReadOnly, AccessDepth.Tenant, Privileges.Read)
        .StateMachine(l => l.Status, sm => sm
            .Initial(LeadStatus.New)
            .Final(LeadStatus.Converted)
            .Transition("contact", [LeadStatus.New], LeadStatus.Contacted, t => t.DisplayName(new("Mark contacted", "已联系")))
            .Transition("qualify", [LeadStatus.New, LeadStatus.Contacted], LeadStatus.Qualified, t => t.DisplayName(new("Qualify", "确认有效")))
            .Transition("disqualify", [LeadStatus.New, LeadStatus.Contacted, LeadStatus.Qualified], LeadStatus.Disqualified,
                t => t.DisplayName(new("Disqualify", "判为无效")).RequiresComment())
            .Transition("reopen", [LeadStatus.Disqualified], LeadStatus.Contacted, t => t.DisplayName(new("Reopen", "重新打开")))
            .Transition("convert", [LeadStatus.Qualified], LeadStatus.Converted, t => t
                .DisplayName(new("Convert", "转化"))
                .Guard("leads.convert-through-endpoint", l => l.ConvertedCustomerId is not null,
                    "A lead is converted with POST /api/leads/leads/{id}/convert, which creates its customer, contact and opportunity.")
                .Effect((l, run) => l.ConvertedAtUtc = run.AtUtc)));

    public static void DeclareFollowUps(EntitySetBuilder<LeadFollowUp> set) => set
        .DisplayName(new("Lead follow-up", "线索跟进"), new("Lead follow-ups", "线索跟进"))
        .Model(b =>
        {
            b.Property(f => f.Kind).HasConversion<string>().HasMaxLength(20);
            b.Property(f => f.Outcome).HasMaxLength(2000);
            b.Property(f => f.NextStep).HasMaxLength(500);
            b.HasOne<Lead>().WithMany().HasForeignKey(f => f.LeadId).OnDelete(DeleteBehavior.Cascade);
            b.HasIndex(f => new { f.LeadId, f.AtUtc });
        })
        .Field(f => f.LeadId, f => f.DisplayName(new("Lead", "线索")).References("leads.leads").Filterable())
        .Field(f => f.Kind, f => f.DisplayName(new("Kind", "方式")).Filterable())
        .Field(f => f.AtUtc, f => f.DisplayName(new("When", "时间")).Filterable().Sortable())
        .Field(f => f.Outcome, f => f.DisplayName(new("Outcome", "结果")).Searchable())
        .Field(f => f.NextStep, f => f.DisplayName(new("Next step", "下一步")))
        .Field(f => f.NextFollowUpAtUtc, f => f.DisplayName(new("Next follow-up", "下次跟进")).Filterable().Sortable())
        .OwnedByUser()
        .DefaultSort("-atUtc")
        .Grant(StandardRoles.SalesRep, AccessDepth.Own, Privileges.Read, Privileges.Create, Privileges.Update)
        .Grant(StandardRoles.SalesManager, AccessDepth.TeamAndBelow, [.. Privileges.Standard])
        .Grant(StandardRoles.ServiceAgent, AccessDepth.Tenant, Privileges.Read)
        .Grant(StandardRoles.ReadOnly, AccessDepth.Tenant, Privileges.Read);

    public static void DeclareSettings(EntitySetBuilder<PoolSettings> set) => set
        .DisplayName(new("Lead pool settings", "公海规则"), new("Lead pool settings", "公海规则"))
        .Endpoints(StandardEndpoints.None) // one record per tenant, read and written at /api/leads/pool/settings
        .CustomFields(false)
        .Field(s => s.MaxLeadsPerRep, f => f.DisplayName(new("Most open leads per rep", "每人最多持有线索数")).Range(1, 100_000))
        .Field(s => s.IdleDaysBeforeReturn, f => f.DisplayName(new("Days without follow-up before return", "未跟进自动退回天数")).Range(0, 3650))
        .Field(s => s.PoolPerTeam, f => f.DisplayName(new("A pool per team", "按团队划分公海")))
        .Grant(StandardRoles.SalesManager, AccessDepth.Tenant, Privileges.Read)
        .Grant(StandardRoles.SalesRep, AccessDepth.Tenant, Privileges.Read)
        .Grant(StandardRoles.ServiceAgent, AccessDepth.Tenant, Privileges.Read)
        .Grant(StandardRoles.ReadOnly, AccessDepth.Tenant, Privileges.Read);
}
