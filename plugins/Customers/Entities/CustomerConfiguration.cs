using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Customers.Entities;

internal static class CustomerConfiguration
{
    public const int NameLength = 200;
    public const int ShortTextLength = 100;

    public static void Declare(EntitySetBuilder<Customer> set) => set
        .DisplayName(new("Customer", "客户"), new("Customers", "客户"))
        .Model(Model)
        .Field(c => c.Name, f => f.DisplayName(new("Name", "名称")).Required().Searchable().Filterable().Sortable())
        .Field(c => c.Industry, f => f.DisplayName(new("Industry", "行业")).Searchable().Filterable().Sortable())
        .Field(c => c.Size, f => f.DisplayName(new("Size", "企业规模")).Filterable().Sortable())
        .Field(c => c.Region, f => f.DisplayName(new("Region", "区域")).Filterable().Sortable())
        .Field(c => c.Tier, f => f.DisplayName(new("Tier", "客户分层")).Filterable().Sortable())
        .Field(c => c.Lifecycle, f => f.DisplayName(new("Lifecycle stage", "生命周期")).Filterable().Sortable())
        .Field(c => c.CreditRating, f => f.DisplayName(new("Credit rating", "信用评级")).Filterable())
        .Field(c => c.Tags, f => f.DisplayName(new("Tags", "标签")).Searchable())
        .Field(c => c.NameKey, f => f.Hidden())
        .Compute(c => c.NameKey = Keys.Of(c.Name))
        .OwnedByUser()
        .DefaultSort("name")
        .StateMachine(c => c.Lifecycle, sm => sm
            .Initial(CustomerLifecycle.Prospect)
            .Transition("convert", [CustomerLifecycle.Prospect], CustomerLifecycle.Customer, t => t.DisplayName(new("Make a customer", "转为客户")))
            .Transition("make-key-account", [CustomerLifecycle.Customer], CustomerLifecycle.KeyAccount, t => t.DisplayName(new("Make a key account", "设为重点客户")))
            .Transition("churn", [CustomerLifecycle.Customer, CustomerLifecycle.KeyAccount], CustomerLifecycle.Churned,
                t => t.DisplayName(new("Mark churned", "标记流失")).RequiresComment())
            .Transition("win-back", [CustomerLifecycle.Churned], CustomerLifecycle.Customer, t => t.DisplayName(new("Win back", "挽回"))));

    private static void Model(EntityTypeBuilder<Customer> b)
    {
        b.Property(c => c.Name).HasMaxLength(NameLength).IsRequired();
        b.Property(c => c.Industry).HasMaxLength(ShortTextLength);
        b.Property(c => c.Region).HasMaxLength(ShortTextLength);
        b.Property(c => c.Size).HasConversion<string>().HasMaxLength(20);
        b.Property(c => c.Tier).HasConversion<string>().HasMaxLength(20);
        // accounts that exist before lifecycles did are prospects
        b.Property(c => c.Lifecycle).HasConversion<string>().HasMaxLength(20).HasDefaultValue(CustomerLifecycle.Prospect);
        b.Property(c => c.CreditRating).HasMaxLength(10);
        b.Property(c => c.Tags).HasMaxLength(500);
        // the duplicate rule looks a name up in its region: an index, not a scan of lower(Name)
        b.Property(c => c.NameKey).HasMaxLength(NameLength);
        b.HasIndex(c => new { c.NameKey, c.Region });
        // the default list order is by name, then id
        b.HasIndex(c => new { c.Name, c.Id });
    }
}
