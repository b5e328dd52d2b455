using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SalesKernel.Core.Outbox;
using SalesKernel.Core.Queries;
using SalesKernel.Core.Records;
using SalesKernel.Core.Workflow;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Automation;

/// <summary>
/// Runs the tenant's automation rules for a committed write (from the outbox, after commit). A rule's
/// actions run together in one transaction, as the system; each run is recorded with its outcome.
/// Writes a rule makes carry one more link of the chain; past <see cref="MaxChain"/> links rules stop,
/// so rules cannot trigger each other forever.
/// </summary>
public sealed class AutomationRunner(RecordPipeline pipeline, EntitySetRegistry sets, Transitions transitions, ILogger<AutomationRunner> logger)
{
    public const int MaxChain = 5;

    public async Task RunAsync(OutboxMessage message, CancellationToken ct)
    {
        var db = pipeline.Db;
        var operation = message.Operation;
        var rules = await db.Set<AutomationRule>().AsNoTracking()
            .Where(r => r.TenantId == message.TenantId && r.EntitySet == message.EntitySet && r.IsActive)
            .OrderBy(r => r.CreatedAtUtc).ToListAsync(ct);
        rules = rules.Where(r => r.Trigger switch
        {
            "created" => operation == nameof(WriteOperation.Create),
            "updated" => operation == nameof(WriteOperation.Update),
            _ => r.Trigger.StartsWith("transitioned:", StringComparison.Ordinal) && message.Transition == r.Trigger["transitioned:".Length..],
        }).ToList();
        if (rules.Count == 0 || sets.Find(message.EntitySet) is not { } set) return;
        await pipeline.PrepareAsync(ct);

        // conditions are judged on the record as the event left it, before any rule acts on it
        var met = new Dictionary<Guid, bool>();
        foreach (var rule in rules)
            met[rule.Id] = rule.Condition is null || await RecordConditions.MeetsAsync(pipeline, set, message.RecordId, rule.Condition, ct);

        foreach (var rule in rules)
        {
            if (await db.Set<AutomationRun>().AnyAsync(r => r.RuleId == rule.Id && r.EventId == message.Id, ct)) continue; // delivered twice: ran already
            var run = new AutomationRun { TenantId = rule.TenantId, RuleId = rule.Id, EventId = message.Id, RecordId = message.RecordId, AtUtc = DateTime.UtcNow };
            if (message.ChainDepth >= MaxChain)
            {
                run.Status = "Stopped";
                run.Error = $"Rules have triggered each other {MaxChain} times in a row; the chain was stopped here.";
            }
            else if (!met[rule.Id])
                run.Status = "NotMet";
            else
            {
                try
                {
                    await pipeline.AsSystemAsync(message.ChainDepth + 1, () => ExecuteAsync(rule, set, message.RecordId, message.Id, ct), ct);
                    run.Status = "Succeeded";
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    var inner = e is System.Reflection.TargetInvocationException { InnerException: { } x } ? x : e;
                    run.Status = "Failed";
                    var text = $"{inner.GetType().Name}: {inner.Message}";
                    run.Error = text.Length > 2000 ? text[..2000] : text;
                    logger.LogWarning("Automation rule {Rule} failed on {Set} {Record}: {Error}", rule.Id, set.FullName, message.RecordId, run.Error);
                }
            }
            db.ChangeTracker.Clear();
            db.Add(run);
            await db.SaveChangesAsync(ct);
        }
    }

    /// <summary>
    /// A scheduled rule's run: every record of the set meeting the condition (at most
    /// <see cref="MaxScheduledRecords"/>), each in its own transaction and its own run record.
    /// </summary>
    public async Task RunScheduledAsync(AutomationRule rule, DateTime scheduledAtUtc, CancellationToken ct)
    {
        if (sets.Find(rule.EntitySet) is not { } set) return;
        await pipeline.PrepareAsync(ct);
        var ids = await RecordConditions.MatchingAsync(pipeline, set, rule.Condition, MaxScheduledRecords, ct);
        var eventId = -new DateTimeOffset(DateTime.SpecifyKind(scheduledAtUtc, DateTimeKind.Utc)).ToUnixTimeSeconds();
        foreach (var id in ids)
        {
            var run = new AutomationRun { TenantId = rule.TenantId, RuleId = rule.Id, EventId = eventId, RecordId = id, AtUtc = DateTime.UtcNow };
            try
            {
                await pipeline.AsSystemAsync(1, () => ExecuteAsync(rule, set, id, eventId, ct), ct);
                run.Status = "Succeeded";
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                var inner = e is System.Reflection.TargetInvocationException { InnerException: { } x } ? x : e;
                run.Status = "Failed";
                var text = $"{inner.GetType().Name}: {inner.Message}";
                run.Error = text.Length > 2000 ? text[..2000] : text;
            }
            pipeline.Db.ChangeTracker.Clear();
            pipeline.Db.Add(run);
            try { await pipeline.Db.SaveChangesAsync(ct); }
            catch (DbUpdateException) { pipeline.Db.ChangeTracker.Clear(); } // this occurrence ran already on another host
        }
    }

