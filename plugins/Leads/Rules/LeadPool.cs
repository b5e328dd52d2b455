using Microsoft.EntityFrameworkCore;
using SalesKernel.Plugins.Leads.Entities;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Leads.Rules;

/// <summary>The rules of the pool shared by the endpoints and the idle-return job.</summary>
public static class LeadPool
{
    /// <summary>Statuses of a lead still being worked: these count towards a rep's cap and can go back to the pool.</summary>
    public static readonly LeadStatus[] OpenStatuses = [LeadStatus.New, LeadStatus.Contacted, LeadStatus.Qualified];

    /// <summary>The tenant's pool settings, or the defaults when an administrator has not set any.</summary>
    public static async Task<PoolSettings> SettingsAsync(IEntityStore store, CancellationToken cancellationToken) =>
        await store.QueryAsSystem<PoolSettings>().OrderBy(s => s.Id).FirstOrDefaultAsync(cancellationToken) ?? new PoolSettings();

    /// <summary>Leads waiting in a pool: no owner, still open.</summary>
    public static IQueryable<Lead> Waiting(IEntityStore store)
    {
        var open = OpenStatuses;
        return store.QueryAsSystem<Lead>().Where(l => EF.Property<string?>(l, SystemFields.OwnerId) == null && open.Contains(l.Status));
    }

    /// <summary>
    /// The pools a caller sees: the company's, and the pools of the teams their claim (or assign)
    /// depth reaches — their own team's for a rep, the teams below too for a manager, all with
    /// tenant-wide reach.
    /// </summary>
    public static async Task<IQueryable<Lead>> VisibleToAsync(IQueryable<Lead> waiting, IRecordAccess access, AccessDepth depth, CancellationToken ct)
    {
        var within = await access.TeamsWithinAsync(depth == AccessDepth.Own ? AccessDepth.Team : depth, ct);
        if (within is null) return waiting;
        var teams = within.Select(t => t.ToString()).ToList();
        return waiting.Where(l => EF.Property<string?>(l, SystemFields.TeamId) == null || teams.Contains(EF.Property<string?>(l, SystemFields.TeamId)!));
    }

    /// <summary>Sends a lead back to a pool with a reason, in one transaction.</summary>
    public static Task ReturnAsync(IEntityStore store, Guid id, Guid? poolTeam, string reason, DateTime now, CancellationToken cancellationToken,
        long? expectedVersion = null) =>
        store.InTransactionAsync(async () =>
        {
            await store.UpdateAsync<Lead>(id, l =>
            {
                l.ReturnReason = reason;
                l.ReturnedAtUtc = now;
                l.ClaimedAtUtc = null;
            }, expectedVersion, cancellationToken);
            await store.AssignAsync<Lead>(id, null, poolTeam, cancellationToken: cancellationToken);
            return 0;
        }, cancellationToken);
}
