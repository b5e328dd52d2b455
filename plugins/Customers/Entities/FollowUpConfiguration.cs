using Microsoft.EntityFrameworkCore;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Customers.Entities;

/// <summary>What the plugin declares of follow-ups on a customer: model and fields.</summary>
internal static class FollowUpConfiguration
{
    public static void Declare(EntitySetBuilder<FollowUp> set) => set
        .DisplayName(new("Follow-up", "跟进记录"), new("Follow-ups", "跟进记录"))
        .Model(b =>
        {
            b.Property(f => f.Kind).HasConversion<string>().HasMaxLength(20);
            b.Property(f => f.Outcome).HasMaxLength(2000);
            b.Property(f => f.NextStep).HasMaxLength(500);
            b.HasOne<Customer>().WithMany().HasForeignKey(f => f.CustomerId).OnDelete(DeleteBehavior.Cascade);
        })
        .Field(f => f.CustomerId, f => f.DisplayName(new("Customer", "客户")).References("customers.customers").Filterable())
        .Field(f => f.Kind, f => f.DisplayName(new("Kind", "方式")).Filterable())
        .Field(f => f.AtUtc, f => f.DisplayName(new("When", "时间")).Filterable().Sortable())
        .Field(f => f.Outcome, f => f.DisplayName(new("Outcome", "结果")).Searchable())
        .Field(f => f.NextStep, f => f.DisplayName(new("Next step", "下一步")))
        .Field(f => f.NextFollowUpAtUtc, f => f.DisplayName(new("Next follow-up", "下次跟进")).Filterable().Sortable())
        .OwnedByUser()
        .DefaultSort("-atUtc");
}
