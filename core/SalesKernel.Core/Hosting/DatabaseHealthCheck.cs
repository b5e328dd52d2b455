using Microsoft.Extensions.Diagnostics.HealthChecks;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Hosting;

internal sealed class DatabaseHealthCheck(KernelDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy($"{db.Database.ProviderName} reachable")
            : HealthCheckResult.Unhealthy($"{db.Database.ProviderName} not reachable");
}
