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
public sealed class KernelMetrics
{
    /// <summary>The name of the kernel's meter and activity source.</summary>
    public const string MeterName = "SalesKernel";

    private readonly Counter<long> _writes;
    private readonly Counter<long> _handedOn;
    private readonly Counter<long> _eventFailures;
    private readonly Counter<long> _jobRuns;
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _signInFailures;
    private readonly Counter<long> _lockouts;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _clock;
    private readonly Lock _backlogLock = new();
    private (DateTime At, long Count, double LagSeconds) _backlog;

    public KernelMetrics(IMeterFactory meters, PluginCatalog catalog, IServiceScopeFactory scopes, TimeProvider clock)
    {
        _scopes = scopes;
        _clock = clock;
        var meter = meters.Create(MeterName);
        _writes = meter.CreateCounter<long>("saleskernel.pipeline.writes", "{record}",
            "Records written through the pipeline by requests and jobs, by entity set, operation and outcome (committed, rejected, conflict, refused, failed).");
        _handedOn = meter.CreateCounter<long>("saleskernel.outbox.dispatched", "{event}", "Committed events handed on to the after-commit handlers.");
        _eventFailures = meter.CreateCounter<long>("saleskernel.outbox.failures", "{event}", "Events whose handlers failed (retried later with back-off).");
        _jobRuns = meter.CreateCounter<long>("saleskernel.jobs.runs", "{run}", "Scheduled job runs, by job and outcome (succeeded, failed).");
        _deliveries = meter.CreateCounter<long>("saleskernel.webhooks.deliveries", "{attempt}",
            "Webhook delivery attempts, by outcome (delivered, failed, gave_up).");
        _signInFailures = meter.CreateCounter<long>("saleskernel.signin.failures", "{attempt}",
            "Refused sign-ins, by reason (wrong, locked, disabled, network, limited).");
        _lockouts = meter.CreateCounter<long>("saleskernel.signin.lockouts", "{account}", "Accounts locked after repeated failed sign-ins.");
        meter.CreateObservableGauge("saleskernel.outbox.backlog", () => Backlog().Count, "{event}", "Committed events not handed on yet.");
        meter.CreateObservableGauge("saleskernel.outbox.lag", () => Backlog().LagSeconds, "s", "Age of the oldest event not handed on yet (0 when none waits).");
        meter.CreateObservableGauge("saleskernel.plugins", () => catalog.Plugins.Select(p => new Measurement<int>(1,
                new KeyValuePair<string, object?>("plugin", p.Id), new KeyValuePair<string, object?>("state", p.State.ToString().ToLowerInvariant()))),
            "{plugin}", "The plugins found, one per plugin, with its state (loaded, disabled, failed).");
    }

    /// <summary>Records written by one pipeline write (its outermost call): committed, or why not.</summary>
    public void Written(string entitySet, string operation, string outcome, int records = 1) =>
        _writes.Add(records, new("entity_set", entitySet), new("operation", operation), new("outcome", outcome));

    /// <summary>What a write's exception says about it, as the outcome tag.</summary>
    public static string Outcome(Exception e) => e switch
    {
        RecordValidationException or RuleViolationException or DuplicateRecordException or RecordInUseException => "rejected",
        ConcurrencyConflictException => "conflict",
        RecordNotFoundException or AccessDeniedException => "refused",
        _ => "failed",
    };

    internal void EventsHandedOn(int count) { if (count > 0) _handedOn.Add(count); }
    internal void EventFailed(string entitySet) => _eventFailures.Add(1, new KeyValuePair<string, object?>("entity_set", entitySet));
    internal void JobRan(string job, bool succeeded) => _jobRuns.Add(1, new("job", job), new("outcome", succeeded ? "succeeded" : "failed"));
    internal void Delivery(string outcome) => _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    internal void SignInRefused(string reason) => _signInFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
    internal void LockedOut() => _lockouts.Add(1);

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
