using SalesKernel.Sdk;

namespace SalesKernel.Plugins.Customers;

public static class Permissions
{
    public const string Read = "customer.read";
    public const string Create = "customer.create";
    public const string Update = "customer.update";
    public const string Delete = "customer.delete";

    public static void Declare(IPluginBuilder builder) => builder
        .AddPermission(Read, new("Read customers", "查看客户"))
        .AddPermission(Create, new("Create customers", "新建客户"))
        .AddPermission(Update, new("Edit customers", "编辑客户"))
        .AddPermission(Delete, new("Delete customers", "删除客户"));
}
