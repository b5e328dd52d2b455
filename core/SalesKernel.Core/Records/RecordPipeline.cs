using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Audit;
using SalesKernel.Core.CustomFields;
using SalesKernel.Core.Data;
using SalesKernel.Core.Outbox;
using SalesKernel.Core.Security;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Records;

/// <summary>
/// The one write path for entity-set records, whoever writes (generic endpoint, plugin code, import,
/// automation): validate → pre-operation handlers → write + audit + outbox → post-operation handlers,
/// in one transaction (a write made by a handler joins its caller's). Anything that throws rolls the
/// whole write back.
/// </summary>
public sealed class RecordPipeline(
    KernelDbContext db,
    EntitySetRegistry sets,
    CustomFieldRegistry customFields,
    IServiceProvider services,
    IHttpContextAccessor http,
    OutboxSignal outbox,
    CallerContext caller,
    TenantModules modules,
    CallerAccess access,
    TimeProvider clock,
    SqliteWriteGate writeGate,
    Telemetry.KernelMetrics metrics) : IEntityStore
{
    /// <summary>How deeply handlers may nest writes inside writes before the kernel calls it a loop.</summary>
    public const int MaxDepth = 8;

    public static readonly JsonSerializerOptions ValueJson = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private int _depth;
    private IReadOnlySet<string> _enabled = new HashSet<string>();

    public KernelDbContext Db => db;

    /// <summary>
    /// Every field of a set the caller's tenant has: the set's own and system fields, extension fields
    /// of plugins the tenant has switched on, its custom fields (call <see cref="PrepareAsync"/> first).
    /// </summary>
    public IReadOnlyList<RecordField> FieldsOf(EntitySetDescriptor set) =>
        [.. set.Fields.Where(f => f.Source != FieldSource.Extension || _enabled.Contains(f.Owner)), .. customFields.For(caller.TenantId, set.FullName)];

    /// <summary>Whether the caller's tenant has switched a plugin on (call <see cref="PrepareAsync"/> first).</summary>
    public bool IsEnabled(string pluginId) => _enabled.Contains(pluginId);

    /// <summary>Loads what the caller's tenant has (plugins, custom fields); entity-set records need a tenant.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var tenant = caller.TenantId
            ?? throw new AccessDeniedException("Entity-set records belong to a tenant: sign in as one of its users.");
        _enabled = await modules.EnabledAsync(tenant, cancellationToken);
        await customFields.RefreshIfStaleAsync(cancellationToken);
        await access.LoadAsync(cancellationToken);
    }

    public CallerAccess Access => access;

    /// <summary>The fields the caller may see: <see cref="FieldsOf"/> less those their roles hide.</summary>
    public IReadOnlyList<RecordField> VisibleFieldsOf(EntitySetDescriptor set) =>
        FieldsOf(set).Where(f => access.Restriction(set, f.Name) != FieldAccess.Hidden).ToList();

    /// <summary>Writes from outside the pipeline (a client, a plugin endpoint) are checked against the caller's privileges; handlers' nested writes are not.</summary>
    private bool IsCallerWrite => _depth == 0 && !_system && !IsBackground;

    /// <summary>Scheduled jobs and automation act for the tenant as the system, not as a user with roles.</summary>
    private bool IsBackground => caller.UserId is { } user && (user.StartsWith("job:", StringComparison.Ordinal) || user == "automation");
    private bool _system;

    public async Task<EntityEntry> CreateAsync(EntitySetDescriptor set, object entity, IReadOnlyDictionary<RecordField, object?> values, CancellationToken cancellationToken)
    {
        await PrepareAsync(cancellationToken);
        return await MeasuredAsync(set, "create", 1, () => InTransactionAsync(() => CreateInTransactionAsync(set, entity, values, cancellationToken), cancellationToken));
    }

    /// <summary>
    /// A write counted in <c>saleskernel.pipeline.writes</c> by its outcome — the outermost write only: a
    /// handler's nested write is part of the write that caused it. A write inside a transaction a plugin
    /// or automation opened (<see cref="InTransactionAsync{T}"/>) is counted when that transaction ends:
    /// committed, or failed when it is rolled back.
    /// </summary>
    private async Task<T> MeasuredAsync<T>(EntitySetDescriptor set, string operation, int records, Func<Task<T>> write)
    {
        if (_measuring > 0) return await write();
        _measuring++;
        try
        {
            var result = await write();
            if (db.Database.CurrentTransaction is null) metrics.Written(set.FullName, operation, "committed", records);
            else (_pendingWrites ??= []).Add((set.FullName, operation, records));
            return result;
        }
        catch (Exception e)
        {
            metrics.Written(set.FullName, operation, Telemetry.KernelMetrics.Outcome(e), records);
            throw;
        }
        finally
        {
            _measuring--;
        }
    }

    private int _measuring;
    private List<(string Set, string Operation, int Records)>? _pendingWrites;

    /// <summary>The writes made inside the transaction that just ended, counted with its outcome.</summary>
    private void CountPendingWrites(string outcome)
    {
        if (_pendingWrites is not { } pending) return;
        _pendingWrites = null;
        foreach (var (set, operation, records) in pending) metrics.Written(set, operation, outcome, records);
    }

    /// <summary>
    /// Field errors found while reading the caller's body (a wrong type, a read-only field): the next
    /// write's validation answers them together with its own, in one 400.
    /// </summary>
    public Dictionary<string, List<string>>? ReadErrors { get; set; }

    /// <summary>
    /// Creates several records in one transaction: all are written, or none. Every item's field errors
    /// (with <paramref name="readErrors"/>, those found reading it) come back in one 400, by item.
    /// </summary>
    public async Task<IReadOnlyList<EntityEntry>> CreateManyAsync(EntitySetDescriptor set, IReadOnlyList<(object Entity, IReadOnlyDictionary<RecordField, object?> Values)> items,
        CancellationToken cancellationToken, IReadOnlyList<Dictionary<string, List<string>>>? readErrors = null)
    {
        await PrepareAsync(cancellationToken);
        var ids = new Dictionary<Guid, int>();
        for (var i = 0; i < items.Count; i++)
            if (items[i].Entity is IEntity { Id: var id } && id != Guid.Empty && !ids.TryAdd(id, i))
                throw new RecordValidationException(new Dictionary<string, string[]> { [$"items[{i}].id"] = [$"repeats the id of items[{ids[id]}]"] });
        return await MeasuredAsync(set, "create", items.Count, () => InTransactionAsync<IReadOnlyList<EntityEntry>>(async () =>
        {
            var entries = new List<EntityEntry>(items.Count);
            var invalid = new Dictionary<string, string[]>();
            // what each item starts tracking (the record, its lines, audit and outbox rows), to let go of it if it is refused
            var added = new List<object>();
            void OnTracked(object? sender, Microsoft.EntityFrameworkCore.ChangeTracking.EntityTrackedEventArgs e) => added.Add(e.Entry.Entity);
            db.ChangeTracker.Tracked += OnTracked;
            _batch = new Batch();
            try
            {
                for (var i = 0; i < items.Count; i++)
                {
                    added.Clear();
                    ReadErrors = readErrors?[i];
                    try
                    {
                        entries.Add(await CreateInTransactionAsync(set, items[i].Entity, items[i].Values, cancellationToken));
                    }
                    catch (RecordValidationException e)
                    {
                        // refused before anything of it was saved: set it aside and look at the others, for one complete answer
                        foreach (var (field, messages) in e.Errors) invalid[$"items[{i}].{field}"] = messages;
                        foreach (var entity in added.ToList()) db.Entry(entity).State = EntityState.Detached;
                        _batch.Forget(items[i].Entity);
                    }
                    catch (RuleViolationException e)
                    {
                        throw new RuleViolationException(e.Rule, $"items[{i}]: {e.Message}");
                    }
                    finally
                    {
                        ReadErrors = null;
                    }
                    // the batch is written when it is full (one SaveChanges), unless something is already wrong with it
                    if (invalid.Count == 0 && (_batch.Count >= BatchSize || i == items.Count - 1)) await FlushBatchAsync(cancellationToken);
                }
            }
            finally
            {
                db.ChangeTracker.Tracked -= OnTracked;
                _batch = null;
            }
            if (invalid.Count > 0) throw new RecordValidationException(invalid);
            return (IReadOnlyList<EntityEntry>)entries;
        }, cancellationToken));
    }

    /// <summary>How many records of a bulk create are checked and written together (one SaveChanges).</summary>
    public const int BatchSize = 200;

    /// <summary>
    /// A bulk create in progress: the references its records make, checked with one query per set and
    /// read depth, and the post-operation handlers of its records, run once the batch is saved.
    /// </summary>
    private sealed class Batch
    {
        public readonly Dictionary<(EntitySetDescriptor Target, AccessDepth Depth), HashSet<Guid>> References = [];
        public readonly List<(object Entity, Func<Task> Run)> After = [];
        public readonly List<AuditEntry> Audit = [];
        public readonly List<OutboxMessage> Outbox = [];
        public int Count;

        public void Forget(object entity)
        {
            var index = After.FindIndex(a => ReferenceEquals(a.Entity, entity));
            if (index < 0) return;
            After.RemoveAt(index);
            Audit.RemoveAt(index);
            Outbox.RemoveAt(index);
            Count--;
        }
    }

    private Batch? _batch;

    private async Task FlushBatchAsync(CancellationToken cancellationToken)
    {
        var batch = _batch!;
        _batch = null; // what runs now (reference checks, handlers and their nested writes) runs as usual
        try
        {
            // a record may refer to one created earlier in the same batch (its own id, given by the client)
            var adding = batch.After.Select(a => ((IEntity)a.Entity).Id).ToHashSet();
            foreach (var ((target, depth), all) in batch.References)
            {
                var ids = all.Where(id => !adding.Contains(id)).ToHashSet();
                if (ids.Count == 0) continue;
                var existing = await (Task<HashSet<Guid>>)GenericMethods.Of(typeof(RecordPipeline), nameof(ExistingAsync), target.ClrType).Invoke(this, [target, ids, depth, cancellationToken])!;
                if (ids.FirstOrDefault(id => !existing.Contains(id)) is var missing && missing != Guid.Empty)
                    throw new RecordNotFoundException(target.FullName, missing);
            }
            await SaveAsync(cancellationToken);
            await BulkInsert.InsertAsync(db, batch.Audit, cancellationToken);
            await BulkInsert.InsertAsync(db, batch.Outbox, cancellationToken);
            foreach (var (_, run) in batch.After)
            {
                _depth++; // as if inside the record's own write: nested writes are the system's, not the caller's
                try { await run(); }
                finally { _depth--; }
            }
            // written: the change tracker lets go of them, so that it does not grow with the request
            foreach (var (entity, _) in batch.After)
            {
                if (db.Entry(entity) is not { State: EntityState.Unchanged } saved) continue;
                var set = sets.Get(entity.GetType());
                if (set.Definition.Lines is not null)
                    foreach (var line in DocumentLines.Current(db, saved, set).Where(l => l.State == EntityState.Unchanged)) line.State = EntityState.Detached;
                saved.State = EntityState.Detached;
            }
        }
        finally
        {
            _batch = new Batch();
        }
    }

    /// <summary>Which of some records exist within a read depth, in one query.</summary>
    private async Task<HashSet<Guid>> ExistingAsync<TEntity>(EntitySetDescriptor set, HashSet<Guid> ids, AccessDepth depth, CancellationToken cancellationToken)
        where TEntity : class, IEntity
    {
        var list = ids.ToList();
        var query = db.Set<TEntity>().Where(e => list.Contains(e.Id));
        var record = System.Linq.Expressions.Expression.Parameter(typeof(TEntity), "r");
        if (access.Scope(set, depth, record) is { } scope)
            query = query.Where(System.Linq.Expressions.Expression.Lambda<Func<TEntity, bool>>(scope, record));
        return (await query.Select(e => e.Id).ToListAsync(cancellationToken)).ToHashSet();
    }

    public async Task<EntityEntry> UpdateAsync(EntitySetDescriptor set, Guid id, long? expectedVersion, Action<EntityEntry> change, CancellationToken cancellationToken)
    {
        await PrepareAsync(cancellationToken);
        return await MeasuredAsync(set, "update", 1, () => InTransactionAsync<EntityEntry>(async () =>
        {
            var entry = await FindTrackedAsync(set, id, expectedVersion, Privileges.Update, cancellationToken);
            change(entry);
            entry.DetectChanges();
            if (!HasChanges(entry) && !(set.Definition.Lines is not null && DocumentLines.Changed(db, entry, set)))
            {
                ThrowReadErrors(); // nothing readable changed, but what was unreadable is still an error
                return entry;
            }
            var version = (long)entry.Property(SystemFields.Version).OriginalValue!;
            entry.Property(SystemFields.UpdatedAt).CurrentValue = clock.GetUtcNow().UtcDateTime;
            entry.Property(SystemFields.UpdatedBy).CurrentValue = UserId;
            entry.Property(SystemFields.Version).CurrentValue = version + 1;
            await RunStagesAsync(set, entry, WriteOperation.Update, cancellationToken);
            return entry;
        }, cancellationToken));
    }

    public async Task DeleteAsync(EntitySetDescriptor set, Guid id, long? expectedVersion, CancellationToken cancellationToken)
    {
        await PrepareAsync(cancellationToken);
        await MeasuredAsync(set, "delete", 1, () => InTransactionAsync<int>(async () =>
        {
            await DeleteRecordAsync(set, id, expectedVersion, cancellationToken);
            return 0;
        }, cancellationToken));
    }

    /// <summary>The most records one delete may cascade to or detach per relation; beyond it the caller deletes them first.</summary>
    public const int MaxCascade = 1000;

    /// <summary>Deletes a record after carrying out the delete rules of the records that refer to it.</summary>
    private async Task DeleteRecordAsync(EntitySetDescriptor set, Guid id, long? expectedVersion, CancellationToken cancellationToken)
    {
        var callerWrite = IsCallerWrite;
        var entry = await FindTrackedAsync(set, id, expectedVersion, Privileges.Delete, cancellationToken);
        await ApplyDeleteRulesAsync(set, id, callerWrite, cancellationToken);
        entry.State = EntityState.Deleted;
        await RunStagesAsync(set, entry, WriteOperation.Delete, cancellationToken);
    }

    /// <summary>
    /// What deleting a record does to the records that refer to it, each relation by its rule: Restrict
    /// refuses (409 naming them), Cascade deletes them and Detach empties their reference — each an
    /// audited write through the stages, which a caller must be allowed to make on every one of them.
    /// </summary>
    private async Task ApplyDeleteRulesAsync(EntitySetDescriptor set, Guid id, bool callerWrite, CancellationToken cancellationToken)
    {
        if (set.Dependents.Count == 0) return;
        var work = new List<(DeleteRelation Relation, List<Guid> Ids)>();
        var blockers = new List<RecordUse>();
        foreach (var relation in set.Dependents)
        {
            var ids = await CallTypedAsync<List<Guid>>(nameof(ReferringAsync), relation.Child, relation, id, MaxCascade + 1, cancellationToken);
            if (ids.Count == 0) continue;
            // a plugin the tenant has off keeps its data and runs nothing: its records in the way refuse the delete
            if (relation.Rule == DeleteRule.Restrict || !_enabled.Contains(relation.Child.Plugin.Id) || ids.Count > MaxCascade)
                blockers.Add(new RecordUse(relation.Child.FullName, relation.Field,
                    ids.Count > MaxCascade ? await CallTypedAsync<int>(nameof(CountReferringAsync), relation.Child, relation, id, cancellationToken) : ids.Count));
            else work.Add((relation, ids));
        }
        if (blockers.Count > 0) throw new RecordInUseException(set.FullName, id, blockers);
        if (callerWrite)
            foreach (var (relation, ids) in work)
            {
                var privilege = relation.Rule == DeleteRule.Cascade ? Privileges.Delete : Privileges.Update;
                var reached = await CallTypedAsync<int>(nameof(CountWithinAsync), relation.Child, relation.Child, ids, privilege, cancellationToken);
                if (reached < ids.Count)
                    throw new AccessDeniedException($"Deleting it would {(relation.Rule == DeleteRule.Cascade ? "delete" : "change")} {ids.Count - reached} " +
                        $"{relation.Child.Definition.PluralDisplayName?.En ?? relation.Child.FullName} you may not {privilege}.");
            }
        // the referring records' writes are part of this delete: checked above, not again one by one
        _depth++;
        try
        {
            foreach (var (relation, ids) in work)
                foreach (var childId in ids)
                {
                    if (relation.Rule == DeleteRule.Cascade) await DeleteRecordAsync(relation.Child, childId, null, cancellationToken);
                    else await UpdateAsync(relation.Child, childId, null, entry => entry.Property(relation.PropertyName).CurrentValue = null, cancellationToken);
                }
        }
        finally
        {
            _depth--;
        }
    }

    private Task<T> CallTypedAsync<T>(string method, EntitySetDescriptor set, params object[] arguments) =>
        (Task<T>)GenericMethods.Of(typeof(RecordPipeline), method, set.ClrType).Invoke(this, arguments)!;

    private IQueryable<TEntity> Referring<TEntity>(DeleteRelation relation, Guid id) where TEntity : class, IEntity
    {
        var record = System.Linq.Expressions.Expression.Parameter(typeof(TEntity), "r");
        var type = relation.Child.EntityType.FindProperty(relation.PropertyName)!.ClrType;
        var property = System.Linq.Expressions.Expression.Call(typeof(EF), nameof(EF.Property), [type], record, System.Linq.Expressions.Expression.Constant(relation.PropertyName));
        var equals = System.Linq.Expressions.Expression.Equal(property, Queries.FilterTranslator.Parameter(id, type));
        return db.Set<TEntity>().Where(System.Linq.Expressions.Expression.Lambda<Func<TEntity, bool>>(equals, record));
    }

    private Task<List<Guid>> ReferringAsync<TEntity>(DeleteRelation relation, Guid id, int take, CancellationToken cancellationToken) where TEntity : class, IEntity =>
        Referring<TEntity>(relation, id).OrderBy(e => e.Id).Select(e => e.Id).Take(take).ToListAsync(cancellationToken);

    private Task<int> CountReferringAsync<TEntity>(DeleteRelation relation, Guid id, CancellationToken cancellationToken) where TEntity : class, IEntity =>
        Referring<TEntity>(relation, id).CountAsync(cancellationToken);

    /// <summary>How many of the records the caller's depth of a privilege reaches (shares grant reading only).</summary>
    private Task<int> CountWithinAsync<TEntity>(EntitySetDescriptor set, List<Guid> ids, string privilege, CancellationToken cancellationToken) where TEntity : class, IEntity
    {
        var depth = access.Depth(set, privilege);
        if (depth == AccessDepth.None) return Task.FromResult(0);
        var query = db.Set<TEntity>().Where(e => ids.Contains(e.Id));
        var record = System.Linq.Expressions.Expression.Parameter(typeof(TEntity), "r");
        if (access.Scope(set, depth, record, withShares: false) is { } scope)
            query = query.Where(System.Linq.Expressions.Expression.Lambda<Func<TEntity, bool>>(scope, record));
        return query.CountAsync(cancellationToken);
    }

    /// <summary>Gives a record to another owner and team: needs the assign privilege over the record.</summary>
    public async Task<EntityEntry> AssignAsync(EntitySetDescriptor set, Guid id, string? ownerId, string? teamId, long? expectedVersion, CancellationToken cancellationToken)
    {
        await PrepareAsync(cancellationToken);
        return await MeasuredAsync(set, "assign", 1, () => InTransactionAsync<EntityEntry>(async () =>
        {
            var entry = await FindTrackedAsync(set, id, expectedVersion, Privileges.Assign, cancellationToken);
            entry.Property(SystemFields.OwnerId).CurrentValue = ownerId;
            entry.Property(SystemFields.TeamId).CurrentValue = teamId;
            if (!HasChanges(entry)) return entry;
            var version = (long)entry.Property(SystemFields.Version).OriginalValue!;
            entry.Property(SystemFields.UpdatedAt).CurrentValue = clock.GetUtcNow().UtcDateTime;
            entry.Property(SystemFields.UpdatedBy).CurrentValue = UserId;
            entry.Property(SystemFields.Version).CurrentValue = version + 1;
            await RunStagesAsync(set, entry, WriteOperation.Update, cancellationToken);
            return entry;
        }, cancellationToken));
    }

    /// <summary>Shares a record with a user of the tenant, or stops sharing it: needs the share privilege over the record.</summary>
    public async Task ShareAsync(EntitySetDescriptor set, Guid id, string userId, bool share, CancellationToken cancellationToken)
    {
        await PrepareAsync(cancellationToken);
        await InTransactionAsync(async () =>
        {
            await FindTrackedAsync(set, id, null, Privileges.Share, cancellationToken);
            var tenant = caller.TenantId!.Value;
            if (!Guid.TryParse(userId, out var user) || !await db.Users.AnyAsync(u => u.Id == user && u.TenantId == tenant, cancellationToken))
                throw new RecordValidationException(new Dictionary<string, string[]> { ["userId"] = ["must be a user of this tenant"] });
            var existing = await db.Shares.FirstOrDefaultAsync(s => s.TenantId == tenant && s.EntitySet == set.FullName && s.RecordId == id && s.UserId == userId, cancellationToken);
            if (share && existing is null) db.Shares.Add(new RecordShare { TenantId = tenant, EntitySet = set.FullName, RecordId = id, UserId = userId });
            if (!share && existing is not null) db.Shares.Remove(existing);
            db.Audit.Add(new AuditEntry
            {
                TenantId = tenant, AtUtc = clock.GetUtcNow().UtcDateTime, UserId = UserId, ClientIp = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
                EntitySet = set.FullName, RecordId = id, Operation = share ? "Share" : "Unshare",
                Changes = JsonSerializer.Serialize(new[] { new FieldChange("sharedWith", share ? null : userId, share ? userId : null) }, ValueJson),
            });
            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(cancellationToken);
            return 0;
        }, cancellationToken);
    }

    /// <summary>Records that the caller exported records of a set (how many, with which filter).</summary>
    public async Task AuditExportAsync(EntitySetDescriptor set, int rows, string? filter, CancellationToken cancellationToken)
    {
        db.Audit.Add(new AuditEntry
        {
            TenantId = caller.TenantId, AtUtc = clock.GetUtcNow().UtcDateTime, UserId = UserId, ClientIp = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
            EntitySet = set.FullName, RecordId = Guid.Empty, Operation = "Export",
            Changes = JsonSerializer.Serialize(new[] { new FieldChange("rows", null, rows), new FieldChange("filter", null, filter) }, ValueJson),
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    private bool _transitioning;
    private string? _transitionName;

    /// <summary>The caller confirmed the write despite warnings (<c>?force=true</c>); handlers see it as <c>IsConfirmed</c>.</summary>
    public bool Confirmed { get; set; } = string.Equals(http.HttpContext?.Request.Query["force"], "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Set by the automation runner: writes it makes carry one more link of the rule chain.</summary>
    public int ChainDepth { get; set; }

    /// <summary>
    /// Changes a record's status through its state machine: <paramref name="change"/> (the kernel's
    /// transition runner) checks the start state and guards and sets the status; the rest is an update.
    /// </summary>
    public async Task<EntityEntry> TransitionAsync(EntitySetDescriptor set, Guid id, string privilege, long? expectedVersion, Action<EntityEntry> change,
        CancellationToken cancellationToken, bool asSystem = false, string? name = null)
    {
        await PrepareAsync(cancellationToken);
        return await MeasuredAsync(set, "transition", 1, () => InTransactionAsync<EntityEntry>(async () =>
        {
            var wasSystem = _system;
            _system = asSystem || wasSystem;
            EntityEntry entry;
            try { entry = await FindTrackedAsync(set, id, expectedVersion, privilege, cancellationToken); }
            finally { _system = wasSystem; }
            change(entry);
            var version = (long)entry.Property(SystemFields.Version).OriginalValue!;
            entry.Property(SystemFields.UpdatedAt).CurrentValue = clock.GetUtcNow().UtcDateTime;
            entry.Property(SystemFields.UpdatedBy).CurrentValue = UserId;
            entry.Property(SystemFields.Version).CurrentValue = version + 1;
            _transitioning = true;
            _transitionName = name;
            try
            {
                await RunStagesAsync(set, entry, WriteOperation.Update, cancellationToken);
            }
            finally
            {
                _transitioning = false;
                _transitionName = null;
            }
            return entry;
        }, cancellationToken));
    }

    /// <summary>
    /// Runs writes as the system (no privilege checks), in one transaction, with the given automation
    /// chain depth — for the automation runner.
    /// </summary>
    public async Task AsSystemAsync(int chainDepth, Func<Task> work, CancellationToken cancellationToken)
    {
        var (wasSystem, wasDepth) = (_system, ChainDepth);
        _system = true;
        ChainDepth = chainDepth;
        try
        {
            await InTransactionAsync(async () => { await work(); return 0; }, cancellationToken);
        }
        finally
        {
            (_system, ChainDepth) = (wasSystem, wasDepth);
        }
    }

    /// <summary>A record the caller may read, tracked (for a look, not a write); 404 otherwise.</summary>
    public async Task<EntityEntry> FindReadableAsync(EntitySetDescriptor set, Guid id, CancellationToken cancellationToken)
    {
        var find = GenericMethods.Of(typeof(RecordPipeline), nameof(FindTrackedTypedAsync), set.ClrType);
        var depth = access.Depth(set, Privileges.Read);
        var entity = depth == AccessDepth.None ? null : await (Task<object?>)find.Invoke(this, [set, id, depth, cancellationToken])!;
        return entity is null ? throw new RecordNotFoundException(set.FullName, id) : db.Entry(entity);
    }

    /// <summary>Whether reads and writes now act for the caller with their privileges (not for a job, automation or a plugin acting as the system).</summary>
    public bool ChecksCaller => !_system && !IsBackground;

    // IEntityStore: the same path, typed, for plugin code.

    public async Task<TEntity> AssignAsync<TEntity>(Guid id, string? ownerId, Guid? teamId, long? expectedVersion = null, CancellationToken cancellationToken = default)
        where TEntity : class, IEntity
    {
        var set = sets.Get(typeof(TEntity));
        if (!set.Definition.IsOwned) throw new InvalidOperationException($"{set.FullName} is not owned by users: it has no owner to assign.");
        await PrepareAsync(cancellationToken);
        var tenant = caller.TenantId!.Value;
        if (ownerId is not null && !(Guid.TryParse(ownerId, out var owner) && await db.Users.AnyAsync(u => u.Id == owner && u.TenantId == tenant && u.IsActive, cancellationToken)))
            throw new RecordValidationException(new Dictionary<string, string[]> { ["ownerId"] = ["must be an active user of this tenant"] });
        if (teamId is { } team && !await db.Teams.AnyAsync(t => t.Id == team && t.TenantId == tenant, cancellationToken))
            throw new RecordValidationException(new Dictionary<string, string[]> { ["teamId"] = ["must be a team of this tenant"] });
        return (TEntity)(await AssignAsync(set, id, ownerId, teamId?.ToString(), expectedVersion, cancellationToken)).Entity;
    }

    public async Task<TEntity> TransitionAsync<TEntity>(Guid id, string transition, string? comment = null, long? expectedVersion = null, CancellationToken cancellationToken = default,
        object? input = null)
        where TEntity : class, IEntity
    {
        var set = sets.Get(typeof(TEntity));
        await PrepareAsync(cancellationToken);
        // a plugin's input goes through the same reading and checks as a client's
        JsonElement? json = input is null ? null : JsonSerializer.SerializeToElement(input, input.GetType(), ValueJson);
        var (entry, _) = await services.GetRequiredService<Workflow.Transitions>().RunAsync(set, id, transition, comment, expectedVersion, cancellationToken, json);
        return (TEntity)entry.Entity;
    }

    public async Task LockAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("LockAsync holds a lock until the transaction ends: call it inside InTransactionAsync or AsSystemAsync.");
        // SQLite write transactions begin IMMEDIATE: one at a time already
        var name = $"{caller.TenantId}:{key}";
        if (db.Database.IsNpgsql())
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({name}, 0))", cancellationToken);
        else if (db.Database.IsSqlServer())
            // sp_getapplock's resource is at most 255 characters: the key is hashed when longer
            await db.Database.ExecuteSqlRawAsync(SqlServerSql.TransactionLock, [SqlServerSql.LockResource(name)], cancellationToken);
    }

    public async Task<T> AsSystemAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken = default)
    {
        var wasSystem = _system;
        _system = true;
        try
        {
            return await InTransactionAsync(work, cancellationToken);
        }
        finally
        {
            _system = wasSystem;
        }
    }

    public Task<IQueryable<TEntity>> QueryAsync<TEntity>(CancellationToken cancellationToken = default) where TEntity : class, IEntity =>
        services.GetRequiredService<IRecordAccess>().ScopeAsync<TEntity>(Privileges.Read, cancellationToken);

    public IQueryable<TEntity> QueryAsSystem<TEntity>() where TEntity : class, IEntity => db.Set<TEntity>().AsNoTracking();

    public async Task<TEntity> CreateAsync<TEntity>(TEntity entity, IReadOnlyDictionary<string, object?>? fields = null, CancellationToken cancellationToken = default)
        where TEntity : class, IEntity
    {
        var set = sets.Get(typeof(TEntity));
        await PrepareAsync(cancellationToken);
        var all = FieldsOf(set);
        var values = (fields ?? new Dictionary<string, object?>()).ToDictionary(
            f => all.FirstOrDefault(x => x.Name == f.Key) ?? throw new ArgumentException($"{set.FullName} has no field '{f.Key}'.", nameof(fields)),
            f => f.Value);
        return (TEntity)(await CreateAsync(set, entity, values, cancellationToken)).Entity;
    }

    public async Task<TEntity> UpdateAsync<TEntity>(Guid id, Action<TEntity> change, long? expectedVersion = null, CancellationToken cancellationToken = default)
        where TEntity : class, IEntity =>
        (TEntity)(await UpdateAsync(sets.Get(typeof(TEntity)), id, expectedVersion, e => change((TEntity)e.Entity), cancellationToken)).Entity;

    public Task DeleteAsync<TEntity>(Guid id, long? expectedVersion = null, CancellationToken cancellationToken = default)
        where TEntity : class, IEntity =>
        DeleteAsync(sets.Get(typeof(TEntity)), id, expectedVersion, cancellationToken);

    private async Task<EntityEntry> CreateInTransactionAsync(EntitySetDescriptor set, object entity, IReadOnlyDictionary<RecordField, object?> values, CancellationToken cancellationToken)
    {
        if (IsCallerWrite) access.Require(set, Privileges.Create);
        var record = (IEntity)entity;
        if (record.Id == Guid.Empty) record.Id = Guid.CreateVersion7();
        if (_depth == 0 && Idempotency is { Key: not null, Resource: null } key)
        {
            // what a retry is answered with if this create commits but its own answer is lost
            key.Resource = $"{set.Route}/{record.Id}";
            key.ResourceId = record.Id;
            key.ProvisionalStatus = StatusCodes.Status201Created;
        }
        var entry = db.Entry(entity);
        entry.State = EntityState.Added;
        entry.Property(EntitySetModel.TenantColumn).CurrentValue = caller.TenantId!.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        entry.Property(SystemFields.CreatedAt).CurrentValue = now;
        entry.Property(SystemFields.UpdatedAt).CurrentValue = now;
        entry.Property(SystemFields.CreatedBy).CurrentValue = UserId;
        entry.Property(SystemFields.UpdatedBy).CurrentValue = UserId;
        entry.Property(SystemFields.Version).CurrentValue = 1L;
        if (set.Definition.IsOwned)
        {
            entry.Property(SystemFields.OwnerId).CurrentValue = UserId;
            entry.Property(SystemFields.TeamId).CurrentValue = access.TeamId?.ToString();
        }
        foreach (var (field, value) in values) RecordValues.Set(entry, field, value);
        // document numbers come from the tenant's sequence, in this write's transaction (a rollback gives them back)
        foreach (var field in set.Fields.Where(f => f.Sequence is not null))
            if (RecordValues.Get(entry, field) is null or "")
                RecordValues.Set(entry, field, await services.GetRequiredService<NumberSequences>().NextAsync(field.Sequence!, cancellationToken));
        // a record starts its lifecycle in the initial state, whatever it was given
        if (set.Definition.StateMachine is { } machine) entry.Property(machine.PropertyName).CurrentValue = machine.Initial;
        await RunStagesAsync(set, entry, WriteOperation.Create, cancellationToken);
        return entry;
    }

    /// <summary>
    /// The record, tracked, for a write. A query, not Find: the tenant filter applies, and for a
    /// caller's write so does their read depth — what they may not see is not found (404); what they
    /// see but may not change is refused (403).
    /// </summary>
    public async Task<EntityEntry> FindTrackedAsync(EntitySetDescriptor set, Guid id, long? expectedVersion, string privilege, CancellationToken cancellationToken)
    {
        var checkAccess = IsCallerWrite;
        var find = GenericMethods.Of(typeof(RecordPipeline), nameof(FindTrackedTypedAsync), set.ClrType);
        var readDepth = checkAccess ? access.Depth(set, Privileges.Read) : AccessDepth.Tenant;
        var entity = readDepth == AccessDepth.None ? null
            : await (Task<object?>)find.Invoke(this, [set, id, readDepth, cancellationToken])!;
        if (entity is null) throw new RecordNotFoundException(set.FullName, id);
        var entry = db.Entry(entity);
        if (checkAccess && !await access.ReachesAsync(set, access.Depth(set, privilege), id,
                set.Definition.IsOwned ? entry.Property(SystemFields.OwnerId).CurrentValue as string : null,
                set.Definition.IsOwned ? entry.Property(SystemFields.TeamId).CurrentValue as string : null, cancellationToken, privilege))
            throw new AccessDeniedException($"You may see this {set.Definition.DisplayName?.En ?? set.FullName} but not {privilege} it.");
        var version = (long)entry.Property(SystemFields.Version).CurrentValue!;
        if (expectedVersion is { } expected && expected != version)
            throw new ConcurrencyConflictException(set.FullName, id, expected, version);
        return entry;
    }

    private async Task<object?> FindTrackedTypedAsync<TEntity>(EntitySetDescriptor set, Guid id, AccessDepth readDepth, CancellationToken cancellationToken)
        where TEntity : class, IEntity
    {
        var query = db.Set<TEntity>().Where(e => e.Id == id);
        var record = System.Linq.Expressions.Expression.Parameter(typeof(TEntity), "r");
        if (access.Scope(set, readDepth, record) is { } scope)
            query = query.Where(System.Linq.Expressions.Expression.Lambda<Func<TEntity, bool>>(scope, record));
        // a document is written with its lines: they are loaded with it
        if (set.Definition.Lines is { } lines) query = query.Include(lines.PropertyName);
        var found = await query.FirstOrDefaultAsync(cancellationToken);
        // the database returns them in any order: the collection holds them as numbered
        if (found is not null && set.Definition.Lines is not null) DocumentLines.SortByNumber(db.Entry(found), set);
        return found;
    }

    /// <summary>Every reference the write sets must point at a record the caller's tenant has (404 otherwise).</summary>
    private async Task CheckReferencesAsync(EntitySetDescriptor set, EntityEntry entry, IReadOnlyList<RecordField> fields,
        IReadOnlyDictionary<string, object?> beforeValues, bool callerWrite, CancellationToken cancellationToken)
    {
        var targets = new List<(EntitySetDescriptor Target, Guid Id)>();
        foreach (var field in fields.Where(f => f.Type == FieldType.Reference && f.ReferenceTo is not null))
            if (RecordValues.Get(entry, field) is Guid id && !Equals(beforeValues.GetValueOrDefault(field.Name), id) && sets.Find(field.ReferenceTo!) is { } target)
                targets.Add((target, id));
        foreach (var fk in set.EntityType.GetForeignKeys())
        {
            if (sets.Sets.FirstOrDefault(s => s.ClrType == fk.PrincipalEntityType.ClrType) is not { } target || fk.Properties.Count != 1) continue;
            var property = entry.Property(fk.Properties[0].Name);
            if (property.CurrentValue is Guid id && (entry.State == EntityState.Added || !Equals(property.OriginalValue, id)))
                targets.Add((target, id));
        }
        if (_batch is not null && _depth == 1)
        {
            // a bulk create checks its records' references together, before the batch is written
            foreach (var (target, id) in targets)
            {
                var key = (target, callerWrite ? access.Depth(target, Privileges.Read) : AccessDepth.Tenant);
                if (key.Item2 == AccessDepth.None) throw new RecordNotFoundException(target.FullName, id);
                if (!_batch.References.TryGetValue(key, out var ids)) _batch.References[key] = ids = [];
                ids.Add(id);
            }
            return;
        }
        foreach (var (target, id) in targets.Distinct())
        {
            var exists = GenericMethods.Of(typeof(RecordPipeline), nameof(ExistsAsync), target.ClrType);
            var depth = callerWrite ? access.Depth(target, Privileges.Read) : AccessDepth.Tenant;
            if (depth == AccessDepth.None || !await (Task<bool>)exists.Invoke(this, [target, id, depth, cancellationToken])!)
                throw new RecordNotFoundException(target.FullName, id);
        }
    }

    /// <summary>Whether the caller (the system, outside a caller's write) can read a record of a set: how references in input are checked.</summary>
    public async Task<bool> CanReferenceAsync(string entitySet, Guid id, CancellationToken cancellationToken)
    {
        if (sets.Find(entitySet) is not { } target) return false;
        var depth = ChecksCaller ? access.Depth(target, Privileges.Read) : AccessDepth.Tenant;
        if (depth == AccessDepth.None) return false;
        var exists = GenericMethods.Of(typeof(RecordPipeline), nameof(ExistsAsync), target.ClrType);
        return await (Task<bool>)exists.Invoke(this, [target, id, depth, cancellationToken])!;
    }

    /// <summary>Whether a record exists within a read depth (the tenant filter always applies).</summary>
    private Task<bool> ExistsAsync<TEntity>(EntitySetDescriptor set, Guid id, AccessDepth depth, CancellationToken cancellationToken) where TEntity : class, IEntity
    {
        var query = db.Set<TEntity>().Where(e => e.Id == id);
        var record = System.Linq.Expressions.Expression.Parameter(typeof(TEntity), "r");
        if (access.Scope(set, depth, record) is { } scope)
            query = query.Where(System.Linq.Expressions.Expression.Lambda<Func<TEntity, bool>>(scope, record));
        return query.AnyAsync(cancellationToken);
    }

    private async Task RunStagesAsync(EntitySetDescriptor set, EntityEntry entry, WriteOperation operation, CancellationToken cancellationToken)
    {
        if (++_depth > MaxDepth)
        {
            _depth--;
            throw new RuleViolationException("kernel.max-depth",
                $"Writes nested more than {MaxDepth} levels deep were stopped: handlers keep triggering each other ({set.FullName}).");
        }
        try
        {
            var fields = FieldsOf(set);
            var recordId = ((IEntity)entry.Entity).Id;
            // the record as stored, frozen now: nested writes may save the entry before this write ends
            var beforeValues = operation == WriteOperation.Create
                ? new Dictionary<string, object?>()
                : fields.ToDictionary(f => f.Name, f => RecordValues.Get(entry, f, original: true));
            var before = operation == WriteOperation.Create ? null : entry.OriginalValues.ToObject();
            var change = (IRecordChange)Activator.CreateInstance(typeof(EntityChange<>).MakeGenericType(set.ClrType),
                set, entry, operation, before, beforeValues, fields,
                (Func<IReadOnlyCollection<string>>)(() => Diff(entry, fields, operation, beforeValues).Select(c => c.Field).ToList()),
                _depth, UserId, Confirmed, (Func<IEnumerable<object>>)(() => _batch?.After.Select(a => a.Entity) ?? []))!;

            // a document's lines follow its collection; computed fields are worked out before anything is checked
            List<Dictionary<string, object?>>? linesBefore = null;
            Dictionary<string, List<string>>? lineErrors = null;
            if (set.Definition.Lines is not null)
            {
                var stored = DocumentLines.Tracked(db, set, recordId);
                linesBefore = DocumentLines.Snapshot(stored, set.LineFields, original: true);
                if (operation != WriteOperation.Delete) DocumentLines.Sync(db, entry, set, stored);
            }
            if (operation != WriteOperation.Delete) await FillCurrenciesAsync(entry, fields, cancellationToken);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo? computeFailure = null;
            if (operation != WriteOperation.Delete && set.Definition.Computations.Count > 0)
            {
                // a computation may take valid fields for granted (a known currency): on a record that fails the
                // checks, its failure is not a fault, the field errors are the answer; on a valid one it is thrown
                try
                {
                    foreach (var compute in set.Definition.Computations) compute(entry.Entity);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    computeFailure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
                }
                entry.DetectChanges();
            }
            if (set.Definition.Lines is not null && operation != WriteOperation.Delete)
                lineErrors = await CheckLinesAsync(set, entry, cancellationToken);

            if (operation == WriteOperation.Update && !_transitioning && set.Definition.StateMachine is { } machine
                && entry.Property(machine.PropertyName).IsModified)
                throw new RuleViolationException("kernel.status-by-transition",
                    $"The {machine.PropertyName} of {set.FullName} changes only through its transitions: {string.Join(", ", machine.Transitions.Select(t => t.Name))}.");
            if (operation != WriteOperation.Delete)
            {
                await ValidateAsync(set, entry, change, fields, beforeValues, operation, cancellationToken, lineErrors, computeFailure is not null);
                if (computeFailure?.SourceException is ArithmeticException arithmetic)
                    throw new RecordValidationException(new Dictionary<string, string[]>
                    {
                        [set.Definition.Lines?.Name ?? "$"] = [$"the values are too large to work out the record's totals ({arithmetic.Message})"],
                    });
                computeFailure?.Throw();
                // a caller may only point at records they can see: what they cannot see does not exist for them
                await CheckReferencesAsync(set, entry, fields, beforeValues, _depth == 1 && ChecksCaller, cancellationToken);
            }

            change.AllowSet = operation != WriteOperation.Delete;
            var handlers = set.PreOperationHandlers.Where(h => _enabled.Contains(h.PluginId)).ToList();
            var asValidated = handlers.Count > 0 && operation != WriteOperation.Delete ? fields.ToDictionary(f => f.Name, f => RecordValues.Get(entry, f)) : null;
            foreach (var handler in handlers)
                await change.InvokeHandlerAsync(services.GetRequiredService(handler.HandlerType), cancellationToken);
            change.AllowSet = false;
            if (asValidated is not null) await CheckHandlerChangesAsync(set, entry, fields, asValidated, cancellationToken);

            var changes = Diff(entry, fields, operation, beforeValues);
            if (linesBefore is not null)
            {
                // the lines are one field of the document in its history: all of them before, all of them after
                var linesAfter = operation == WriteOperation.Delete ? null : DocumentLines.Snapshot(DocumentLines.Current(db, entry, set), set.LineFields, original: false);
                if (!DocumentLines.Same(linesBefore, linesAfter) && !(operation == WriteOperation.Delete && linesBefore.Count == 0))
                    changes.Add(new FieldChange(set.Definition.Lines!.Name, operation == WriteOperation.Create ? null : linesBefore, linesAfter));
            }
            change.Freeze(changes.Select(c => c.Field).ToList());
            var changesJson = JsonSerializer.Serialize(changes, ValueJson);
            var now = clock.GetUtcNow().UtcDateTime;
            var audit = new AuditEntry
            {
                TenantId = caller.TenantId, AtUtc = now, UserId = UserId, ClientIp = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
                EntitySet = set.FullName, RecordId = recordId, Operation = operation.ToString(), Changes = changesJson,
            };
            var message = new OutboxMessage
            {
                TenantId = caller.TenantId, OccurredAtUtc = now, EntitySet = set.FullName, RecordId = recordId, Operation = operation.ToString(),
                UserId = UserId, Changes = changesJson, Transition = _depth == 1 ? _transitionName : null, ChainDepth = ChainDepth,
            };
            if (_batch is not null && _depth == 1)
            {
                // part of a bulk create: saved with its batch (its audit and outbox rows in one statement each),
                // its post-operation handlers run after that
                _batch.Count++;
                _batch.Audit.Add(audit);
                _batch.Outbox.Add(message);
                _batch.After.Add((entry.Entity, () => PostOperationAsync(set, change, cancellationToken)));
                return;
            }
            // an update that changed nothing a reader could see (only stamps) leaves no empty row in the audit
            if (changes.Count > 0 || operation != WriteOperation.Update) db.Audit.Add(audit);
            db.Outbox.Add(message);
            await SaveAsync(cancellationToken);
            await PostOperationAsync(set, change, cancellationToken);
        }
        finally
        {
            _depth--;
        }
    }

    private async Task PostOperationAsync(EntitySetDescriptor set, IRecordChange change, CancellationToken cancellationToken)
    {
        var handlers = set.PostOperationHandlers.Where(h => _enabled.Contains(h.PluginId)).ToList();
        if (handlers.Count == 0) return;
        foreach (var handler in handlers)
            await change.InvokeHandlerAsync(services.GetRequiredService(handler.HandlerType), cancellationToken);
        // whatever a post-operation handler wants written goes through IEntityStore (audited, versioned)
        if (db.ChangeTracker.HasChanges())
            throw new InvalidOperationException(
                $"A post-operation handler of {set.FullName} changed tracked records without IEntityStore; " +
                "change the record in a pre-operation handler, or write other records through IEntityStore.");
    }

    /// <summary>What pre-operation handlers changed meets the same checks as what the caller sent: fields and references (in the tenant).</summary>
    private async Task CheckHandlerChangesAsync(EntitySetDescriptor set, EntityEntry entry, IReadOnlyList<RecordField> fields,
        Dictionary<string, object?> validated, CancellationToken cancellationToken)
    {
        entry.DetectChanges();
        var changed = Changed(entry, fields, validated).ToList();
        if (changed.Count == 0) return;
        var errors = new Dictionary<string, List<string>>();
        FieldValidation.Check(entry, changed, errors, fields, await DefaultCurrencyAsync(cancellationToken));
        if (errors.Count > 0)
            throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.Select(m => $"{m} (as a rule of {set.FullName} set it)").ToArray()));
        await CheckReferencesAsync(set, entry, changed, validated, callerWrite: false, cancellationToken);
    }

    private async Task ValidateAsync(EntitySetDescriptor set, EntityEntry entry, IRecordChange change, IReadOnlyList<RecordField> fields,
        IReadOnlyDictionary<string, object?> beforeValues, WriteOperation operation, CancellationToken cancellationToken,
        Dictionary<string, List<string>>? lineErrors = null, bool computeFailed = false)
    {
        var errors = lineErrors ?? new Dictionary<string, List<string>>();
        // the caller's write: what could not be read of its body joins the answer; those fields are not judged twice
        if (_depth == 1 && ReadErrors is { Count: > 0 } read)
            foreach (var (field, messages) in read) errors[field] = [.. messages];
        ReadErrors = null;
        var toCheck = (operation == WriteOperation.Create
            ? fields
            : Changed(entry, fields, beforeValues)).Where(f => !errors.ContainsKey(f.Name));
        FieldValidation.Check(entry, toCheck, errors, fields, await DefaultCurrencyAsync(cancellationToken));
        var invalid = errors.Count > 0;
        if (computeFailed && !invalid) return; // the computation's own failure is the answer
        foreach (var registration in set.Validators.Where(v => _enabled.Contains(v.PluginId)))
        {
            FluentValidation.Results.ValidationResult result;
            try
            {
                result = await change.ValidateAsync(services.GetRequiredService(registration.ValidatorType), cancellationToken);
            }
            catch (Exception e) when (invalid && e is not OperationCanceledException)
            {
                // a validator may take the kernel's checks for granted (a required text is there): on a record
                // that failed them, its failure is not a fault, and the kernel's errors are the answer
                continue;
            }
            foreach (var failure in result.Errors)
                FieldValidation.Add(errors, ApiPath(failure.PropertyName), failure.ErrorMessage);
        }
        if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }

    /// <summary>
    /// A document's lines, checked together: how many there are, and each new or changed line's fields
    /// (required, lengths, ranges, formats, money in the document's currency) and references.
    /// </summary>
    private async Task<Dictionary<string, List<string>>> CheckLinesAsync(EntitySetDescriptor set, EntityEntry header, CancellationToken cancellationToken)
    {
        var definition = set.Definition.Lines!;
        var errors = new Dictionary<string, List<string>>();
        var lines = DocumentLines.Current(db, header, set);
        if (definition.AtLeastOne && lines.Count == 0) FieldValidation.Add(errors, definition.Name, "must hold at least one line");
        if (lines.Count > definition.MaxLines) FieldValidation.Add(errors, definition.Name, $"must hold at most {definition.MaxLines} lines; it holds {lines.Count}");
        // the lines' amounts are in the document's currency field they name (the first one otherwise)
        var named = set.LineFields.FirstOrDefault(f => f.Type == FieldType.Money)?.CurrencyField;
        var currencyField = set.Fields.FirstOrDefault(f => f.Name == named && f.Format == FieldFormat.Currency)
            ?? set.Fields.FirstOrDefault(f => f.Format == FieldFormat.Currency);
        var currency = currencyField is not null && RecordValues.Get(header, currencyField) is string c && c.Length > 0
            ? c : await DefaultCurrencyAsync(cancellationToken);
        // a new currency checks every line's amounts again, not only the lines that changed
        var currencyChanged = currencyField is not null && header.State == EntityState.Modified
            && !Equals(header.Property(currencyField.PropertyName).OriginalValue, header.Property(currencyField.PropertyName).CurrentValue);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.State is not (EntityState.Added or EntityState.Modified) && !currencyChanged) continue;
            var found = new Dictionary<string, List<string>>();
            FieldValidation.Check(line, set.LineFields.Where(f => !f.IsReadOnly || f.IsRequired), found, set.LineFields, currency);
            foreach (var field in set.LineFields.Where(f => f.Type == FieldType.Reference && f.ReferenceTo is not null && !found.ContainsKey(f.Name)))
                if (line.Property(field.PropertyName).CurrentValue is Guid id
                    && (line.State == EntityState.Added || !Equals(line.Property(field.PropertyName).OriginalValue, id))
                    && !await CanReferenceAsync(field.ReferenceTo!, id, cancellationToken))
                    FieldValidation.Add(found, field.Name, $"names no {field.ReferenceTo} record you can read ({id})");
            foreach (var (field, messages) in found) errors[$"{definition.Name}[{i}].{field}"] = messages;
        }
        return errors;
    }

    /// <summary>The fields whose value differs from <paramref name="before"/>, with the money fields whose currency did.</summary>
    private static IEnumerable<RecordField> Changed(EntityEntry entry, IReadOnlyList<RecordField> fields, IReadOnlyDictionary<string, object?> before)
    {
        var changed = fields.Where(f => !Equal(before.GetValueOrDefault(f.Name), RecordValues.Get(entry, f))).ToList();
        var currencies = changed.Where(f => f.Format == FieldFormat.Currency).Select(f => f.Name).ToHashSet();
        return currencies.Count == 0 ? changed
            : changed.Concat(fields.Where(f => f.Type == FieldType.Money && currencies.Contains(f.CurrencyField!) && !changed.Contains(f)));
    }

    private async Task<string> DefaultCurrencyAsync(CancellationToken cancellationToken) =>
        (await services.GetRequiredService<Tenancy.TenantSettingsCache>().GetAsync(caller.TenantId!.Value, cancellationToken)).Currency;

    /// <summary>A currency field left empty holds the tenant's default currency: an amount never lacks one.</summary>
    private async Task FillCurrenciesAsync(EntityEntry entry, IReadOnlyList<RecordField> fields, CancellationToken cancellationToken)
    {
        string? currency = null;
        foreach (var field in fields)
            if (field.Format == FieldFormat.Currency && field.Source != FieldSource.Custom && RecordValues.Get(entry, field) is null or "")
                RecordValues.Set(entry, field, currency ??= await DefaultCurrencyAsync(cancellationToken));
    }

    /// <summary>A validator's property path in API names: <c>Lines[2].UnitPrice</c> is <c>lines[2].unitPrice</c>.</summary>
    private static string ApiPath(string path) => string.Join('.', path.Split('.').Select(JsonNames.CamelCase));

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        try
        {
            using (db.PipelineWrite()) await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException e) when (e.Entries.FirstOrDefault() is { Entity: IEntity record } stale)
        {
            var set = sets.Get(stale.Metadata.ClrType);
            var stored = await stale.GetDatabaseValuesAsync(cancellationToken);
            if (stored is null) throw new RecordNotFoundException(set.FullName, record.Id);
            throw new ConcurrencyConflictException(set.FullName, record.Id,
                (long)stale.Property(SystemFields.Version).OriginalValue!, (long?)stored[SystemFields.Version]);
        }
    }

    private int _savepoints;

    public async Task<T> InTransactionAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken = default)
    {
        if (db.Database.CurrentTransaction is { } current)
        {
            // a write inside a write: a savepoint, so that when it fails — and its caller catches that and
            // goes on — nothing of it is left behind, in the database or in the change tracker
            var savepoint = $"sk_{++_savepoints}";
            db.ChangeTracker.DetectChanges();
            var before = db.ChangeTracker.Entries().ToDictionary(e => e.Entity, e => e.State, ReferenceEqualityComparer.Instance);
            await current.CreateSavepointAsync(savepoint, cancellationToken);
            try
            {
                var result = await work();
                await current.ReleaseSavepointAsync(savepoint, cancellationToken);
                return result;
            }
            catch
            {
                await current.RollbackToSavepointAsync(savepoint, CancellationToken.None);
                db.ChangeTracker.DetectChanges();
                // what the failed write started tracking goes; records the outer write was adding that a nested
                // SaveChanges saved (a bulk create's earlier records) are unsaved again by the rollback: they are
                // to be added again; what the failed write changed of records it did not add is put back
                foreach (var entry in db.ChangeTracker.Entries().ToList())
                {
                    if (!before.TryGetValue(entry.Entity, out var state)) entry.State = EntityState.Detached;
                    else if (state == entry.State) continue;
                    else if (state == EntityState.Added) entry.State = EntityState.Added;
                    else if (state == EntityState.Unchanged && entry.State == EntityState.Modified)
                    {
                        entry.CurrentValues.SetValues(entry.OriginalValues);
                        entry.State = EntityState.Unchanged;
                    }
                    else entry.State = EntityState.Detached;
                }
                throw;
            }
        }
        // on SQLite the host's writers take turns here rather than in SQLite's busy handler (see SqliteWriteGate)
        using var turn = await writeGate.EnterAsync(db, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            var result = await work();
            // a request's Idempotency-Key is bound with its first write, in the same transaction
            if (Idempotency is { Key: not null, Bound: false } key)
                await key.BindAsync(db, services.GetRequiredService<Microsoft.Extensions.Options.IOptions<IdempotencyOptions>>().Value, clock, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            turn.Dispose();
            outbox.Notify();
            CountPendingWrites("committed");
            return result;
        }
        catch
        {
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            CountPendingWrites("failed");
            throw;
        }
    }

    private static bool HasChanges(EntityEntry entry) => entry.Properties.Any(p => p.IsModified);

    private void ThrowReadErrors()
    {
        if (ReadErrors is not { Count: > 0 } read) return;
        ReadErrors = null;
        throw new RecordValidationException(read.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }

    internal static List<FieldChange> Diff(EntityEntry entry, IReadOnlyList<RecordField> fields, WriteOperation operation, IReadOnlyDictionary<string, object?> beforeValues)
    {
        var changes = new List<FieldChange>();
        // of the kernel's own fields, who owns the record is a change worth its history (assign, claim, return);
        // stamps and versions are not
        foreach (var field in fields.Where(f => f.Source != FieldSource.System || f.PropertyName is SystemFields.OwnerId or SystemFields.TeamId))
        {
            var before = beforeValues.GetValueOrDefault(field.Name);
            var after = operation == WriteOperation.Delete ? null : RecordValues.Get(entry, field);
            if (!Equal(before, after)) changes.Add(new FieldChange(field.Name, before, after));
        }
        return changes;
    }

    private static bool Equal(object? a, object? b) =>
        a is string[] x && b is string[] y ? x.SequenceEqual(y) : Equals(a, b);

    private string? UserId => caller.UserId;

    /// <summary>The Idempotency-Key of the request this pipeline serves, if any (none for jobs and automation).</summary>
    private IdempotencyScope? Idempotency => http.HttpContext is not null ? _idempotency ??= services.GetService<IdempotencyScope>() : null;
    private IdempotencyScope? _idempotency;
}

/// <summary>One field's value before and after a write, as audited and sent to event handlers.</summary>
public sealed record FieldChange(string Field, object? Before, object? After);
