using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Security;

/// <summary>
/// One row per tenant (and one, <see cref="Guid.Empty"/>, for what belongs to no tenant: the platform
/// administrators, and changes whose tenant is not known): a random value written anew, in the same
/// transaction, by every save that changes who may do what there — users' access, roles, grants, role
/// memberships, teams, field rules, the tenant's row (active, allow-list, time zone, currency) and its
/// modules. A host keeps what it caches of these for as long as the stamp it was loaded under is
/// current, so that a change saved through any host is seen by every host sharing the database.
/// </summary>
public sealed class ChangeStamp
{
    /// <summary>The tenant, or <see cref="Guid.Empty"/> for the installation.</summary>
    public Guid Scope { get; set; }
    /// <summary>New at every change: only equality matters (a counter written by two hosts at once could repeat a value).</summary>
    public Guid Stamp { get; set; }
    public DateTime ChangedAtUtc { get; set; }

    internal static void Configure(EntityTypeBuilder<ChangeStamp> b)
    {
        b.ToTable("sk_change_stamp");
        b.HasKey(s => s.Scope);
    }
}

/// <summary>When a host checks the shared change stamps (<c>SalesKernel:Security:SharedChangeCheck</c>).</summary>
public enum SharedChangeCheck
{
    /// <summary>
    /// On every request (one read of one or two rows by key): a change saved through another host is
    /// seen by the very next request here. The default on PostgreSQL, where several hosts share a database.
    /// </summary>
    EveryRequest,
    /// <summary>
    /// At most every <see cref="SecurityOptions.StampCacheSeconds"/>: a change saved by another process
    /// on the same database (a command run beside the host) is seen within that time; one saved through
    /// this host at once. The default on SQLite, which one host serves.
    /// </summary>
    Interval,
}

/// <summary>What a cached copy was loaded under: the tenant's stamp and the installation's.</summary>
public readonly record struct SharedStamp(Guid Tenant, Guid All);

/// <summary>
/// Reads the shared change stamps (<see cref="ChangeStamp"/>): once per request and scope when the
/// check is <see cref="SharedChangeCheck.EveryRequest"/>, else (and outside requests: workers, commands)
/// at most every <see cref="SecurityOptions.StampCacheSeconds"/>.
/// </summary>
public sealed class ChangeStamps(IServiceScopeFactory scopes, IHttpContextAccessor http, IOptions<SecurityOptions> options, DatabaseOptions database, TimeProvider clock)
{
    private static readonly object ItemKey = new();

    private readonly ConcurrentDictionary<Guid, (DateTimeOffset At, SharedStamp Stamp)> _cache = new();

    /// <summary>The check in force: configured, or by the database (every request on PostgreSQL, at an interval on SQLite).</summary>
    public SharedChangeCheck Check { get; } = options.Value.SharedChangeCheck
        ?? (database.Provider is DatabaseProvider.PostgreSQL or DatabaseProvider.SqlServer ? SharedChangeCheck.EveryRequest : SharedChangeCheck.Interval);

    /// <summary>The stamps a copy of a tenant's data (null: the installation's) is current under now.</summary>
    public async ValueTask<SharedStamp> CurrentAsync(Guid? tenant, CancellationToken cancellationToken)
    {
        var scope = tenant ?? Guid.Empty;
        if (Check == SharedChangeCheck.EveryRequest && http.HttpContext is { } context)
        {
            if (context.Items.TryGetValue(ItemKey, out var memo) && memo is Memo m && m.Scope == scope) return m.Stamp;
            var stamp = await LoadAsync(context.RequestServices.GetRequiredService<KernelDbContext>(), scope, cancellationToken);
            context.Items[ItemKey] = new Memo(scope, stamp);
            return stamp;
        }
        if (_cache.TryGetValue(scope, out var cached) && clock.GetUtcNow() - cached.At < TimeSpan.FromSeconds(options.Value.StampCacheSeconds))
            return cached.Stamp;
        var at = clock.GetUtcNow();
        await using var lease = Context();
        var loaded = await LoadAsync(lease.Db, scope, cancellationToken);
        _cache[scope] = (at, loaded);
        return loaded;
    }

