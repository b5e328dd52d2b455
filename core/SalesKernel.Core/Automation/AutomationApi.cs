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
        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, CallerContext caller, KernelDbContext db, CancellationToken ct) =>
                await db.Set<AutomationRule>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == id && r.TenantId == caller.TenantId && r.IsActive, ct) is { } rule
                    ? TypedResults.Ok(Describe(rule))
                    : TypedResults.Problem(statusCode: 404, title: "Rule not found", detail: $"There is no active rule with id {id}."))
            .WithName("GetAutomationRule").Produces<RuleResponse>().ProducesProblem(404);
        group.MapPost("/", CreateAsync).WithName("CreateAutomationRule")
            .WithSummary("Add a rule: trigger (created, updated, transitioned:<name>, schedule:<cron>), condition (list-query filter), actions (set, assign, create, transition, webhook).")
            .Produces<RuleResponse>(201).ProducesValidationProblem();
        group.MapDelete("/{id:guid}", async (Guid id, CallerContext caller, KernelDbContext db, CancellationToken ct) =>
            await db.Set<AutomationRule>().Where(r => r.Id == id && r.TenantId == caller.TenantId && r.IsActive)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.IsActive, false), ct) == 0
                ? Results.Problem(statusCode: 404, title: "Rule not found", detail: $"There is no active rule with id {id}.")
                : Results.NoContent()).WithName("DeleteAutomationRule");
        group.MapGet("/{id:guid}/runs", async (Guid id, CallerContext caller, KernelDbContext db, CancellationToken ct, int? limit = null, string? cursor = null) =>
            {
                var take = KernelPaging.Limit(limit);
                var query = db.Set<AutomationRun>().AsNoTracking().Where(r => r.RuleId == id && r.TenantId == caller.TenantId);
                if (KernelPaging.After(cursor, out long before)) query = query.Where(r => r.Id < before);
                var rows = await query.OrderByDescending(r => r.Id).Take(take + 1).ToListAsync(ct);
                return TypedResults.Ok(KernelPaging.Page(rows, take, r => r.Id, r => new RunResponse(r.EventId, r.RecordId, r.AtUtc, r.Status, r.Error)));
            })
            .WithName("ListAutomationRuns").WithSummary("The rule's runs, newest first, with failures and their errors; page with limit and cursor.");
    }

    private static async Task<IResult> CreateAsync(RuleRequest request, CallerContext caller, KernelDbContext db, EntitySetRegistry sets,
        Sdk.ITenantCalendar calendar, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, List<string>>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200) FieldValidation.Add(errors, "name", "is required (at most 200 characters)");
        var set = request.Entity is null ? null : sets.Find(request.Entity);
        if (set is null) FieldValidation.Add(errors, "entity", "must name an entity set");
        var trigger = request.Trigger ?? "";
        DateTime? nextRun = null;
        if (trigger.StartsWith("schedule:", StringComparison.Ordinal))
        {
            try { nextRun = Jobs.Schedule.Next(trigger["schedule:".Length..], clock.GetUtcNow().UtcDateTime, await calendar.TimeZoneAsync(ct)); }
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
                // every value the runner reads later is checked now, with its type: a rule that is stored runs
                var type = action.ValueKind == JsonValueKind.Object && action.TryGetProperty("type", out var t) ? Text(t) : null;
                var needs = type switch { "set" or "create" => "fields", "assign" => "team", "transition" => "name", "webhook" => "webhook", _ => null };
                if (type is null || !ActionTypes.Contains(type)) FieldValidation.Add(errors, $"actions[{i}].type", $"must be one of: {string.Join(", ", ActionTypes)}");
                else if (!action.TryGetProperty(needs!, out var needed)) FieldValidation.Add(errors, $"actions[{i}].{needs}", "is required");
                else if (needs == "fields" && needed.ValueKind != JsonValueKind.Object) FieldValidation.Add(errors, $"actions[{i}].fields", "must be an object of field values");
                else if (needs is "team" or "webhook" && (Text(needed) is not { } guid || !Guid.TryParse(guid, out _)))
                    FieldValidation.Add(errors, $"actions[{i}].{needs}", "must be an id (GUID)");
                else if (type == "transition" && (Text(needed) is not { } transition || set?.Definition.StateMachine?.Transitions.Any(x => x.Name == transition) != true))
                    FieldValidation.Add(errors, $"actions[{i}].name", "must name a transition of the entity set");
                else if (type == "transition" && action.TryGetProperty("comment", out var comment) && comment.ValueKind != JsonValueKind.Null && Text(comment) is null)
                    FieldValidation.Add(errors, $"actions[{i}].comment", "must be a string");
                else if (type == "create" && (!action.TryGetProperty("entity", out var e) || sets.Find(Text(e) ?? "") is null))
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

    /// <summary>A JSON string that is readable text without NUL; null for anything else.</summary>
    private static string? Text(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && Records.FieldValueReader.IsReadableText(value) && value.GetString() is { } text && !text.Contains('\0') ? text : null;

    private static RuleResponse Describe(AutomationRule r) =>
        new(r.Id, r.Name, r.EntitySet, r.Trigger, r.Condition, JsonSerializer.Deserialize<JsonElement>(r.Actions));
}

public sealed record RuleRequest(string? Name, string? Entity, string? Trigger, string? Condition, JsonElement? Actions);
public sealed record RuleResponse(Guid Id, string Name, string Entity, string Trigger, string? Condition, JsonElement Actions);
public sealed record RunResponse(long EventId, Guid RecordId, DateTime AtUtc, string Status, string? Error);
