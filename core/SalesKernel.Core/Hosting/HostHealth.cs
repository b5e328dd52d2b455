using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SalesKernel.Core.Data;
using SalesKernel.Core.Schema;

namespace SalesKernel.Core.Hosting;

/// <summary>How a host stops (<c>SalesKernel:Shutdown</c>): first it drains, then it lets what is in flight finish.</summary>
public sealed class ShutdownOptions
{
    public const string Section = "SalesKernel:Shutdown";

    /// <summary>
    /// Seconds between the stop signal (SIGTERM, Ctrl+C) and closing the doors: the host answers
    /// <c>/health/ready</c> with 503 so the balancer takes it out, and still serves every request it gets
    /// (5 in Production, 0 in Development).
    /// </summary>
    public int? DrainSeconds { get; set; }

    /// <summary>Seconds the requests still running when the doors close have to finish (30).</summary>
    public int TimeoutSeconds { get; set; } = 30;
}

/// <summary>Whether the host has been told to stop and is draining.</summary>
public sealed class HostDraining
{
    private volatile bool _draining;
    public bool IsDraining => _draining;
    internal void Start() => _draining = true;
}

/// <summary>Not ready while draining.</summary>
internal sealed class DrainingHealthCheck(HostDraining draining) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(draining.IsDraining ? HealthCheckResult.Unhealthy("stopping: draining before it closes") : HealthCheckResult.Healthy("taking requests"));
}

/// <summary>Not ready when the database's kernel schema is not the one this host was built for (another host upgraded it, or it was never applied).</summary>
internal sealed class SchemaHealthCheck(KernelDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var version = await db.SchemaHistory.AsNoTracking().Where(h => h.Owner == KernelDbContext.KernelOwner)
            .OrderByDescending(h => h.Id).Select(h => h.Version).FirstOrDefaultAsync(cancellationToken);
        return version == SchemaManager.KernelVersion
            ? HealthCheckResult.Healthy($"kernel schema {version}")
            : HealthCheckResult.Unhealthy($"the database's kernel schema is {version ?? "missing"}; this host needs {SchemaManager.KernelVersion}");
    }
}
