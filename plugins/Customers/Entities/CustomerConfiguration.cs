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
        .OwnedByUser()
        .DefaultSort("name");

    private static void Model(EntityTypeBuilder<Customer> b)
    {
        b.Property(c => c.Name).HasMaxLength(NameLength).IsRequired();
        b.Property(c => c.Industry).HasMaxLength(ShortTextLength);
        b.Property(c => c.Region).HasMaxLength(ShortTextLength);
        b.Property(c => c.Size).HasConversion<string>().HasMaxLength(20);
        b.Property(c => c.Tier).HasConversion<string>().HasMaxLength(20);
        // the default list order is by name, then id
        b.HasIndex(c => new { c.Name, c.Id });
    }
}
