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

namespace SalesKernel.Core.Workflow;

/// <summary>
/// <c>/api/approval-policies</c> (tenant administrators set them at run time) and <c>/api/approvals</c>
/// (the inbox, and approve or reject with a comment).
/// </summary>
internal static class ApprovalApi
{
    public static void MapApprovalApi(this IEndpointRouteBuilder app)
    {
        var policies = app.MapGroup("/api/approval-policies").WithTags("Workflow").RequireAuthorization(TenantPluginApi.TenantAdminPolicy);
        policies.MapGet("/", async (CallerContext caller, KernelDbContext db, CancellationToken ct) =>
            TypedResults.Ok((await db.Set<ApprovalPolicy>().AsNoTracking().Where(p => p.TenantId == caller.TenantId).ToListAsync(ct))
                .Select(p => new ApprovalPolicyBody(p.EntitySet, p.Transition, JsonSerializer.Deserialize<List<ApprovalLevel>>(p.Levels, JsonSerializerOptions.Web))))).WithName("ListApprovalPolicies");
        policies.MapPut("/", SetPolicyAsync).WithName("SetApprovalPolicy")
            .WithSummary("Set the levels a transition's approval takes (empty levels: no approval).").ProducesValidationProblem();

        var approvals = app.MapGroup("/api/approvals").WithTags("Workflow");
        approvals.MapGet("/inbox", async (RecordPipeline pipeline, Approvals service, CancellationToken ct, int? limit = null, string? cursor = null) =>
        {
            await pipeline.PrepareAsync(ct);
            return TypedResults.Ok(await service.InboxAsync(Queries.KernelPaging.Limit(limit), cursor, ct));
        }).WithName("ApprovalInbox").WithSummary("Approvals waiting for the caller's decision, oldest first; page with limit and cursor.");
        approvals.MapPost("/{id:guid}/approve", (Guid id, DecisionRequest? body, Approvals service, CancellationToken ct) => DecideAsync(id, true, body, service, ct))
            .WithName("Approve").ProducesProblem(403).ProducesProblem(404).ProducesProblem(422);
        approvals.MapPost("/{id:guid}/reject", (Guid id, DecisionRequest? body, Approvals service, CancellationToken ct) => DecideAsync(id, false, body, service, ct))
            .WithName("Reject").ProducesProblem(403).ProducesProblem(404).ProducesProblem(422);
    }

    private static async Task<IResult> DecideAsync(Guid id, bool approve, DecisionRequest? body, Approvals service, CancellationToken ct) =>
        TypedResults.Ok(Approvals.Describe(await service.DecideAsync(id, approve, body?.Comment, ct)));

    private static async Task<IResult> SetPolicyAsync(ApprovalPolicyBody body, CallerContext caller, KernelDbContext db, EntitySetRegistry sets, CancellationToken ct)
    {
        var errors = new Dictionary<string, List<string>>();
        var set = body.Entity is null ? null : sets.Find(body.Entity);
        var transition = set?.Definition.StateMachine?.Transitions.FirstOrDefault(t => t.Name == body.Transition);
        if (set is null) FieldValidation.Add(errors, "entity", "must name an entity set");
        else if (transition is null) FieldValidation.Add(errors, "transition", "must name a transition of the set's state machine");
        else if (transition.Approval is null) FieldValidation.Add(errors, "transition", "does not take approval (its plugin does not declare RequiresApproval)");
        var levels = body.Levels ?? [];
        for (var i = 0; i < levels.Count && set is not null; i++)
        {
            var level = levels[i];
            if (level.Approver is null || level.Approver is not ("manager") && !level.Approver.StartsWith("role:", StringComparison.Ordinal)
                && !(level.Approver.StartsWith("user:", StringComparison.Ordinal) && Guid.TryParse(level.Approver[5..], out _)))
                FieldValidation.Add(errors, $"levels[{i}].approver", "must be manager, role:<code> or user:<id>");
            if (level.Condition is not null)
            {
                try
                {
                    var record = System.Linq.Expressions.Expression.Parameter(set.ClrType, "r");
                    FilterTranslator.Translate(FilterParser.Parse(level.Condition), record, n => set.FindField(n), _ => true);
                }
                catch (QueryException e)
                {
                    FieldValidation.Add(errors, $"levels[{i}].condition", e.Message);
                }
            }
        }
        if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        var policy = await db.Set<ApprovalPolicy>().FirstOrDefaultAsync(p => p.TenantId == caller.TenantId && p.EntitySet == body.Entity && p.Transition == body.Transition, ct);
        if (policy is null) db.Add(policy = new ApprovalPolicy { Id = Guid.CreateVersion7(), TenantId = caller.TenantId!.Value, EntitySet = body.Entity!, Transition = body.Transition! });
        policy.Levels = JsonSerializer.Serialize(levels, JsonSerializerOptions.Web);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}

public sealed record ApprovalPolicyBody(string? Entity, string? Transition, List<ApprovalLevel>? Levels);
public sealed record DecisionRequest(string? Comment);
