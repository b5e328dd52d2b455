using Microsoft.EntityFrameworkCore;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Customers.Entities;

internal static class ContactConfiguration
{
    public static void DeclareContacts(EntitySetBuilder<Contact> set) => set
        .DisplayName(new("Contact", "联系人"), new("Contacts", "联系人"))
        .Model(b =>
        {
            b.Property(c => c.Name).HasMaxLength(CustomerConfiguration.NameLength).IsRequired();
            b.Property(c => c.Title).HasMaxLength(CustomerConfiguration.ShortTextLength);
            b.Property(c => c.Phone).HasMaxLength(40);
            b.Property(c => c.Email).HasMaxLength(254);
            b.Property(c => c.EmailKey).HasMaxLength(254);
            b.HasIndex(c => c.EmailKey);
            b.HasOne<Customer>().WithMany().HasForeignKey(c => c.CustomerId).OnDelete(DeleteBehavior.Cascade);
        })
        .Field(c => c.CustomerId, f => f.DisplayName(new("Customer", "客户")).References("customers.customers").Filterable())
        .Field(c => c.Name, f => f.DisplayName(new("Name", "姓名")).Required().Searchable().Filterable().Sortable())
        .Field(c => c.Title, f => f.DisplayName(new("Job title", "职务")))
        .Field(c => c.Phone, f => f.DisplayName(new("Phone", "电话")).Phone().Searchable().Filterable())
        .Field(c => c.Email, f => f.DisplayName(new("Email", "邮箱")).Email().Searchable().Filterable())
        .Field(c => c.IsPrimary, f => f.DisplayName(new("Primary contact", "主要联系人")).Filterable())
        .Field(c => c.EmailKey, f => f.Hidden())
        .Compute(c => c.EmailKey = Keys.Of(c.Email))
        .OwnedByUser()
        .DefaultSort("name");
}
