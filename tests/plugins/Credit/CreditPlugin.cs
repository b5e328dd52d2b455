using System.Collections.Concurrent;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.TestPlugins.Credit;

/// <summary>
/// Extends customers with a credit limit and rating, and attaches to customer writes: a validator,
/// a rule that refuses high limits for basic customers, a post-operation handler that logs credit
/// changes as records of its own set, one that loops (to trip the depth guard), and an event handler.
/// </summary>
public sealed class CreditPlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        builder.ExtendEntitySet<Customer>(x => x
            .Field<decimal?>("creditLimit", f => f.DisplayName(new("Credit limit", "信用额度")).Money("creditCurrency").Filterable().Sortable().Range(0, 10_000_000),
                column => column.HasPrecision(18, 2))
            .Field<string?>("creditCurrency", f => f.DisplayName(new("Credit currency", "信用额度币种")).Currency(),
                column => column.HasMaxLength(3))
            .Field<string?>("creditGrade", f => f.DisplayName(new("Credit grade", "信用等级")).Filterable(),
                column => column.HasMaxLength(10)));

        builder.AddEntitySet<CreditChange>("changes", set => set
            .DisplayName(new("Credit change", "信用变更"), new("Credit changes", "信用变更"))
            .Model(b => b.Property(c => c.Note).HasMaxLength(200))
            .Field(c => c.CustomerId, f => f.References("customers.customers").Filterable())
            .Endpoints(StandardEndpoints.List | StandardEndpoints.Get));

        // a permission of the plugin's own, bound to no record: managers have it until a tenant says otherwise
        builder.AddPermission("limits.approve", new("Approve credit limits", "审批信用额度"), StandardRoles.SalesManager);
        builder.MapEndpoints(e => e.MapPost("/limits/approve", async (IRecordAccess access, CancellationToken ct) =>
            await access.HasPermissionAsync("credit.limits.approve", ct)
                ? Results.Ok(new { approved = true })
                : throw new AccessDeniedException("You may not approve credit limits.")));

        builder.AddValidator<Customer, CustomerNameValidator>();
        builder.AddHandler<Customer, CreditLimitRule>(HandlerStage.PreOperation);
        builder.AddHandler<Customer, CreditChangeLog>(HandlerStage.PostOperation, order: 10);
        builder.AddHandler<Customer, LateRefusal>(HandlerStage.PostOperation, order: 20);
        builder.AddHandler<Customer, LoopingHandler>(HandlerStage.PostOperation, order: 30);
        builder.AddHandler<Customer, GradeFromNote>(HandlerStage.PreOperation, order: 10);
        builder.AddHandler<Customer, TolerantLog>(HandlerStage.PostOperation, order: 40);
        builder.AddEventHandler<Customer, ReceivedEvents.Handler>();
        // a slow handler (SalesKernel:Plugins:Settings:credit:HandlerDelayMs), so hosts sharing a database overlap
        builder.Services.AddSingleton(new ReceivedEvents(TimeSpan.FromMilliseconds(int.TryParse(builder.Configuration["HandlerDelayMs"], out var delay) ? delay : 0)));
        builder.MapEndpoints(e => e.MapGet("/received", (ReceivedEvents received) => TypedResults.Ok(received.All)));
        builder.MapEndpoints(e => e.MapGet("/started", (ReceivedEvents received) => TypedResults.Ok(received.Started)));
        // what the store lets plugin code see: the caller's records by default, the tenant's when asked by name
        builder.MapEndpoints(e => e.MapGet("/customer-counts", async (IEntityStore store, CancellationToken ct) => TypedResults.Ok(new
        {
            Visible = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(await store.QueryAsync<Customer>(ct), ct),
            Tenant = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(store.QueryAsSystem<Customer>(), ct),
        })));
    }
}

public sealed class CreditChange : IEntity
{
    public Guid Id { get; set; }
    public Guid CustomerId { get; set; }
    public decimal? Limit { get; set; }
    public string Note { get; set; } = "";
}

public sealed class CustomerNameValidator : AbstractValidator<Customer>
{
    public CustomerNameValidator() =>
        RuleFor(c => c.Name).Must(n => !n.Contains('<')).WithMessage("must not contain '<'");
}

