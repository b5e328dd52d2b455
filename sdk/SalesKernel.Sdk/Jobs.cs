namespace SalesKernel.Sdk;

/// <summary>
/// Work a plugin runs on a schedule. The kernel keeps schedules and runs in the database: each
/// scheduled run happens once, even with several hosts on one database, and a run missed while no
/// host was up happens once when one starts.
/// </summary>
public interface IScheduledJob
{
    /// <summary>Does the work of one run. For a per-tenant job the scope acts as that tenant.</summary>
    /// <param name="run">Which run this is.</param>
    /// <param name="cancellationToken">Cancelled when the host stops.</param>
    /// <returns>A task; an exception marks the run failed (it is not retried; the next run comes on schedule).</returns>
    Task RunAsync(JobRun run, CancellationToken cancellationToken);
}

/// <summary>One run of a job.</summary>
/// <param name="Job">The job's full name, <c>&lt;plugin id&gt;.&lt;name&gt;</c>.</param>
/// <param name="ScheduledAtUtc">The time it was scheduled for (earlier than now when caught up).</param>
/// <param name="TenantId">The tenant it runs for; null for an installation-wide job.</param>
public sealed record JobRun(string Job, DateTime ScheduledAtUtc, Guid? TenantId);

/// <summary>Whom a job runs for.</summary>
public enum JobScope
{
    /// <summary>Once per run for every tenant that has the plugin switched on, acting as that tenant.</summary>
    PerTenant,
    /// <summary>Once per run for the whole installation.</summary>
    Installation,
}

/// <summary>A job a plugin declared.</summary>
/// <param name="PluginId">The declaring plugin.</param>
/// <param name="Name">Its name within the plugin.</param>
/// <param name="Cron">Its schedule: a cron expression with five fields, or six with seconds first.</param>
/// <param name="JobType">The <see cref="IScheduledJob"/> type, created per run from the container.</param>
/// <param name="Scope">Whom it runs for.</param>
internal sealed record JobDefinition(string PluginId, string Name, string Cron, Type JobType, JobScope Scope)
{
    /// <summary><c>&lt;plugin id&gt;.&lt;name&gt;</c></summary>
    public string FullName => $"{PluginId}.{Name}";
}
