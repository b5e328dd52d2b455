using SalesKernel.Plugins.Customers.Endpoints;
using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Sdk;

namespace SalesKernel.Plugins.Customers;

/// <summary>Customer accounts: the entity set, its own endpoints and its permissions.</summary>
public sealed class CustomersPlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        builder.AddEntitySet<Customer>("customers", CustomerConfiguration.Declare);
        builder.MapEndpoints(endpoints => endpoints.MapCustomerApi());
        Permissions.Declare(builder);
    }
}
