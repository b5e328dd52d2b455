using Microsoft.EntityFrameworkCore;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Leads;

/// <summary>A follow-up logged on a lead marks it touched (for the idle-return job) and moves a new lead to contacted.</summary>
public sealed class FollowUpTouchesLead(IEntityStore store) : IEntityHandler<LeadFollowUp>
{
    public async Task HandleAsync(IEntityChange<LeadFollowUp> change, CancellationToken cancellationToken)
    {
        if (change.Operation != WriteOperation.Create || change.After is not { } followUp) return;
        var lead = await store.Query<Lead>().Where(l => l.Id == followUp.LeadId)
            .Select(l => new { l.Status, l.LastFollowUpAtUtc }).FirstAsync(cancellationToken);
        if (lead.LastFollowUpAtUtc is null || lead.LastFollowUpAtUtc < followUp.AtUtc)
            await store.UpdateAsync<Lead>(followUp.LeadId, l => l.LastFollowUpAtUtc = followUp.AtUtc, cancellationToken: cancellationToken);
        if (lead.Status == LeadStatus.New)
            await store.TransitionAsync<Lead>(followUp.LeadId, "contact", "Follow-up logged", cancellationToken: cancellationToken);
    }
}

/// <summary>
/// Returns held leads nobody has followed up for the tenant's number of days to the pool (每小时运行).
/// A lead's last touch is its last follow-up, else when it was claimed, else when it was created.
/// </summary>
public sealed class IdleLeadReturn(IEntityStore store, TimeProvider clock) : IScheduledJob
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
            var idle = await store.Query<Lead>()
                .Where(l => EF.Property<string?>(l, SystemFields.OwnerId) != null && open.Contains(l.Status) && l.Id.CompareTo(afterId) > 0
                    && (l.LastFollowUpAtUtc ?? l.ClaimedAtUtc ?? EF.Property<DateTime>(l, SystemFields.CreatedAt)) < cutoff)
                .OrderBy(l => l.Id).Select(l => new { l.Id, Team = EF.Property<string?>(l, SystemFields.TeamId) })
                .Take(Batch).ToListAsync(cancellationToken);
            foreach (var lead in idle)
                await LeadPool.ReturnAsync(store, lead.Id, settings.PoolPerTeam && Guid.TryParse(lead.Team, out var team) ? team : null,
                    reason, clock.GetUtcNow().UtcDateTime, cancellationToken); // one transaction per lead: one failure does not hold back the rest
            if (idle.Count < Batch) break;
            afterId = idle[^1].Id;
        }
    }
}
