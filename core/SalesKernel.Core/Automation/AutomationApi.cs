using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Queries;
using SalesKernel.Core.Records;
using SalesKernel.Core.Security;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Automation;

/// <summary><c>/api/automation-rules</c> (tenant administrators): rules set at run time, and each rule's runs.</summary>
internal static class AutomationApi
{
    private static readonly string[] ActionTypes = ["set", "assign", "create", "transition", "webhook"];

    public static void MapAutomationApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/automation-rules").WithTags("Workflow").RequireAuthorization(TenantPluginApi.TenantAdminPolicy);
        group.MapGet("/", async (CallerContext caller, KernelDbContext db, CancellationToken ct) =>
            TypedResults.Ok((await db.Set<AutomationRule>().AsNoTracking().Where(r => r.TenantId == caller.TenantId && r.IsActive).OrderBy(r => r.CreatedAtUtc).ToListAsync(ct))
                .Select(Describe))).WithName("ListAutomationRules");
        group.MapPost("/", CreateAsync).WithName("CreateAutomationRule")
            .WithSummary("Add a rule: trigger (created, updated, transitioned:<name>, schedule:<cron>), condition (list-query filter), actions (set, assign, create, transition, webhook).")
            .Produces<RuleResponse>(201).ProducesValidationProblem();
        group.MapDelete("/{id:guid}", async (Guid id, CallerContext caller, KernelDbContext db, CancellationToken ct) =>
            await db.Set<AutomationRule>().Where(r => r.Id == id && r.TenantId == caller.TenantId && r.IsActive)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.IsActive, false), ct) == 0
                ? Results.Problem(statusCode: 404, title: "Rule not found", detail: $"There is no active rule with id {id}.")
                : Results.NoContent()).WithName("DeleteAutomationRule");
        group.MapGet("/{id:guid}/runs", async (Guid id, CallerContext caller, KernelDbContext db, CancellationToken ct) =>
            TypedResults.Ok(await db.Set<AutomationRun>().AsNoTracking().Where(r => r.RuleId == id && r.TenantId == caller.TenantId)
                .OrderByDescending(r => r.Id).Take(200)
                .Select(r => new RunResponse(r.EventId, r.RecordId, r.AtUtc, r.Status, r.Error)).ToListAsync(ct)))
            .WithName("ListAutomationRuns").WithSummary("The rule's runs, newest first, with failures and their errors.");
    }

    private static async Task<IResult> CreateAsync(RuleRequest request, CallerContext caller, KernelDbContext db, EntitySetRegistry sets, CancellationToken ct)
    {
        var errors = new Dictionary<string, List<string>>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200) FieldValidation.Add(errors, "name", "is required (at most 200 characters)");
        var set = request.Entity is null ? null : sets.Find(request.Entity);
        if (set is null) FieldValidation.Add(errors, "entity", "must name an entity set");
        var trigger = request.Trigger ?? "";
        DateTime? nextRun = null;
        if (trigger.StartsWith("schedule:", StringComparison.Ordinal))
        {
            try { nextRun = Jobs.Schedule.Next(trigger["schedule:".Length..], DateTime.UtcNow); }
            catch (ArgumentException e) { FieldValidation.Add(errors, "trigger", e.Message); }
        }
        else if (trigger is not ("created" or "updated"))
        {
            var name = trigger.StartsWith("transitioned:", StringComparison.Ordinal) ? trigger["transitioned:".Length..] : null;
            if (name is null || set?.Definition.StateMachine?.Transitions.Any(t => t.Name == name) != true)
                FieldValidation.Add(errors, "trigger", "must be created, updated, transitioned:<a transition of the set> or schedule:<cron>");
        }
        if (set is not null && request.Condition is not null)
        {
            try { FilterTranslator.Translate(FilterParser.Parse(request.Condition), System.Linq.Expressions.Expression.Parameter(set.ClrType, "r"), set.FindField, _ => true); }
            catch (QueryException e) { FieldValidation.Add(errors, "condition", e.Message); }
        }
        if (request.Actions is not { ValueKind: JsonValueKind.Array } actions || actions.GetArrayLength() == 0)
            FieldValidation.Add(errors, "actions", "must be a list of at least one action");
        else
        {
            var i = 0;
            foreach (var action in actions.EnumerateArray())
            {
                var type = action.ValueKind == JsonValueKind.Object && action.TryGetProperty("type", out var t) ? t.GetString() : null;
                var needs = type switch { "set" or "create" => "fields", "assign" => "team", "transition" => "name", "webhook" => "webhook", _ => null };
                if (type is null || !ActionTypes.Contains(type)) FieldValidation.Add(errors, $"actions[{i}].type", $"must be one of: {string.Join(", ", ActionTypes)}");
                else if (!action.TryGetProperty(needs!, out _)) FieldValidation.Add(errors, $"actions[{i}].{needs}", "is required");
                else if (type == "create" && (!action.TryGetProperty("entity", out var e) || sets.Find(e.GetString() ?? "") is null))
                    FieldValidation.Add(errors, $"actions[{i}].entity", "must name an entity set");
                else if (type == "assign" && set is { Definition.IsOwned: false }) FieldValidation.Add(errors, $"actions[{i}].type", "assign needs an owned entity set");
                i++;
            }
        }
        if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));

        var rule = new AutomationRule
        {
            Id = Guid.CreateVersion7(), TenantId = caller.TenantId!.Value, Name = request.Name!.Trim(), EntitySet = set!.FullName, Trigger = trigger,
            Condition = string.IsNullOrWhiteSpace(request.Condition) ? null : request.Condition, Actions = request.Actions!.Value.GetRawText(), CreatedAtUtc = DateTime.UtcNow,
            NextRunAtUtc = nextRun,
        };
        db.Add(rule);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/automation-rules/{rule.Id}", Describe(rule));
    }

    private static RuleResponse Describe(AutomationRule r) =>
        new(r.Id, r.Name, r.EntitySet, r.Trigger, r.Condition, JsonSerializer.Deserialize<JsonElement>(r.Actions));
}

public sealed record RuleRequest(string? Name, string? Entity, string? Trigger, string? Condition, JsonElement? Actions);
public sealed record RuleResponse(Guid Id, string Name, string Entity, string Trigger, string? Condition, JsonElement Actions);
public sealed record RunResponse(long EventId, Guid RecordId, DateTime AtUtc, string Status, string? Error);
