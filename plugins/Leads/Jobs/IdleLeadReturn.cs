using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SalesKernel.Plugins.Leads.Entities;
using SalesKernel.Plugins.Leads.Rules;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Leads.Jobs;

/// <summary>
/// Returns held leads nobody has followed up for the tenant's number of days to the pool (每小时运行).
/// A lead's last touch is the latest of its last follow-up, when it was claimed (or assigned) and
/// when it was created. One lead's failure is logged and does not hold back the others.
/// </summary>
public sealed class IdleLeadReturn(IEntityStore store, TimeProvider clock, ILogger<IdleLeadReturn> logger) : IScheduledJob
{
    private const int Batch = 200;

    public async Task RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var settings = await LeadPool.SettingsAsync(store, cancellationToken);
        if (settings.IdleDaysBeforeReturn <= 0) return;
        var cutoff = clock.GetUtcNow().UtcDateTime.AddDays(-settings.IdleDaysBeforeReturn);
        var reason = $"No follow-up for {settings.IdleDaysBeforeReturn} days";
        var open = LeadPool.OpenStatuses;
        for (var afterId = Guid.Empty; ;)
        {
            var idle = await store.QueryAsSystem<Lead>()
                .Where(l => EF.Property<string?>(l, SystemFields.OwnerId) != null && open.Contains(l.Status) && l.Id.CompareTo(afterId) > 0
                    && (l.LastFollowUpAtUtc == null || l.LastFollowUpAtUtc < cutoff) && (l.ClaimedAtUtc == null || l.ClaimedAtUtc < cutoff)
                    && EF.Property<DateTime>(l, SystemFields.CreatedAt) < cutoff)
                .OrderBy(l => l.Id).Select(l => new { l.Id, Team = EF.Property<string?>(l, SystemFields.TeamId) })
                .Take(Batch).ToListAsync(cancellationToken);
            foreach (var lead in idle)
            {
                // one transaction per lead; a team that no longer exists sends the lead to the company pool
                var pool = settings.PoolPerTeam && Guid.TryParse(lead.Team, out var team) ? team : (Guid?)null;
                try
                {
                    try
                    {
                        await LeadPool.ReturnAsync(store, lead.Id, pool, reason, clock.GetUtcNow().UtcDateTime, cancellationToken);
                    }
                    catch (RecordValidationException) when (pool is not null)
                    {
                        await LeadPool.ReturnAsync(store, lead.Id, null, reason, clock.GetUtcNow().UtcDateTime, cancellationToken);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Lead {LeadId} could not go back to the pool; the next run tries again", lead.Id);
                }
            }
            if (idle.Count < Batch) break;
            afterId = idle[^1].Id;
        }
    }
}
