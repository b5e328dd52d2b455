using Microsoft.AspNetCore.Builder;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.TestPlugins.Deals;

public sealed class DealsPlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        builder.AddJob<DealSweep>("sweep", builder.Configuration["SweepCron"] ?? "0 3 * * *");
        builder.AddNumberSequence("deal", new("Deal numbers", "交易编号"), "D-{yyyy}-{0000}");
        builder.AddEntitySet<Deal>("deals", set => set
            .DisplayName(new("Deal", "交易"), new("Deals", "交易"))
            .OwnedByUser()
            .Model(b =>
            {
                b.Property(d => d.Title).HasMaxLength(200);
                b.Property(d => d.Stage).HasConversion<string>().HasMaxLength(20);
                b.Property(d => d.LostReason).HasMaxLength(500);
                b.Property(d => d.Amount).HasPrecision(18, 2);
                b.Property(d => d.Currency).HasMaxLength(3);
                b.Property(d => d.PurchaseOrder).HasMaxLength(50);
                b.Property(d => d.LostTo).HasMaxLength(200);
                b.Property(d => d.Number).HasMaxLength(30);
                b.HasIndex(d => d.Number).IsUnique();
            })
            .Field(d => d.Number, f => f.Numbered("deal").Filterable().Sortable())
            .Field(d => d.Title, f => f.Required())
            .Field(d => d.Amount, f => f.Money().Range(0, null).Filterable().Sortable())
            .Field(d => d.Currency, f => f.Currency().Filterable())
            .Field(d => d.SignedOn, f => f.ReadOnly())
            .Field(d => d.PurchaseOrder, f => f.ReadOnly())
            .Field(d => d.LostTo, f => f.ReadOnly())
            .Field(d => d.DuplicateOf, f => f.ReadOnly().References("deals.deals"))
            .Field(d => d.Stage, f => f.Filterable().Sortable())
            .Privilege("win", new("Win deals", "赢单"))
            .Grant(StandardRoles.SalesRep, AccessDepth.Own, Privileges.Read, Privileges.Create, Privileges.Update)
            .Grant(StandardRoles.SalesManager, AccessDepth.TeamAndBelow, Privileges.Read, Privileges.Create, Privileges.Update, "win")
            .StateMachine(d => d.Stage, sm => sm
                .Initial(DealStage.New)
                .Final(DealStage.Won)
                .Transition("qualify", [DealStage.New], DealStage.Qualified)
                .Transition("win", [DealStage.Qualified], DealStage.Won, t => t
                    .RequiresPrivilege("win")
                    .RequiresApproval(DealStage.Approval, DealStage.Qualified)
                    .Guard("deals.amount-required", d => d.Amount > 0, "A deal is won only with an amount.")
                    .Input<WinInput>()
                    .Effect<WinInput>((d, input, run) => { d.ClosedAtUtc = run.AtUtc; d.SignedOn = input.SignedOn; d.PurchaseOrder = input.PurchaseOrder; }))
                .Transition("lose", [DealStage.New, DealStage.Qualified], DealStage.Lost, t => t
                    .RequiresComment()
                    .Input<LoseInput>(i => i
                        .Field(x => x.CompetitorPrice, f => f.Range(0, null))
                        .Field(x => x.DuplicateOf, f => f.References("deals.deals"))
                        .Field(x => x.ContactEmail, f => f.Email())
                        .Check(nameof(LoseInput.Competitor), x => x.CompetitorPrice is null || x.Competitor is not null, "is required with a competitor price"))
                    .Effect<LoseInput>((d, input, run) => { d.LostReason = run.Comment; d.LostTo = input.Competitor; d.DuplicateOf = input.DuplicateOf; }))
                .Transition("reopen", [DealStage.Lost], DealStage.New, t => t
                    .Effect((d, _) => d.LostReason = null))));
        // an extension point: other plugins price a deal; this one calls them all, in their order
        builder.MapEndpoints(e => e.MapPost("/deals/{id:guid}/price", async (Guid id, IEntityStore store, IExtensions<IDealPricer> pricers, CancellationToken ct) =>
        {
            var deal = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstOrDefaultAsync(
                (await store.QueryAsync<Deal>(ct)).Where(d => d.Id == id), ct) ?? throw new RecordNotFoundException("deals.deals", id);
            var price = deal.Amount ?? 0m;
            var steps = new List<object>();
            foreach (var pricer in await pricers.ForTenantAsync(ct))
            {
                price = pricer.Price(deal, price);
                steps.Add(new { pricer.Name, Price = price });
            }
            return Microsoft.AspNetCore.Http.TypedResults.Ok(new { Price = price, Steps = steps });
        }));
    }
}

/// <summary>The Deals plugin's extension point: a step of a deal's price, called in order. Plugins that depend on deals implement it.</summary>
public interface IDealPricer
{
    /// <summary>What the step is called.</summary>
    string Name { get; }

    /// <summary>The price after this step.</summary>
    decimal Price(Deal deal, decimal price);
}

/// <summary>A per-tenant job; it reads the tenant's deals, so it fails if it does not run as a tenant.</summary>
public sealed class DealSweep(IEntityStore store, ICallerContext caller) : IScheduledJob
{
    public async Task RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        if (caller.TenantId != run.TenantId) throw new InvalidOperationException("the job does not act as its tenant");
        _ = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(store.QueryAsSystem<Deal>(), cancellationToken);
    }
}

public sealed class Deal : IEntity
{
    public Guid Id { get; set; }
    public string? Number { get; set; }
    public string Title { get; set; } = "";
    public decimal? Amount { get; set; }
    public string? Currency { get; set; }
    public DealStage Stage { get; set; }
    public DateOnly? SignedOn { get; set; }
    public string? PurchaseOrder { get; set; }
    public string? LostTo { get; set; }
    public Guid? DuplicateOf { get; set; }
    public string? LostReason { get; set; }
    public DateTime? ClosedAtUtc { get; set; }
}

/// <summary>What winning a deal records (optional: the signature date and the customer's purchase order).</summary>
public sealed class WinInput
{
    public DateOnly? SignedOn { get; set; }
    public string? PurchaseOrder { get; set; }
}

/// <summary>What losing a deal records: a reason code, who won and at what price, the deal it duplicates.</summary>
public sealed class LoseInput
{
    public DealLossReason? Reason { get; set; }
    public string? Competitor { get; set; }
    public decimal? CompetitorPrice { get; set; }
    public Guid? DuplicateOf { get; set; }
    public string? ContactEmail { get; set; }
}

public enum DealLossReason
{
    Price,
    Competitor,
    Duplicate,
    Other,
}

public enum DealStage
{
    New,
    Qualified,
    Approval,
    Won,
    Lost,
}
