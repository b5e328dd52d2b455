using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Data;
using SalesKernel.Core.Outbox;
using SalesKernel.Core.Plugins;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Telemetry;

/// <summary>
/// The kernel's own meters (<see cref="MeterName"/>), beside ASP.NET Core's, the HTTP client's and the
/// runtime's: what the pipeline wrote and refused, how far behind the outbox is, how jobs, webhook
/// deliveries and sign-ins went, and what state each plugin is in. Exported by OpenTelemetry (OTLP
/// when configured, and the Prometheus scrape endpoint <c>/metrics</c>); see docs/operations.md.
/// </summary>
public sealed class KernelMetrics : IDisposable
{
    /// <summary>The name of the kernel's meter and activity source.</summary>
    public const string MeterName = "SalesKernel";

    // One meter for the process, not one per host's meter factory: a process runs one host, but the
    // tests run many side by side, and OpenTelemetry joins same-named instruments of several meters into
    // one stream that ends with the first meter disposed — measurements of the hosts still running were lost.
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Writes = Meter.CreateCounter<long>("saleskernel.pipeline.writes", "{record}",
        "Records written through the pipeline by requests and jobs, by entity set, operation and outcome (committed, rejected, conflict, refused, failed).");
    private static readonly Counter<long> HandedOn = Meter.CreateCounter<long>("saleskernel.outbox.dispatched", "{event}", "Committed events handed on to the after-commit handlers.");
    private static readonly Counter<long> EventFailures = Meter.CreateCounter<long>("saleskernel.outbox.failures", "{event}", "Events whose handlers failed (retried later with back-off).");
    private static readonly Counter<long> JobRuns = Meter.CreateCounter<long>("saleskernel.jobs.runs", "{run}", "Scheduled job runs, by job and outcome (succeeded, failed).");
    private static readonly Counter<long> Deliveries = Meter.CreateCounter<long>("saleskernel.webhooks.deliveries", "{attempt}",
        "Webhook delivery attempts, by outcome (delivered, failed, gave_up).");
    private static readonly Counter<long> SignInFailures = Meter.CreateCounter<long>("saleskernel.signin.failures", "{attempt}",
        "Refused sign-ins, by reason (wrong, locked, disabled, network, limited).");
    private static readonly Counter<long> Lockouts = Meter.CreateCounter<long>("saleskernel.signin.lockouts", "{account}", "Accounts locked after repeated failed sign-ins.");

    /// <summary>The hosts of the process, whose gauges are observed.</summary>
    private static readonly ConcurrentDictionary<KernelMetrics, byte> Hosts = new();

    static KernelMetrics()
    {
        Meter.CreateObservableGauge("saleskernel.outbox.backlog", () => Hosts.Keys.Select(h => new Measurement<long>(h.Backlog().Count)), "{event}",
            "Committed events not handed on yet.");
        Meter.CreateObservableGauge("saleskernel.outbox.lag", () => Hosts.Keys.Select(h => new Measurement<double>(h.Backlog().LagSeconds)), "s",
            "Age of the oldest event not handed on yet (0 when none waits).");
        Meter.CreateObservableGauge("saleskernel.plugins", () => Hosts.Keys.SelectMany(h => h._catalog.Plugins.Select(p => new Measurement<int>(1,
                new KeyValuePair<string, object?>("plugin", p.Id), new KeyValuePair<string, object?>("state", p.State.ToString().ToLowerInvariant())))),
            "{plugin}", "The plugins found, one per plugin, with its state (loaded, disabled, failed).");
    }

    private readonly PluginCatalog _catalog;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _clock;
    private readonly Lock _backlogLock = new();
    private (DateTime At, long Count, double LagSeconds) _backlog;

    public KernelMetrics(PluginCatalog catalog, IServiceScopeFactory scopes, TimeProvider clock)
    {
        _catalog = catalog;
        _scopes = scopes;
        _clock = clock;
        Hosts[this] = 0;
    }

    /// <summary>The host stops: its gauges are no longer observed.</summary>
    public void Dispose() => Hosts.TryRemove(this, out _);

    /// <summary>Records written by one pipeline write (its outermost call): committed, or why not.</summary>
    public void Written(string entitySet, string operation, string outcome, int records = 1) =>
        Writes.Add(records, new("entity_set", entitySet), new("operation", operation), new("outcome", outcome));

    /// <summary>What a write's exception says about it, as the outcome tag.</summary>
    public static string Outcome(Exception e) => e switch
    {
        RecordValidationException or RuleViolationException or DuplicateRecordException or RecordInUseException => "rejected",
        ConcurrencyConflictException => "conflict",
        RecordNotFoundException or AccessDeniedException => "refused",
        _ => "failed",
    };

    internal void EventsHandedOn(int count) { if (count > 0) HandedOn.Add(count); }
    internal void EventFailed(string entitySet) => EventFailures.Add(1, new KeyValuePair<string, object?>("entity_set", entitySet));
    internal void JobRan(string job, bool succeeded) => JobRuns.Add(1, new("job", job), new("outcome", succeeded ? "succeeded" : "failed"));
    internal void Delivery(string outcome) => Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    internal void SignInRefused(string reason) => SignInFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
    internal void LockedOut() => Lockouts.Add(1);

    /// <summary>The outbox's backlog and lag, read at most once a second (both gauges come from one query).</summary>
    private (long Count, double LagSeconds) Backlog()
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        lock (_backlogLock)
        {
            if (now - _backlog.At < TimeSpan.FromSeconds(1)) return (_backlog.Count, _backlog.LagSeconds);
            try
            {
                using var scope = _scopes.CreateScope();
                var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
                var waiting = db.AcrossTenants<OutboxMessage>().Where(m => m.DispatchedAtUtc == null);
                var count = waiting.LongCount();
                var oldest = count == 0 ? (DateTime?)null : waiting.OrderBy(m => m.Id).Select(m => (DateTime?)m.OccurredAtUtc).FirstOrDefault();
                var lag = oldest is { } at ? Math.Max(0, (now - DateTime.SpecifyKind(at, DateTimeKind.Utc)).TotalSeconds) : 0;
                _backlog = (now, count, lag);
            }
            catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException or TimeoutException)
            {
                // the database away: the last figures stand until it answers
            }
            return (_backlog.Count, _backlog.LagSeconds);
        }
    }
}
