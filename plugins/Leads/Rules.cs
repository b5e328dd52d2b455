using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Leads;

/// <summary>
/// A follow-up is logged by someone who may work the lead (update it, not only read a share of it),
/// and not in the future: it is what keeps a lead out of the idle-return job's reach.
/// </summary>
public sealed class FollowUpRule(IRecordAccess access, TimeProvider clock) : IEntityHandler<LeadFollowUp>
{
    /// <summary>How far ahead of the server's clock a follow-up's time may be (clocks and time zones differ a little).</summary>
    public static readonly TimeSpan ClockAllowance = TimeSpan.FromHours(1);

    public async Task HandleAsync(IEntityChange<LeadFollowUp> change, CancellationToken cancellationToken)
    {
        if (change.After is not { } followUp) return;
        if (followUp.AtUtc > clock.GetUtcNow().UtcDateTime + ClockAllowance)
            throw new RecordValidationException(new Dictionary<string, string[]> { ["atUtc"] = ["must not be in the future: log a follow-up once it happened"] });
        if (change.Operation == WriteOperation.Create
            && !await (await access.ScopeAsync<Lead>(Privileges.Update, cancellationToken)).AnyAsync(l => l.Id == followUp.LeadId, cancellationToken))
            throw new AccessDeniedException("You may see this lead but not work it: only those who may update a lead log its follow-ups.");
    }
}

/// <summary>A follow-up logged on a lead marks it touched (for the idle-return job) and moves a new lead to contacted.</summary>
public sealed class FollowUpTouchesLead(IEntityStore store) : IEntityHandler<LeadFollowUp>
{
    public async Task HandleAsync(IEntityChange<LeadFollowUp> change, CancellationToken cancellationToken)
    {
        if (change.Operation != WriteOperation.Create || change.After is not { } followUp) return;
        var lead = await store.QueryAsSystem<Lead>().Where(l => l.Id == followUp.LeadId)
            .Select(l => new { l.Status, l.LastFollowUpAtUtc }).FirstAsync(cancellationToken);
        if (lead.LastFollowUpAtUtc is null || lead.LastFollowUpAtUtc < followUp.AtUtc)
            await store.UpdateAsync<Lead>(followUp.LeadId, l => l.LastFollowUpAtUtc = followUp.AtUtc, cancellationToken: cancellationToken);
        if (lead.Status == LeadStatus.New)
            await store.TransitionAsync<Lead>(followUp.LeadId, "contact", "Follow-up logged", cancellationToken: cancellationToken);
    }
}

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
