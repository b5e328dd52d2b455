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
        group.MapGet("/runs", async (string? job, int? limit, CallerContext caller, KernelDbContext db, CancellationToken ct) =>
        {
            if (!caller.IsPlatformAdmin && !(caller.TenantId is not null && await IsTenantAdminAsync(caller, db, ct)))
                return Results.Problem(statusCode: 403, title: "Not allowed", detail: "Job runs are for administrators.");
            var tenant = caller.TenantId ?? Guid.Empty;
            var query = db.Set<JobRunRecord>().AsNoTracking().Where(r => caller.IsPlatformAdmin || r.TenantId == tenant);
            if (!string.IsNullOrEmpty(job)) query = query.Where(r => r.Job == job);
            var take = Math.Clamp(limit ?? 100, 1, 500);
            return Results.Ok(await query.OrderByDescending(r => r.Id).Take(take)
                .Select(r => new JobRunResponse(r.Job, r.TenantId == Guid.Empty ? null : r.TenantId, r.ScheduledAtUtc, r.StartedAtUtc, r.FinishedAtUtc, r.Status, r.Error, r.Host))
                .ToListAsync(ct));
        }).WithName("ListJobRuns").WithSummary("Runs, newest first; filter with job.");
    }

    private static Task<bool> IsTenantAdminAsync(CallerContext caller, KernelDbContext db, CancellationToken ct) =>
        Guid.TryParse(caller.UserId, out var id) ? db.Users.AnyAsync(u => u.Id == id && u.IsTenantAdmin, ct) : Task.FromResult(false);
}

public sealed record JobResponse(string Job, string Cron, string Scope, DateTime? NextRunAtUtc, DateTime? LastRunAtUtc);
public sealed record JobRunResponse(string Job, Guid? TenantId, DateTime ScheduledAtUtc, DateTime StartedAtUtc, DateTime? FinishedAtUtc, string Status, string? Error, string Host);