public sealed class CreditLimitRule : IEntityHandler<Customer>
{
    public Task HandleAsync(IEntityChange<Customer> change, CancellationToken cancellationToken)
    {
        if (change.After is { Tier: CustomerTier.Basic } && change.GetAfter("creditLimit") is decimal limit && limit > 100_000)
            throw new RuleViolationException("credit.limit-exceeds-tier", $"A basic customer may have a credit limit of at most 100000, not {limit}.");
        return Task.CompletedTask;
    }
}

/// <summary>Writes a record of its own set whenever a customer's limit changes: a nested write in the same transaction.</summary>
public sealed class CreditChangeLog(IEntityStore store) : IEntityHandler<Customer>
{
    public async Task HandleAsync(IEntityChange<Customer> change, CancellationToken cancellationToken)
    {
        if (!change.ChangedFields.Contains("creditLimit")) return;
        await store.CreateAsync(new CreditChange
        {
            CustomerId = change.Id,
            Limit = change.GetAfter("creditLimit") as decimal?,
            Note = $"{change.GetBefore("creditLimit") ?? "none"} -> {change.GetAfter("creditLimit") ?? "none"}",
        }, cancellationToken: cancellationToken);
    }
}

/// <summary>Refuses after the nested write above has happened, to show that it is rolled back too.</summary>
public sealed class LateRefusal : IEntityHandler<Customer>
{
    public Task HandleAsync(IEntityChange<Customer> change, CancellationToken cancellationToken) =>
        change.GetAfter("creditGrade") as string == "refuse"
            ? throw new RuleViolationException("credit.rating-refused", "The rating 'refuse' is refused after the change was logged.")
            : Task.CompletedTask;
}

/// <summary>Updates the customer it handles, which runs it again: only the depth guard stops it.</summary>
public sealed class LoopingHandler(IEntityStore store) : IEntityHandler<Customer>
{
    public async Task HandleAsync(IEntityChange<Customer> change, CancellationToken cancellationToken)
    {
        if (change.After?.Region != "loop") return;
        await store.UpdateAsync<Customer>(change.Id, c => c.Industry = $"depth {change.Depth}", cancellationToken: cancellationToken);
    }
}

/// <summary>Sets the grade from the industry, unchecked: a pre-operation handler's value must meet the field's rules too.</summary>
public sealed class GradeFromNote : IEntityHandler<Customer>
{
    public Task HandleAsync(IEntityChange<Customer> change, CancellationToken cancellationToken)
    {
        if (change.After?.Industry is { } industry && industry.StartsWith("grade:", StringComparison.Ordinal))
            change.Set("creditGrade", industry["grade:".Length..]);
        return Task.CompletedTask;
    }
}

/// <summary>Tries a nested write that fails part way, and carries on: what it wrote before failing must not stay.</summary>
public sealed class TolerantLog(IEntityStore store) : IEntityHandler<Customer>
{
    public async Task HandleAsync(IEntityChange<Customer> change, CancellationToken cancellationToken)
    {
        if (change.After?.Region != "tolerant" || change.Operation != WriteOperation.Create) return;
        try
        {
            await store.InTransactionAsync(async () =>
            {
                await store.CreateAsync(new CreditChange { CustomerId = change.Id, Note = "written, then rolled back" }, cancellationToken: cancellationToken);
                await store.CreateAsync(new CreditChange { CustomerId = change.Id, Note = new string('x', 500) }, cancellationToken: cancellationToken); // too long: fails
                return 0;
            }, cancellationToken);
        }
        catch (RecordValidationException)
        {
            // the log is optional: the customer is written without it
        }
    }
}

public sealed class ReceivedEvents(TimeSpan delay)
{
    private readonly ConcurrentQueue<object> _events = new();
    private int _started;
    private TimeSpan Delay { get; } = delay;
    public IReadOnlyList<object> All => [.. _events];

    /// <summary>How many times the handler began, finished or not.</summary>
    public int Started => Volatile.Read(ref _started);

    public sealed class Handler(ReceivedEvents received) : IEntityEventHandler<Customer>
    {
        public async Task HandleAsync(EntityEvent entityEvent, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref received._started);
            if (received.Delay > TimeSpan.Zero) await Task.Delay(received.Delay, cancellationToken);
            received._events.Enqueue(new { entityEvent.Sequence, entityEvent.RecordId, Operation = entityEvent.Operation.ToString(), entityEvent.ChangesJson });
        }
    }
}
