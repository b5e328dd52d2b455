using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SalesKernel.Core.Data;
using SalesKernel.Core.Records;
using SalesKernel.Core.Security;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Outbox;

/// <summary>
/// Hands committed writes from the outbox to the after-commit event handlers, in order, at least
/// once: a handler that throws is retried with exponential back-off (2 s, 4 s, … up to an hour), and
/// events still waiting when the host stops are picked up when it starts again. A failing event
/// does not hold back later ones, and when an event has several handlers a retry runs them all again.
/// Several hosts on one database share the work: a host leases a batch of events at once (one
/// update; on PostgreSQL the batch is chosen <c>FOR UPDATE SKIP LOCKED</c>, on SQL Server <c>WITH (UPDLOCK, READPAST)</c>, so hosts polling together
/// take different events without waiting for each other) before handing them on, so each event goes
/// to its handlers once, whichever host takes it. The lease is short (15 s) and the host holding it
/// renews it every third of its length while the batch runs, so a slow handler keeps its events, and
/// events leased by a host that died are taken again within seconds, when the lease runs out. The batch's progress is saved at its end, in one write, tried again while
/// the database refuses it. Each host keeps
/// the order of the events it takes; across hosts, events of different records may be handled side by side.
/// </summary>
internal sealed class OutboxDispatcher(IServiceScopeFactory scopes, OutboxSignal signal, TimeProvider clock, IConfiguration configuration,
    ILogger<OutboxDispatcher> logger, Telemetry.KernelMetrics metrics) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private const int BatchSize = 100;

    /// <summary>
    /// How long a host holds the events it is handing on before it renews the lease
    /// (<c>SalesKernel:Outbox:LeaseSeconds</c>, 15; at least 2): what events a host that died had taken
    /// wait at most, and twice the time a batch's handlers get before the rest of the batch is let go.
    /// </summary>
    private readonly TimeSpan _leaseTime = TimeSpan.FromSeconds(Math.Max(2, configuration.GetValue(LeaseSetting, 15)));
    public const string LeaseSetting = "SalesKernel:Outbox:LeaseSeconds";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await DispatchBatchAsync(stoppingToken) == BatchSize) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "The outbox could not be read; trying again shortly");
            }
            await signal.WaitAsync(PollInterval, stoppingToken);
        }
    }

    public async Task<int> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
        var sets = scope.ServiceProvider.GetRequiredService<EntitySetRegistry>();
        var now = clock.GetUtcNow().UtcDateTime;
        var gate = scope.ServiceProvider.GetRequiredService<SqliteWriteGate>();
        List<OutboxMessage> batch;
        using (await gate.EnterAsync(db, cancellationToken)) batch = await LeaseAsync(db, now, cancellationToken);
        // past half the lease, the rest of the batch is let go for the next poll, of any host; the
        // handler running then keeps its event, for the lease is renewed while the batch runs
        var lease = new BatchLease(now + _leaseTime);
        var deadline = now + _leaseTime / 2;
        var handled = new HashSet<long>();
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewal = batch.Count > 0 ? RenewAsync(batch, lease, renewing.Token) : Task.CompletedTask;
        // what the batch's tenants have — webhook subscriptions, entity sets with automation rules — read once per batch, not per event
        var hooks = new Dictionary<Guid, List<Webhooks.WebhookSubscription>>();
        var automated = new Dictionary<Guid, HashSet<string>>();
        try
        {
            foreach (var message in batch)
            {
                if (clock.GetUtcNow().UtcDateTime > deadline || lease.Lost) break;
                var set = sets.Find(message.EntitySet);
                try
                {
                    var enabled = message.TenantId is { } tenant
                        ? await scope.ServiceProvider.GetRequiredService<TenantModules>().EnabledAsync(tenant, cancellationToken)
                        : new HashSet<string>();
                    foreach (var registration in (set?.EventHandlers ?? []).Where(h => enabled.Contains(h.PluginId)))
                    {
                        using var handlerScope = scopes.CreateScope();
                        // the handler acts for the tenant whose write it handles
                        handlerScope.ServiceProvider.GetRequiredService<CallerContext>().ActAs(message.TenantId, message.UserId);
                        var handler = handlerScope.ServiceProvider.GetRequiredService(registration.HandlerType);
                        var method = typeof(IEntityEventHandler<>).MakeGenericType(registration.EntityType).GetMethod(nameof(IEntityEventHandler<IEntity>.HandleAsync))!;
                        var entityEvent = new EntityEvent(message.Id, message.EntitySet, message.RecordId, Enum.Parse<WriteOperation>(message.Operation),
                            DateTime.SpecifyKind(message.OccurredAtUtc, DateTimeKind.Utc), message.UserId, message.Changes);
                        await (Task)method.Invoke(handler, [entityEvent, cancellationToken])!;
                    }
                    await QueueWebhooksAsync(db, message, hooks, cancellationToken);
                    if (message.TenantId is { } automationTenant && (await AutomatedSetsAsync(db, automationTenant, automated, cancellationToken)).Contains(message.EntitySet))
                    {
                        using var automationScope = scopes.CreateScope();
                        automationScope.ServiceProvider.GetRequiredService<CallerContext>().ActAs(automationTenant, "automation");
                        await automationScope.ServiceProvider.GetRequiredService<Automation.AutomationRunner>().RunAsync(message, cancellationToken);
                    }
                    message.DispatchedAtUtc = clock.GetUtcNow().UtcDateTime;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    var error = e is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : e;
                    message.Attempts++;
                    var text = $"{error.GetType().Name}: {error.Message}";
                    message.LastError = text.Length > 2000 ? text[..2000] : text;
                    metrics.EventFailed(message.EntitySet);
                    message.NextAttemptAtUtc = now + Backoff(message.Attempts);
                    // free it for whichever host retries first
                    message.LeasedUntilUtc = null;
                    db.Entry(message).Property(m => m.LeasedUntilUtc).IsModified = true;
                    logger.LogWarning("Event {Id} of {Set} failed (attempt {Attempt}), retrying at {Next}: {Error}",
                        message.Id, message.EntitySet, message.Attempts, message.NextAttemptAtUtc, message.LastError);
                }
                handled.Add(message.Id);
            }
        }
        finally
        {
            await renewing.CancelAsync();
            await renewal;
            // what was not handled (a stop, the deadline) is let go at once for the next poll, of any host
            foreach (var message in batch.Where(m => !handled.Contains(m.Id)))
            {
                message.LeasedUntilUtc = null;
                db.Entry(message).Property(m => m.LeasedUntilUtc).IsModified = true;
            }
            // the batch's progress in one write, even when the host is stopping — only for the events this
            // host still holds: one whose lease ran out meanwhile may be another host's (SaveProgressAsync)
            if (batch.Count > 0) metrics.EventsHandedOn(await SaveProgressAsync(db, gate, lease.Until, cancellationToken));
        }
        if (batch.Count > 0) signal.Notify(); // webhook deliveries may be waiting now
        return batch.Count;
    }

    /// <summary>Until when this host holds its batch; renewed while the batch runs.</summary>
    private sealed class BatchLease(DateTime until)
    {
        public DateTime Until { get; set; } = until;

        /// <summary>A renewal found the lease already run out and taken: the batch stops (its save keeps only what it still holds).</summary>
        public bool Lost { get; set; }
    }

    /// <summary>
    /// Every third of the lease, the batch's events are leased again from now — all of them, handled
    /// or not, for what was handled is saved only at the batch's end — and only those this host still
    /// holds (the lease unchanged): one that ran out while the database was away may be another host's
    /// by now, and the batch then stops.
    /// </summary>
    private async Task RenewAsync(List<OutboxMessage> batch, BatchLease lease, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_leaseTime / 3, clock, stop);
                List<long> open = [.. batch.Select(m => m.Id)];
                var held = lease.Until;
                var renewed = clock.GetUtcNow().UtcDateTime + _leaseTime;
                using var scope = scopes.CreateScope();
                var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
                int count;
                using (await scope.ServiceProvider.GetRequiredService<SqliteWriteGate>().EnterAsync(db, stop))
                    count = await db.AcrossTenants<OutboxMessage>().Where(m => open.Contains(m.Id) && m.LeasedUntilUtc == held && m.DispatchedAtUtc == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeasedUntilUtc, renewed), stop);
                if (count < open.Count && clock.GetUtcNow().UtcDateTime >= held)
                {
                    lease.Lost = true;
                    logger.LogWarning("The outbox lease ran out before it could be renewed; {Count} events are left to other hosts", open.Count - count);
                }
                // the renewed ones hold until the new time; any lost are not saved over
                if (count > 0) lease.Until = renewed;
                if (lease.Lost) return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // the database away: tried again at the next third; the lease still stands until it runs out
                logger.LogWarning("The outbox lease could not be renewed: {Error}", e.InnerException?.Message ?? e.Message);
            }
        }
    }

    /// <summary>
    /// The batch's progress in one write. When the database refuses it (a connection lost), it is tried
    /// again — 0.2 s, 0.4 s, … at most 5 s apart — for as long as the lease runs, so the events are let go
    /// as soon as the database answers again instead of waiting for the lease to run out. Answers how many
    /// events it saved as handed on (0 when it could not save).
    /// </summary>
    private async Task<int> SaveProgressAsync(KernelDbContext db, SqliteWriteGate gate, DateTime until, CancellationToken stopping)
    {
        var pause = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            // past the lease another host may hold these events: its lease is not to be overwritten
            if (clock.GetUtcNow().UtcDateTime + pause >= until) return 0;
            try
            {
                using (await gate.EnterAsync(db, CancellationToken.None))
                {
                    await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
                    // only what this host still holds is saved: the rows are touched first (locked until the
                    // commit), so no host takes one between the check and the save
                    var ids = db.ChangeTracker.Entries<OutboxMessage>().Select(e => e.Entity.Id).ToList();
                    await db.AcrossTenants<OutboxMessage>().Where(m => ids.Contains(m.Id) && m.LeasedUntilUtc == until)
                        .ExecuteUpdateAsync(u => u.SetProperty(m => m.LeasedUntilUtc, until), CancellationToken.None);
                    var held = (await db.AcrossTenants<OutboxMessage>().Where(m => ids.Contains(m.Id) && m.LeasedUntilUtc == until)
                        .Select(m => m.Id).ToListAsync(CancellationToken.None)).ToHashSet();
                    foreach (var entry in db.ChangeTracker.Entries<OutboxMessage>().Where(e => !held.Contains(e.Entity.Id)).ToList())
                        entry.State = EntityState.Detached;
                    var handedOn = db.ChangeTracker.Entries<OutboxMessage>().Count(e => e.Entity.DispatchedAtUtc is not null);
                    await db.SaveChangesAsync(CancellationToken.None);
                    await transaction.CommitAsync(CancellationToken.None);
                    return handedOn;
                }
            }
            catch (Exception e) when (e is DbUpdateException or System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                logger.LogWarning("The outbox's progress could not be saved (attempt {Attempt}), trying again in {Pause}: {Error}",
                    attempt, pause, e.InnerException?.Message ?? e.Message);
            }
            // a host that is stopping tries once: what it held waits for its lease, as if it had died
            if (stopping.IsCancellationRequested) return 0;
            try
            {
                await Task.Delay(pause, clock, stopping);
            }
            catch (OperationCanceledException)
            {
                return 0;
            }
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    /// <summary>
    /// Takes up to <see cref="BatchSize"/> events that are due and not leased, in order, for the lease time:
    /// chosen and leased in one transaction, tracked for their progress to be saved.
    /// </summary>
    private async Task<List<OutboxMessage>> LeaseAsync(KernelDbContext db, DateTime now, CancellationToken cancellationToken)
    {
        var until = now + _leaseTime;
        List<long> ids;
        var postgres = db.Database.IsNpgsql();
        if (postgres || db.Database.IsSqlServer())
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // rows another host is leasing right now are skipped, not waited for
            var sql = LeaseSql(db.Model.FindEntityType(typeof(OutboxMessage))!, postgres);
            ids = await db.Database.SqlQueryRaw<long>(sql, now).ToListAsync(cancellationToken);
            if (ids.Count > 0)
                await db.AcrossTenants<OutboxMessage>().Where(m => ids.Contains(m.Id))
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeasedUntilUtc, until), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        else
        {
            // SQLite has one writer at a time: one conditional update takes what no other host took meanwhile
            var due = await Due(db, now).OrderBy(m => m.Id).Select(m => m.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (due.Count == 0) return [];
            await Due(db, now).Where(m => due.Contains(m.Id)).ExecuteUpdateAsync(s => s.SetProperty(m => m.LeasedUntilUtc, until), cancellationToken);
            ids = due;
        }
        if (ids.Count == 0) return [];
        // on SQLite, what another host leased between the read and the update is not ours: its lease is not this one
        return await db.AcrossTenants<OutboxMessage>().Where(m => ids.Contains(m.Id) && m.LeasedUntilUtc == until && m.DispatchedAtUtc == null)
            .OrderBy(m => m.Id).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The ids of the next due events no other host is leasing right now ({0}: the time), locking them
    /// until the transaction ends: FOR UPDATE SKIP LOCKED on PostgreSQL, UPDLOCK and READPAST on SQL Server.
    /// </summary>
    internal static string LeaseSql(Microsoft.EntityFrameworkCore.Metadata.IEntityType entity, bool postgres)
    {
        var table = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        string Column(string property) => $"\"{entity.FindProperty(property)!.GetColumnName(table)}\"";
        var due = $"WHERE {Column(nameof(OutboxMessage.DispatchedAtUtc))} IS NULL " +
            $"AND ({Column(nameof(OutboxMessage.NextAttemptAtUtc))} IS NULL OR {Column(nameof(OutboxMessage.NextAttemptAtUtc))} <= {{0}}) " +
            $"AND ({Column(nameof(OutboxMessage.LeasedUntilUtc))} IS NULL OR {Column(nameof(OutboxMessage.LeasedUntilUtc))} < {{0}}) " +
            $"ORDER BY {Column(nameof(OutboxMessage.Id))}";
        return postgres
            ? $"SELECT {Column(nameof(OutboxMessage.Id))} AS \"Value\" FROM \"{entity.GetTableName()}\" {due} LIMIT {BatchSize} FOR UPDATE SKIP LOCKED"
            : $"SELECT TOP ({BatchSize}) {Column(nameof(OutboxMessage.Id))} AS \"Value\" FROM \"{entity.GetTableName()}\" WITH (UPDLOCK, READPAST, ROWLOCK) {due}";
    }

    private static IQueryable<OutboxMessage> Due(KernelDbContext db, DateTime now) =>
        db.AcrossTenants<OutboxMessage>().Where(m => m.DispatchedAtUtc == null && (m.NextAttemptAtUtc == null || m.NextAttemptAtUtc <= now)
            && (m.LeasedUntilUtc == null || m.LeasedUntilUtc < now));

    /// <summary>One delivery row per matching subscription, saved with the event's progress: none is lost or doubled.</summary>
    private async Task QueueWebhooksAsync(KernelDbContext db, OutboxMessage message, Dictionary<Guid, List<Webhooks.WebhookSubscription>> known, CancellationToken ct)
    {
        if (message.TenantId is not { } tenant) return;
        if (!known.TryGetValue(tenant, out var hooks))
            known[tenant] = hooks = await db.AcrossTenants<Webhooks.WebhookSubscription>().AsNoTracking().Where(w => w.TenantId == tenant && w.IsActive).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var hook in hooks.Where(h => h.Wants(message.EntitySet)))
        {
            if (await db.AcrossTenants<Webhooks.WebhookDelivery>().AnyAsync(d => d.WebhookId == hook.Id && d.EventId == message.Id && d.Source == "event", ct)) continue;
            var payload = System.Text.Json.JsonSerializer.Serialize(new
            {
                sequence = message.Id, entitySet = message.EntitySet, recordId = message.RecordId, operation = message.Operation,
                occurredAtUtc = DateTime.SpecifyKind(message.OccurredAtUtc, DateTimeKind.Utc), userId = message.UserId,
                changes = System.Text.Json.JsonDocument.Parse(message.Changes).RootElement,
            });
            db.Add(new Webhooks.WebhookDelivery
            {
                TenantId = tenant, WebhookId = hook.Id, EventId = message.Id, Url = hook.Url, Payload = payload, NextAttemptAtUtc = now, CreatedAtUtc = now,
            });
        }
    }

    /// <summary>The entity sets of a tenant that have active automation rules: an event of another set needs no rule runner.</summary>
    private static async Task<HashSet<string>> AutomatedSetsAsync(KernelDbContext db, Guid tenant, Dictionary<Guid, HashSet<string>> known, CancellationToken ct)
    {
        if (!known.TryGetValue(tenant, out var sets))
            known[tenant] = sets = (await db.AcrossTenants<Automation.AutomationRule>().AsNoTracking().Where(r => r.TenantId == tenant && r.IsActive)
                .Select(r => r.EntitySet).Distinct().ToListAsync(ct)).ToHashSet();
        return sets;
    }

    public static TimeSpan Backoff(int attempts) => TimeSpan.FromSeconds(Math.Min(3600, Math.Pow(2, Math.Min(attempts, 12))));
}
