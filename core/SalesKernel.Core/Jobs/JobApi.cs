using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Security;
using SalesKernel.Core.Tenancy;

namespace SalesKernel.Core.Jobs;

/// <summary><c>/api/jobs</c>: the declared jobs with their schedules, and their run history (a tenant administrator sees their tenant's runs).</summary>
internal static class JobApi
{
    public static void MapJobApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/jobs").WithTags("Jobs");
        group.MapGet("/", async (PluginCatalog catalog, KernelDbContext db, CancellationToken ct) =>
        {
            var schedules = await db.Set<JobSchedule>().AsNoTracking().ToDictionaryAsync(j => j.Job, ct);
            return TypedResults.Ok(catalog.Loaded.Where(p => p.Registration is not null).SelectMany(p => p.Registration!.Jobs).Select(j =>
                new JobResponse(j.FullName, j.Cron, j.Scope.ToString(), schedules.GetValueOrDefault(j.FullName)?.NextRunAtUtc, schedules.GetValueOrDefault(j.FullName)?.LastRunAtUtc)));
        }).WithName("ListJobs").WithSummary("Declared jobs with their next and last run.");
        group.MapGet("/runs", async (string? job, int? limit, string? cursor, CallerContext caller, KernelDbContext db, CancellationToken ct) =>
        {
            if (!caller.IsPlatformAdmin && !(caller.TenantId is not null && await IsTenantAdminAsync(caller, db, ct)))
                return Results.Problem(statusCode: 403, title: "Not allowed", detail: "Job runs are for administrators.");
            var tenant = caller.TenantId ?? Guid.Empty;
            // the platform administrator sees every tenant's runs and the installation's
            var query = (caller.IsPlatformAdmin ? db.AcrossTenants<JobRunRecord>() : db.Set<JobRunRecord>()).AsNoTracking().Where(r => caller.IsPlatformAdmin || r.TenantId == tenant);
            if (!string.IsNullOrEmpty(job)) query = query.Where(r => r.Job == job);
            var take = Queries.KernelPaging.Limit(limit);
            if (Queries.KernelPaging.After(cursor, out long before)) query = query.Where(r => r.Id < before);
            var rows = await query.OrderByDescending(r => r.Id).Take(take + 1).ToListAsync(ct);
            return Results.Ok(Queries.KernelPaging.Page(rows, take, r => r.Id, r =>
                new JobRunResponse(r.Job, r.TenantId == Guid.Empty ? null : r.TenantId, r.ScheduledAtUtc, r.StartedAtUtc, r.FinishedAtUtc, r.Status, r.Error, r.Host)));
        }).WithName("ListJobRuns").WithSummary("Runs, newest first; filter with job; page with limit and cursor.");
    }

    private static Task<bool> IsTenantAdminAsync(CallerContext caller, KernelDbContext db, CancellationToken ct) =>
        caller.ApiKeyRoleId is not null ? Task.FromResult(caller.IsTenantAdminKey)
        : Guid.TryParse(caller.UserId, out var id) ? db.Users.AnyAsync(u => u.Id == id && u.IsTenantAdmin, ct) : Task.FromResult(false);
}

public sealed record JobResponse(string Job, string Cron, string Scope, DateTime? NextRunAtUtc, DateTime? LastRunAtUtc);
public sealed record JobRunResponse(string Job, Guid? TenantId, DateTime ScheduledAtUtc, DateTime StartedAtUtc, DateTime? FinishedAtUtc, string Status, string? Error, string Host);