    /// <summary>A change was saved through this host: what this host keeps of the stamps is read again.</summary>
    public void Forget(Guid? tenant)
    {
        if (tenant is { } t && t != Guid.Empty) _cache.TryRemove(t, out _);
        else _cache.Clear();
        if (http.HttpContext is { } context) context.Items.Remove(ItemKey);
    }

    private static async Task<SharedStamp> LoadAsync(KernelDbContext db, Guid scope, CancellationToken cancellationToken)
    {
        Guid tenant = Guid.Empty, all = Guid.Empty;
        // not a compiled query: those are bound to one model, and hosts with other plugins have others
        await foreach (var row in db.Set<ChangeStamp>().AsNoTracking().Where(s => s.Scope == scope || s.Scope == Guid.Empty).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (row.Scope == Guid.Empty) all = row.Stamp;
            if (row.Scope == scope) tenant = row.Stamp;
        }
        return new SharedStamp(tenant, all);
    }

    /// <summary>Writes new stamps for the scopes a save changes, as part of that save.</summary>
    internal static async ValueTask StampAsync(KernelDbContext db, IEnumerable<Guid?> tenants, DateTime now, bool async, CancellationToken cancellationToken)
    {
        foreach (var scope in tenants.Select(t => t ?? Guid.Empty).Distinct().ToList())
        {
            var row = db.ChangeTracker.Entries<ChangeStamp>().FirstOrDefault(e => e.Entity.Scope == scope)?.Entity;
            var stored = db.Set<ChangeStamp>().Where(s => s.Scope == scope);
            row ??= async ? await stored.FirstOrDefaultAsync(cancellationToken) : stored.FirstOrDefault();
            if (row is null) db.Set<ChangeStamp>().Add(row = new ChangeStamp { Scope = scope });
            row.Stamp = Guid.NewGuid();
            row.ChangedAtUtc = now;
        }
    }

    /// <summary>At start: a row for the installation and for every tenant that has none (a database from before the stamps).</summary>
    internal static void EnsureRows(KernelDbContext db, TimeProvider clock)
    {
        var missing = db.Tenants.Select(t => t.Id).Where(id => !db.Set<ChangeStamp>().Any(s => s.Scope == id)).ToList();
        if (!db.Set<ChangeStamp>().Any(s => s.Scope == Guid.Empty)) missing.Add(Guid.Empty);
        if (missing.Count == 0) return;
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = missing.Select(scope => new ChangeStamp { Scope = scope, Stamp = Guid.NewGuid(), ChangedAtUtc = now }).ToList();
        db.Set<ChangeStamp>().AddRange(rows);
        try
        {
            db.SaveChanges();
        }
        catch (DbUpdateException)
        {
            // another host starting at the same time wrote them
            db.ChangeTracker.Clear();
        }
    }

    private sealed record Memo(Guid Scope, SharedStamp Stamp);

    /// <summary>
    /// A context to load a cached copy with: in a request, the request's own (a copy missed inside the
    /// request's transaction must not wait for a second connection from a pool the transactions hold);
    /// elsewhere, one of its own.
    /// </summary>
    internal ContextLease Context()
    {
        if (http.HttpContext is { } context) return new ContextLease(context.RequestServices.GetRequiredService<KernelDbContext>(), null);
        var scope = scopes.CreateAsyncScope();
        return new ContextLease(scope.ServiceProvider.GetRequiredService<KernelDbContext>(), scope);
    }

    internal readonly struct ContextLease(KernelDbContext db, AsyncServiceScope? scope) : IAsyncDisposable
    {
        public KernelDbContext Db => db;
        public ValueTask DisposeAsync() => scope?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
