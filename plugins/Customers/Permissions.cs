using SalesKernel.Sdk;

namespace SalesKernel.Plugins.Customers;

/// <summary>
/// The permission the plugin adds to the standard privileges of its sets (read, create, update, delete,
/// assign, share, export — granted per role with each set's declaration): each is checked where it is
/// used, and a permission nothing checks is not declared.
/// </summary>
public static class Permissions
{
    /// <summary>Move a customer one tier up (<c>POST /api/customers/customers/{id}/promote</c>); sales managers have it.</summary>
    public const string Promote = "customer.promote";

    /// <summary>The name as granted and checked: qualified by the plugin's id.</summary>
    public const string PromoteQualified = "customers." + Promote;

    /// <summary>How <see cref="Promote"/> is named to administrators granting it.</summary>
    public static readonly LocalizedText PromoteName = new("Promote customers to a higher tier", "提升客户分层");
}
