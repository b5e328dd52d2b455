using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Queries;
using SalesKernel.Core.Records;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Workflow;

/// <summary>Approval of transitions: which levels a record needs, who approves each, and the decisions.</summary>
public sealed class Approvals(RecordPipeline pipeline, EntitySetRegistry sets, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The levels of the tenant's policy that apply to the record now, with their approvers resolved.</summary>
    internal async Task<List<ApprovalStep>> StepsAsync(EntitySetDescriptor set, Guid id, TransitionDefinition transition, CancellationToken ct)
    {
        var tenant = pipeline.Db.Caller.TenantId;
        var policy = await pipeline.Db.Set<ApprovalPolicy>().AsNoTracking()
            .FirstOrDefaultAsync(p => p.TenantId == tenant && p.EntitySet == set.FullName && p.Transition == transition.Name, ct);
        if (policy is null) return [];
        var steps = new List<ApprovalStep>();
        var levels = JsonSerializer.Deserialize<List<ApprovalLevel>>(policy.Levels, Json) ?? [];
        for (var i = 0; i < levels.Count; i++)
        {
            var level = levels[i];
            if (level.Condition is not null && !await RecordConditions.MeetsAsync(pipeline, set, id, level.Condition, ct)) continue;
            // nobody approves their own request
            var approvers = (await ApproversAsync(set, id, level.Approver, ct)).Where(a => a != pipeline.Db.Caller.UserId).ToList();
            if (approvers.Count == 0)
                throw new RuleViolationException("kernel.no-approver", $"Approval level {i + 1} ({level.Approver}) has nobody to approve it.");
            steps.Add(new ApprovalStep(level.Approver, level.Condition, approvers));
        }
        return steps;
    }

    private async Task<List<string>> ApproversAsync(EntitySetDescriptor set, Guid id, string approver, CancellationToken ct)
    {
        var db = pipeline.Db;
        var tenant = db.Caller.TenantId;
        if (approver == "manager")
        {
            var entry = await pipeline.FindReadableAsync(set, id, ct);
            var team = set.Definition.IsOwned ? entry.Property(SystemFields.TeamId).CurrentValue as string : null;
            if (!Guid.TryParse(team, out var teamId)) return [];
            var manager = await db.Teams.AsNoTracking().Where(t => t.Id == teamId && t.TenantId == tenant).Select(t => t.ManagerUserId).FirstOrDefaultAsync(ct);
            return manager is { } m ? [m.ToString()] : [];
        }
        if (approver.StartsWith("role:", StringComparison.Ordinal))
        {
            var code = approver[5..];
            var ids = await db.UserRoles.AsNoTracking()
                .Join(db.Roles.Where(r => r.TenantId == tenant && r.Code == code), ur => ur.RoleId, r => r.Id, (ur, r) => ur.UserId)
                .Join(db.Users.Where(u => u.IsActive), userId => userId, u => u.Id, (userId, u) => u.Id)
                .ToListAsync(ct);
            return ids.Select(i => i.ToString()).ToList(); // formatted here: SQL would not format a GUID the same way on every database
        }
        if (approver.StartsWith("user:", StringComparison.Ordinal) && Guid.TryParse(approver[5..], out var user)
            && await db.Users.AnyAsync(u => u.Id == user && u.TenantId == tenant && u.IsActive, ct))
            return [user.ToString()];
        return [];
    }

    /// <summary>An approver's decision on the current level; the last approval completes the transition, a rejection sends the record back.</summary>
    public async Task<ApprovalRequest> DecideAsync(Guid id, bool approve, string? comment, CancellationToken ct)
    {
        await pipeline.PrepareAsync(ct);
        var db = pipeline.Db;
        var request = await db.Set<ApprovalRequest>().FirstOrDefaultAsync(a => a.Id == id && a.TenantId == db.Caller.TenantId, ct)
            ?? throw new ApprovalNotFoundException(id);
        request.Revision++;
        if (request.Status != "Pending") throw new RuleViolationException("kernel.approval-decided", $"This approval was {request.Status.ToLowerInvariant()} already.");
        var me = db.Caller.UserId ?? "";
        if (!request.CurrentApprovers.Split(',').Contains(me))
            throw new AccessDeniedException("You are not an approver of this level.");
        var set = sets.Find(request.EntitySet) ?? throw new ApprovalNotFoundException(id);
        var transition = set.Definition.StateMachine!.Transitions.First(t => t.Name == request.Transition);
        var steps = JsonSerializer.Deserialize<List<ApprovalStep>>(request.Steps, Json)!;
        steps[request.CurrentLevel] = steps[request.CurrentLevel] with
        {
            Decision = approve ? "Approved" : "Rejected", DecidedBy = me, Comment = comment, AtUtc = clock.GetUtcNow().UtcDateTime,
        };
        request.Steps = JsonSerializer.Serialize(steps, Json);
        var last = request.CurrentLevel == steps.Count - 1;
        if (approve && !last)
        {
            request.CurrentLevel++;
            request.CurrentApprovers = string.Join(',', steps[request.CurrentLevel].ApproverIds);
            await db.SaveChangesAsync(ct);
            return request;
        }

        request.Status = approve ? "Approved" : "Rejected";
        request.DecidedAtUtc = clock.GetUtcNow().UtcDateTime;
        request.CurrentApprovers = "";
        var machine = set.Definition.StateMachine!;
        // the decision acts for the system: the approver need not hold the transition's privilege over the record
        await pipeline.TransitionAsync(set, request.RecordId, transition.Privilege, null, entry =>
        {
            var from = entry.Property(machine.PropertyName).CurrentValue!;
            if (!Equals(from, transition.Approval!.Pending))
                throw new RuleViolationException("kernel.approval-stale", $"The record is {Transitions.StateName(from)}, no longer waiting for this approval.");
            if (approve && transition.Guards.FirstOrDefault(g => !g.Holds(entry.Entity)) is { } failed)
                throw new RuleViolationException(failed.Rule, failed.Reason); // the record may have changed while it waited
            var to = approve ? transition.To : transition.Approval!.RejectedTo;
            entry.Property(machine.PropertyName).CurrentValue = to;
            if (approve)
            {
                var run = new TransitionRun(transition.Name, from, to, request.Comment, request.RequestedBy)
                {
                    Input = TransitionInput.Deserialize(transition, request.Input), AtUtc = clock.GetUtcNow().UtcDateTime,
                };
                foreach (var effect in transition.Effects) effect(entry.Entity, run);
            }
            entry.DetectChanges();
            db.Add(new TransitionRecord
            {
                TenantId = request.TenantId, EntitySet = set.FullName, RecordId = request.RecordId,
                Transition = $"{transition.Name}:{(approve ? "approved" : "rejected")}",
                FromState = Transitions.StateName(from), ToState = Transitions.StateName(to), Comment = comment, UserId = me, AtUtc = clock.GetUtcNow().UtcDateTime,
            });
        }, ct, asSystem: true, name: $"{transition.Name}:{(approve ? "approved" : "rejected")}");
        return request;
    }

    public async Task<Sdk.Entities.CursorPage<ApprovalResponse>> InboxAsync(int limit, string? cursor, CancellationToken ct)
    {
        var db = pipeline.Db;
        var me = db.Caller.UserId ?? "-";
        var query = db.Set<ApprovalRequest>().AsNoTracking()
            .Where(a => a.TenantId == db.Caller.TenantId && a.Status == "Pending" && ("," + a.CurrentApprovers + ",").Contains("," + me + ","));
        // ids are version 7 GUIDs: in id order is in the order they were asked for
        if (Queries.KernelPaging.After(cursor, out Guid after)) query = query.Where(a => a.Id.CompareTo(after) > 0);
        var rows = await query.OrderBy(a => a.Id).Take(limit + 1).ToListAsync(ct);
        return Queries.KernelPaging.Page(rows, limit, a => a.Id, Describe);
    }

    public static ApprovalResponse Describe(ApprovalRequest a) => new(a.Id, a.EntitySet, a.RecordId, a.Transition, a.Status, a.CurrentLevel,
        a.RequestedBy, a.Comment, JsonSerializer.Deserialize<List<ApprovalStep>>(a.Steps, Json)!, a.CreatedAtUtc, a.DecidedAtUtc);
}

public sealed record ApprovalResponse(Guid Id, string EntitySet, Guid RecordId, string Transition, string Status, int CurrentLevel,
    string? RequestedBy, string? Comment, IReadOnlyList<ApprovalStep> Steps, DateTime CreatedAtUtc, DateTime? DecidedAtUtc);

public sealed class ApprovalNotFoundException(Guid id) : Exception($"There is no approval with id {id}.");
