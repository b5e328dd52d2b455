using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Customers.Endpoints;

/// <summary>
/// The plugin's own endpoints, beside the generic ones the kernel maps for the entity set. They
/// write through <see cref="IEntityStore"/>, so validation, handlers and audit apply as for any write.
/// </summary>
public static class CustomerApi
{
    public static IEndpointRouteBuilder MapCustomerApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/customers/{id:guid}/promote", Promote)
            .WithName("PromoteCustomer")
            .WithSummary("Moves a customer one tier up (Basic → Standard → Key → Strategic); needs the customers.customer.promote permission.")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(412).ProducesProblem(422);
        return endpoints;
    }

    private static async Task<IResult> Promote(Guid id, IEntityStore store, IRecordAccess access, HttpContext http, CancellationToken ct)
    {
        if (!await access.HasPermissionAsync(Permissions.PromoteQualified, ct))
            throw new AccessDeniedException("Only who may promote customers (sales managers, by default) moves a customer to a higher tier.");
        var expected = RecordVersion.FromIfMatch(http.Request);
        var customer = await store.UpdateAsync<Customer>(id, c =>
        {
            if (c.Tier == CustomerTier.Strategic)
                throw new RuleViolationException("customers.already-top-tier", $"{c.Name} is already a strategic customer.");
            c.Tier -= 1;
        }, expected, ct);
        return TypedResults.Ok(new { customer.Id, customer.Name, Tier = customer.Tier.ToString() });
    }
}