    public const int MaxScheduledRecords = 1000;

    private async Task ExecuteAsync(AutomationRule rule, EntitySetDescriptor set, Guid id, long eventId, CancellationToken ct)
    {
        using var actions = JsonDocument.Parse(rule.Actions);
        foreach (var action in actions.RootElement.EnumerateArray())
        {
            switch (action.GetProperty("type").GetString())
            {
                case "set":
                    var fields = pipeline.FieldsOf(set);
                    var errors = new Dictionary<string, List<string>>();
                    var values = RecordReader.Read(action.GetProperty("fields"), fields, isCreate: false, errors);
                    if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
                    await pipeline.UpdateAsync(set, id, null, entry => { foreach (var (f, v) in values.Fields) RecordValues.Set(entry, f, v); }, ct);
                    break;
                case "assign":
                    var team = action.GetProperty("team").GetGuid();
                    var members = await pipeline.Db.Users.AsNoTracking()
                        .Where(u => u.TenantId == rule.TenantId && u.TeamId == team && u.IsActive).Select(u => u.Id).ToListAsync(ct);
                    if (members.Count == 0) throw new RuleViolationException("automation.empty-team", "The team has no active member to assign to.");
                    members.Sort();
                    var tracked = await pipeline.Db.Set<AutomationRule>().FirstAsync(r => r.Id == rule.Id, ct);
                    var next = members.FirstOrDefault(m => tracked.LastAssigneeId is { } last && m.CompareTo(last) > 0);
                    if (next == Guid.Empty) next = members[0];
                    tracked.LastAssigneeId = next;
                    await pipeline.AssignAsync(set, id, next.ToString(), team.ToString(), null, ct);
                    break;
                case "create":
                    var target = sets.Find(action.GetProperty("entity").GetString() ?? "")
                        ?? throw new RuleViolationException("automation.unknown-entity", $"No entity set {action.GetProperty("entity").GetString()}.");
                    var json = action.GetProperty("fields").GetRawText().Replace("{{id}}", id.ToString());
                    using (var body = JsonDocument.Parse(json))
                    {
                        var createErrors = new Dictionary<string, List<string>>();
                        var created = RecordReader.Read(body.RootElement, pipeline.FieldsOf(target), isCreate: true, createErrors);
                        if (createErrors.Count > 0) throw new RecordValidationException(createErrors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
                        var (entity, others) = RecordReader.NewEntity(target.ClrType, created);
                        await pipeline.CreateAsync(target, entity, others, ct);
                    }
                    break;
                case "webhook":
                    var hookId = action.GetProperty("webhook").GetGuid();
                    var hook = await pipeline.Db.Set<Webhooks.WebhookSubscription>().AsNoTracking()
                        .FirstOrDefaultAsync(w => w.Id == hookId && w.TenantId == rule.TenantId && w.IsActive, ct)
                        ?? throw new RuleViolationException("automation.unknown-webhook", $"No active webhook {hookId}.");
                    // queued in the rule's transaction; the webhook sender signs, sends and retries it
                    pipeline.Db.Add(new Webhooks.WebhookDelivery
                    {
                        TenantId = rule.TenantId, WebhookId = hook.Id, EventId = eventId, Source = $"rule:{rule.Id}:{id}", Url = hook.Url,
                        Payload = JsonSerializer.Serialize(new { rule = rule.Name, ruleId = rule.Id, entitySet = set.FullName, recordId = id, sequence = eventId }),
                        NextAttemptAtUtc = DateTime.UtcNow, CreatedAtUtc = DateTime.UtcNow,
                    });
                    await pipeline.Db.SaveChangesAsync(ct);
                    break;
                case "transition":
                    await transitions.RunAsync(set, id, action.GetProperty("name").GetString() ?? "", action.TryGetProperty("comment", out var c) ? c.GetString() : null, null, ct,
                        action.TryGetProperty("input", out var input) ? input : null);
                    break;
                default:
                    throw new RuleViolationException("automation.unknown-action", $"Unknown action '{action.GetProperty("type").GetString()}'.");
            }
        }
    }
}
