using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SalesKernel.Core.Data;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Security;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk;

namespace SalesKernel.Core.Jobs;

/// <summary>
/// Runs the plugins' scheduled jobs. Every host polls the schedules in the database; a host takes a
/// due run by moving the job's lease with a conditional update on the exact scheduled time, so only
/// one host wins each run, and a unique index on (job, tenant, scheduled time) makes a second run
/// impossible even then. A job whose runs were missed while no host was up runs once, for the
/// earliest missed time, and is then scheduled after now.
/// </summary>
internal sealed class JobScheduler(IServiceScopeFactory scopes, PluginCatalog catalog, TimeProvider clock, IConfiguration configuration,
    ILogger<JobScheduler> logger, Telemetry.KernelMetrics metrics) : PollingWorker(clock, configuration, logger)
{
    private readonly string _host = Truncate($"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}", 100);

    private static string Truncate(string text, int length) => text.Length > length ? text[..length] : text;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    private IEnumerable<JobDefinition> Jobs => catalog.Loaded.Where(p => p.Registration is not null).SelectMany(p => p.Registration!.Jobs);

    protected override string FailureMessage => "The job scheduler could not read the schedules";
    protected override bool HasWork => Jobs.Any();

    public override async Task RunDueAsync(CancellationToken ct)
    {
        foreach (var job in Jobs)
        {
            var scheduled = await ClaimAsync(job, ct);
            if (scheduled is null) continue;
            try
            {
                await RunAsync(job, scheduled.Value, ct);
            }
            finally
            {
                await ReleaseAsync(job, ct);
            }
        }
    }

    /// <summary>The scheduled time of the run this host now holds, or null when none is due or another host has it.</summary>
    private async Task<DateTime?> ClaimAsync(JobDefinition job, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
        var now = Clock.GetUtcNow().UtcDateTime;
        var schedule = await db.Set<JobSchedule>().AsNoTracking().FirstOrDefaultAsync(j => j.Job == job.FullName, ct);
        if (schedule is null || schedule.Cron != job.Cron)
        {
            await EnsureScheduleAsync(db, job, schedule, now, ct);
            return null;
        }
        if (schedule.NextRunAtUtc > now) return null;
        var due = schedule.NextRunAtUtc;
        var claimed = await db.Set<JobSchedule>()
            .Where(j => j.Job == job.FullName && j.NextRunAtUtc == due && (j.LeaseUntilUtc == null || j.LeaseUntilUtc < now))
            .ExecuteUpdateAsync(u => u.SetProperty(j => j.LeaseOwner, _host).SetProperty(j => j.LeaseUntilUtc, now + Lease), ct);
        return claimed == 1 ? due : null;
    }

    private async Task EnsureScheduleAsync(KernelDbContext db, JobDefinition job, JobSchedule? existing, DateTime now, CancellationToken ct)
    {
        var next = Schedule.Next(job.Cron, now) ?? DateTime.MaxValue;
        try
        {
            if (existing is null)
                db.Add(new JobSchedule { Job = job.FullName, Cron = job.Cron, NextRunAtUtc = next });
            else
                await db.Set<JobSchedule>().Where(j => j.Job == job.FullName)
                    .ExecuteUpdateAsync(u => u.SetProperty(j => j.Cron, job.Cron).SetProperty(j => j.NextRunAtUtc, next), ct);
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // another host created it first
        }
    }

    private async Task RunAsync(JobDefinition job, DateTime scheduled, CancellationToken ct)
    {
        List<Guid?> tenants;
        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
            tenants = job.Scope == JobScope.Installation
                ? [null]
                : (await db.AcrossTenants<TenantPlugin>().AsNoTracking().Where(p => p.PluginId == job.PluginId && p.Enabled)
                    .Join(db.Tenants.Where(t => t.IsActive), p => p.TenantId, t => t.Id, (p, t) => t.Id).ToListAsync(ct)).Select(t => (Guid?)t).ToList();
        }
        foreach (var tenant in tenants) await RunOnceAsync(job, scheduled, tenant, ct);
    }

    private async Task RunOnceAsync(JobDefinition job, DateTime scheduled, Guid? tenant, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
        var record = new JobRunRecord
        {
            Job = job.FullName, TenantId = tenant ?? Guid.Empty, ScheduledAtUtc = scheduled, StartedAtUtc = Clock.GetUtcNow().UtcDateTime,
            Status = "Running", Host = _host,
        };
        db.Add(record);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return; // this run exists already: another host did it
        }

        scope.ServiceProvider.GetRequiredService<CallerContext>().ActAs(tenant, $"job:{job.FullName}");
        try
        {
            var instance = (IScheduledJob)scope.ServiceProvider.GetRequiredService(job.JobType);
            await instance.RunAsync(new JobRun(job.FullName, scheduled, tenant), ct);
            record.Status = "Succeeded";
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            record.Status = "Failed";
            var text = $"{e.GetType().Name}: {e.Message}";
            record.Error = text.Length > 2000 ? text[..2000] : text;
            logger.LogWarning("Job {Job} for tenant {Tenant} failed: {Error}", job.FullName, tenant, record.Error);
        }
        record.FinishedAtUtc = Clock.GetUtcNow().UtcDateTime;
        metrics.JobRan(job.FullName, record.Status == "Succeeded");
        db.ChangeTracker.Clear();
        db.Attach(record).State = EntityState.Modified;
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private async Task ReleaseAsync(JobDefinition job, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
        var now = Clock.GetUtcNow().UtcDateTime;
        var next = Schedule.Next(job.Cron, now) ?? DateTime.MaxValue;
        var schedule = await db.Set<JobSchedule>().FirstAsync(j => j.Job == job.FullName, CancellationToken.None);
        if (schedule.LeaseOwner != _host) return;
        schedule.LastRunAtUtc = schedule.NextRunAtUtc;
        schedule.NextRunAtUtc = next;
        schedule.LeaseOwner = null;
        schedule.LeaseUntilUtc = null;
        await db.SaveChangesAsync(CancellationToken.None);
    }
}
