using SalesKernel.Plugins.Customers.Endpoints;
using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Sdk;

namespace SalesKernel.Plugins.Customers;

/// <summary>Customer accounts: the entity, its endpoints and its permissions.</summary>
public sealed class CustomersPlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        builder.AddEntity(new CustomerConfiguration());
        builder.MapEndpoints(endpoints => endpoints.MapCustomerApi());
        Permissions.Declare(builder);
    }
}
