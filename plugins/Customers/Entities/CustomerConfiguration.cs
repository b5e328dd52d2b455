using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Plugins.Customers.Entities;

internal sealed class CustomerConfiguration : IEntityTypeConfiguration<Customer>
{
    public const int NameLength = 200;
    public const int ShortTextLength = 100;

    public void Configure(EntityTypeBuilder<Customer> b)
    {
        b.HasKey(c => c.Id);
        b.Property(c => c.Name).HasMaxLength(NameLength).IsRequired();
        b.Property(c => c.Industry).HasMaxLength(ShortTextLength);
        b.Property(c => c.Region).HasMaxLength(ShortTextLength);
        b.Property(c => c.Size).HasConversion<string>().HasMaxLength(20);
        b.Property(c => c.Tier).HasConversion<string>().HasMaxLength(20);
        // the list is sorted by name and filtered by region and industry
        b.HasIndex(c => new { c.Name, c.Id });
        b.HasIndex(c => c.Region);
        b.HasIndex(c => c.Industry);
    }
}
