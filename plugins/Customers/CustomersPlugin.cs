using SalesKernel.Plugins.Customers.Endpoints;
using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Plugins.Customers.Rules;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Customers;

/// <summary>Customer accounts with their contacts and follow-ups: entity sets, rules, own endpoints, permissions.</summary>
public sealed class CustomersPlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        builder.AddEntitySet<Customer>("customers", CustomerConfiguration.Declare);
        builder.AddEntitySet<Contact>("contacts", ContactConfiguration.DeclareContacts);
        builder.AddEntitySet<FollowUp>("follow-ups", FollowUpConfiguration.Declare);
        builder.AddHandler<Customer, DuplicateCustomerRule>(HandlerStage.PreOperation);
        builder.AddHandler<Contact, DuplicateContactRule>(HandlerStage.PreOperation);
        builder.MapEndpoints(endpoints => endpoints.MapCustomerApi());
        builder.AddPermission(Permissions.Promote, Permissions.PromoteName, StandardRoles.SalesManager);
        builder.AddDemoData<CustomerDemoData>();
        builder.AddMessages(Messages.Chinese);
    }
}
