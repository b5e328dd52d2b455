using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using SalesKernel.Core.Records;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Workflow;

/// <summary>Runs a state machine's transitions through the write pipeline and tells which are available.</summary>
public sealed class Transitions(RecordPipeline pipeline, Approvals approvals, TimeProvider clock)
{
    public const int MaxCommentLength = 2000;

    public static string StateName(object? state) => state?.ToString() ?? "";

    /// <summary>Runs a transition: privilege over the record, start state, comment, guards; then the change, audited and in the history.</summary>
    public async Task<(EntityEntry Entry, ApprovalRequest? Approval)> RunAsync(EntitySetDescriptor set, Guid id, string name, string? comment, long? expectedVersion,
        CancellationToken ct, System.Text.Json.JsonElement? input = null)
    {
        var machine = set.Definition.StateMachine ?? throw new RecordNotFoundException(set.FullName, id);
        var transition = machine.Transitions.FirstOrDefault(t => t.Name == name)
            ?? throw new TransitionNotFoundException($"{set.FullName} has no transition '{name}'; it has: {string.Join(", ", machine.Transitions.Select(t => t.Name))}.");
        await pipeline.PrepareAsync(ct);
        // the comment and the input are checked like a write's body: every error in one 400
        var errors = new Dictionary<string, List<string>>();
        if (comment?.Length > MaxCommentLength) Records.FieldValidation.Add(errors, "comment", $"must be at most {MaxCommentLength} characters");
        comment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
        if (transition.RequiresComment && comment is null) Records.FieldValidation.Add(errors, "comment", $"is required to {name}");
        var value = await TransitionInput.ReadAsync(transition, input, pipeline, errors, ct);
        if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        var inputJson = TransitionInput.Serialize(value);

        // an approval policy whose levels apply sends the record to the pending state instead
        List<ApprovalStep> steps = [];
        if (transition.Approval is not null)
        {
            await pipeline.PrepareAsync(ct);
            await pipeline.FindReadableAsync(set, id, ct);
            steps = await approvals.StepsAsync(set, id, transition, ct);
            pipeline.Db.ChangeTracker.Clear();
        }
        ApprovalRequest? approval = null;

        var result = await pipeline.TransitionAsync(set, id, transition.Privilege, expectedVersion, entry =>
        {
            var from = entry.Property(machine.PropertyName).CurrentValue!;
            if (!transition.From.Contains(from))
                throw new RuleViolationException("kernel.transition-from",
                    $"'{name}' starts from {string.Join(" or ", transition.From.Select(StateName))}; the record is {StateName(from)}.");
            if (transition.Guards.FirstOrDefault(g => !g.Holds(entry.Entity)) is { } failed)
                throw new RuleViolationException(failed.Rule, failed.Reason);

            var to = steps.Count > 0 ? transition.Approval!.Pending : transition.To;
            entry.Property(machine.PropertyName).CurrentValue = to;
            if (steps.Count == 0)
            {
                var run = new TransitionRun(name, from, to, comment, pipeline.Db.Caller.UserId) { Input = value, AtUtc = clock.GetUtcNow().UtcDateTime };
                foreach (var effect in transition.Effects) effect(entry.Entity, run);
            }
            else
            {
                approval = new ApprovalRequest
                {
                    Id = Guid.CreateVersion7(), TenantId = pipeline.Db.Caller.TenantId!.Value, EntitySet = set.FullName, RecordId = id,
                    Transition = name, RequestedBy = pipeline.Db.Caller.UserId, Comment = comment, Input = inputJson,
                    Steps = System.Text.Json.JsonSerializer.Serialize(steps, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)),
                    CurrentApprovers = string.Join(',', steps[0].ApproverIds), CreatedAtUtc = clock.GetUtcNow().UtcDateTime,
                };
                pipeline.Db.Add(approval);
            }
            entry.DetectChanges();
            pipeline.Db.Add(new TransitionRecord
            {
                TenantId = pipeline.Db.Caller.TenantId!.Value, EntitySet = set.FullName, RecordId = id,
                Transition = steps.Count > 0 ? $"{name}:requested" : name,
                FromState = StateName(from), ToState = StateName(to), Comment = comment, Input = inputJson,
                UserId = pipeline.Db.Caller.UserId, AtUtc = clock.GetUtcNow().UtcDateTime,
            });
        }, ct, name: steps.Count > 0 ? $"{name}:requested" : name);
        return (result, approval);
    }

    /// <summary>Every transition of the record's set, and for each why the caller cannot run it now (empty when they can).</summary>
    public async Task<IReadOnlyList<TransitionAvailability>> AvailableAsync(EntitySetDescriptor set, Guid id, CancellationToken ct)
    {
        var machine = set.Definition.StateMachine ?? throw new RecordNotFoundException(set.FullName, id);
        await pipeline.PrepareAsync(ct);
        var entry = await pipeline.FindReadableAsync(set, id, ct);
        var state = entry.Property(machine.PropertyName).CurrentValue;
        var owner = set.Definition.IsOwned ? entry.Property(SystemFields.OwnerId).CurrentValue as string : null;
        var team = set.Definition.IsOwned ? entry.Property(SystemFields.TeamId).CurrentValue as string : null;
        var result = new List<TransitionAvailability>();
        foreach (var transition in machine.Transitions)
        {
            var reasons = new List<string>();
            if (!transition.From.Contains(state!))
                reasons.Add($"It starts from {string.Join(" or ", transition.From.Select(StateName))}; the record is {StateName(state)}.");
            if (!await pipeline.Access.ReachesAsync(set, pipeline.Access.Depth(set, transition.Privilege), id, owner, team, ct, transition.Privilege))
                reasons.Add($"You lack the '{transition.Privilege}' privilege over this record.");
            reasons.AddRange(transition.Guards.Where(g => !g.Holds(entry.Entity)).Select(g => g.Reason));
            result.Add(new TransitionAvailability(transition.Name, StateName(transition.To), reasons.Count == 0, transition.RequiresComment, reasons)
            {
                Input = TransitionInput.Fields(transition).Select(f => Metadata.MetadataApi.Describe(f)).ToList(),
            });
        }
        pipeline.Db.ChangeTracker.Clear();
        return result;
    }

    public async Task<IReadOnlyList<TransitionHistoryItem>> HistoryAsync(EntitySetDescriptor set, Guid id, CancellationToken ct)
    {
        await pipeline.PrepareAsync(ct);
        await pipeline.FindReadableAsync(set, id, ct);
        var tenant = pipeline.Db.Caller.TenantId;
        var rows = await pipeline.Db.Set<TransitionRecord>().AsNoTracking()
            .Where(t => t.TenantId == tenant && t.EntitySet == set.FullName && t.RecordId == id)
            .OrderBy(t => t.Id)
            .Select(t => new { t.Transition, t.FromState, t.ToState, t.Comment, t.Input, t.UserId, t.AtUtc })
            .ToListAsync(ct);
        return rows.Select(t => new TransitionHistoryItem(t.Transition, t.FromState, t.ToState, t.Comment, t.UserId, t.AtUtc)
        {
            Input = t.Input is null ? null : System.Text.Json.JsonDocument.Parse(t.Input).RootElement.Clone(),
        }).ToList();
    }
}

public sealed record TransitionAvailability(string Name, string To, bool Available, bool RequiresComment, IReadOnlyList<string> Reasons)
{
    /// <summary>The fields of the transition's input (empty when it takes none).</summary>
    public IReadOnlyList<Metadata.FieldMetadata> Input { get; init; } = [];
}

public sealed record TransitionHistoryItem(string Transition, string From, string To, string? Comment, string? UserId, DateTime AtUtc)
{
    /// <summary>The input the transition was run with, if it takes one.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public System.Text.Json.JsonElement? Input { get; init; }
}

/// <summary>The body of <c>POST …/{id}/transitions/{name}</c>.</summary>
/// <param name="Comment">Why; required by some transitions.</param>
/// <param name="Input">The transition's input object, when it declares one.</param>
public sealed record TransitionRequest(string? Comment, System.Text.Json.JsonElement? Input = null);

/// <summary>No transition of that name: answered 404.</summary>
public sealed class TransitionNotFoundException(string message) : Exception(message);
