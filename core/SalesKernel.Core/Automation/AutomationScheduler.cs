using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SalesKernel.Core.Data;
using SalesKernel.Core.Jobs;
using SalesKernel.Core.Security;

namespace SalesKernel.Core.Automation;

/// <summary>
/// Runs automation rules with a schedule trigger (<c>schedule:&lt;cron&gt;</c>). Like plugin jobs: a host
/// takes a due occurrence with a conditional update on its exact time, so one host runs it; a missed
/// occurrence runs once when a host is up again.
/// </summary>
internal sealed class AutomationScheduler(IServiceScopeFactory scopes, TimeProvider clock, IConfiguration configuration, ILogger<AutomationScheduler> logger)
    : PollingWorker(clock, configuration, logger)
{
    protected override string FailureMessage => "Scheduled automation rules could not run";

    public override async Task RunDueAsync(CancellationToken ct)
    {
        List<AutomationRule> due;
        var now = Clock.GetUtcNow().UtcDateTime;
        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
            due = await db.AcrossTenants<AutomationRule>().AsNoTracking().Where(r => r.IsActive && r.NextRunAtUtc != null && r.NextRunAtUtc <= now).ToListAsync(ct);
        }
        foreach (var rule in due)
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
            var scheduled = rule.NextRunAtUtc!.Value;
            // the rule's cron is read in its tenant's time zone: "0 9 * * 1" is nine on Monday morning there
            var zone = (await scope.ServiceProvider.GetRequiredService<Tenancy.TenantSettingsCache>().GetAsync(rule.TenantId, ct)).Zone;
            var next = Schedule.Next(rule.Trigger["schedule:".Length..], now, zone);
            var claimed = await db.AcrossTenants<AutomationRule>().Where(r => r.Id == rule.Id && r.NextRunAtUtc == scheduled)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.NextRunAtUtc, next), ct);
            if (claimed != 1) continue; // another host has this occurrence
            scope.ServiceProvider.GetRequiredService<CallerContext>().ActAs(rule.TenantId, "automation");
            await scope.ServiceProvider.GetRequiredService<AutomationRunner>().RunScheduledAsync(rule, scheduled, ct);
        }
    }
}
