using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.TestPlugins.Deals;

public sealed class DealsPlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        builder.AddJob<DealSweep>("sweep", builder.Configuration["SweepCron"] ?? "0 3 * * *");
        builder.AddEntitySet<Deal>("deals", set => set
            .DisplayName(new("Deal", "交易"), new("Deals", "交易"))
            .OwnedByUser()
            .Model(b =>
            {
                b.Property(d => d.Title).HasMaxLength(200);
                b.Property(d => d.Stage).HasConversion<string>().HasMaxLength(20);
                b.Property(d => d.LostReason).HasMaxLength(500);
                b.Property(d => d.Amount).HasPrecision(18, 2);
            })
            .Field(d => d.Title, f => f.Required())
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
                    .Effect((d, run) => d.ClosedAtUtc = DateTime.UtcNow))
                .Transition("lose", [DealStage.New, DealStage.Qualified], DealStage.Lost, t => t
                    .RequiresComment()
                    .Effect((d, run) => d.LostReason = run.Comment))
                .Transition("reopen", [DealStage.Lost], DealStage.New, t => t
                    .Effect((d, _) => d.LostReason = null))));
    }
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
    public string Title { get; set; } = "";
    public decimal? Amount { get; set; }
    public DealStage Stage { get; set; }
    public string? LostReason { get; set; }
    public DateTime? ClosedAtUtc { get; set; }
}

public enum DealStage
{
    New,
    Qualified,
    Approval,
    Won,
    Lost,
}
