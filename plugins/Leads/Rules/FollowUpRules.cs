using Microsoft.EntityFrameworkCore;
using SalesKernel.Plugins.Leads.Entities;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Leads.Rules;

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
