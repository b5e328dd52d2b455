using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Plugins.Customers.Entities;

namespace SalesKernel.Plugins.Customers.Endpoints;

/// <summary>/api/customers/customers: list, get, create, update, delete.</summary>
public static class CustomerApi
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapCustomerApi(this IEndpointRouteBuilder endpoints)
    {
        var customers = endpoints.MapGroup("/customers");
        customers.MapGet("/", List).WithName("ListCustomers").WithSummary("Customers, sorted by name, a page at a time.");
        customers.MapGet("/{id:guid}", Get).WithName("GetCustomer");
        customers.MapPost("/", Create).WithName("CreateCustomer");
        customers.MapPut("/{id:guid}", Update).WithName("UpdateCustomer");
        customers.MapDelete("/{id:guid}", Delete).WithName("DeleteCustomer");
        return endpoints;
    }

    private static async Task<Results<Ok<CustomerPage>, ValidationProblem>> List(
        DbContext db, int? offset, int? limit, string? region, string? industry, string? search, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (offset < 0) errors["offset"] = ["must be 0 or more"];
        if (limit is < 1 or > MaxPageSize) errors["limit"] = [$"must be between 1 and {MaxPageSize}"];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var query = db.Set<Customer>().AsNoTracking();
        if (!string.IsNullOrWhiteSpace(region)) query = query.Where(c => c.Region == region);
        if (!string.IsNullOrWhiteSpace(industry)) query = query.Where(c => c.Industry == industry);
        if (!string.IsNullOrWhiteSpace(search)) query = query.Where(c => c.Name.Contains(search));

        var skip = offset ?? 0;
        var take = limit ?? DefaultPageSize;
        var total = await query.CountAsync(ct);
        var items = await query.OrderBy(c => c.Name).ThenBy(c => c.Id).Skip(skip).Take(take)
            .Select(c => CustomerDto.From(c)).ToListAsync(ct);
        return TypedResults.Ok(new CustomerPage(items, total, skip, take));
    }

    private static async Task<Results<Ok<CustomerDto>, ProblemHttpResult>> Get(DbContext db, Guid id, CancellationToken ct) =>
        await db.Set<Customer>().AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct) is { } customer
            ? TypedResults.Ok(CustomerDto.From(customer))
            : NotFound(id);

    private static async Task<Results<Created<CustomerDto>, ValidationProblem>> Create(DbContext db, CustomerInput input, CancellationToken ct)
    {
        if (input.Validate() is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        var now = DateTime.UtcNow;
        var customer = new Customer { Id = Guid.CreateVersion7(), CreatedAtUtc = now, UpdatedAtUtc = now };
        input.ApplyTo(customer);
        db.Add(customer);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"customers/{customer.Id}", CustomerDto.From(customer));
    }

    private static async Task<Results<Ok<CustomerDto>, ValidationProblem, ProblemHttpResult>> Update(
        DbContext db, Guid id, CustomerInput input, CancellationToken ct)
    {
        if (input.Validate() is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        var customer = await db.Set<Customer>().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (customer is null) return NotFound(id);
        input.ApplyTo(customer);
        customer.UpdatedAtUtc = DateTime.UtcNow;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(CustomerDto.From(customer));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(DbContext db, Guid id, CancellationToken ct)
    {
        var deleted = await db.Set<Customer>().Where(c => c.Id == id).ExecuteDeleteAsync(ct);
        return deleted == 0 ? NotFound(id) : TypedResults.NoContent();
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Customer not found",
            detail: $"There is no customer with id {id}.");
}
