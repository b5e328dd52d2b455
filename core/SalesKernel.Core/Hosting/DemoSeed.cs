using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Audit;
using SalesKernel.Core.Data;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Records;
using SalesKernel.Core.Security;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Hosting;

/// <summary>What <c>seed-demo</c> was asked for.</summary>
/// <param name="TenantCode">The tenant to fill (created when missing).</param>
/// <param name="Customers">How many customer accounts; the other plugins size from it.</param>
/// <param name="Seed">The base of every random choice.</param>
/// <param name="Password">The demo users' password; generated when null.</param>
public sealed record DemoSeedOptions(string TenantCode, int Customers, int Seed, string? Password);

/// <summary>Who can sign in to the demo, and what was written.</summary>
public sealed record DemoSeedResult(string TenantCode, bool TenantCreated, string Password, IReadOnlyList<DemoUser> Users, string AdminEmail,
    IReadOnlyList<(string Plugin, TimeSpan Took)> Plugins)
{
    /// <summary>Whether this run went on with a run that had stopped part way.</summary>
    public bool Resumed { get; init; }
    /// <summary>The customers and seed the data was made with (a resumed run keeps the first run's).</summary>
    public int Customers { get; init; }
    public int Seed { get; init; }
}

/// <summary>
/// The kernel's side of <c>seed-demo</c>: the tenant, its teams and sales users, then each enabled
/// plugin's <see cref="IDemoDataSeeder"/> in dependency order, with a bulk writer.
/// </summary>
public sealed class DemoSeed(IServiceProvider services)
{
    public const string Author = "seed-demo";

    private const string SqlitePragmas = "PRAGMA cache_size = -262144; PRAGMA wal_autocheckpoint = 16384;";
    public const int MaxCustomers = 5_000_000;

    /// <summary>The demo's sales organisation: (team, parent team, manager, reps).</summary>
    private static readonly (string Team, string? Parent, string Manager, string[] Reps)[] Organisation =
    [
        ("Sales", null, "Wang Jun", []),
        ("Sales East", "Sales", "Li Na", ["Zhang Wei", "Liu Yang", "Chen Jing"]),
        ("Sales North", "Sales", "Zhao Lei", ["Sun Li", "Zhou Min", "Wu Hao"]),
    ];

    public async Task<DemoSeedResult> RunAsync(DemoSeedOptions options, Func<string, long, IDemoProgress> progress, CancellationToken ct)
    {
        var db = services.GetRequiredService<KernelDbContext>();
        var catalog = services.GetRequiredService<PluginCatalog>();
        var passwords = services.GetRequiredService<Passwords>();
        var clock = services.GetRequiredService<TimeProvider>();
        var password = options.Password ?? Passwords.Generate(); // letters and digits, always
        if (Passwords.Weakness(password) is { } weakness) throw new ArgumentException($"--password {weakness}");

        var code = options.TenantCode.Trim().ToLowerInvariant();
        var domain = $"{code}.example";
        var adminEmail = $"admin@{domain}";
        var hash = passwords.Hash(password); // one hash for every demo user: hashing is deliberately slow

        // the tenant and the record of this seed, together: a run stopped at any point after this is resumed
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Code == code, ct);
        // the command acts for the tenant it seeds: every query sees that tenant's rows
        var caller = services.GetRequiredService<CallerContext>();
        if (tenant is not null) caller.ActAs(tenant.Id, Author);
        var run = tenant is null ? null : await db.Set<DemoSeedRun>().FirstOrDefaultAsync(r => r.TenantId == tenant.Id, ct);
        var resumed = run is not null;
        if (tenant is null)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            tenant = new Tenant { Id = Guid.CreateVersion7(), Code = code, Name = $"{code} (demo)", CreatedAtUtc = now };
            db.Tenants.Add(tenant);
            db.Users.Add(NewUser(tenant.Id, adminEmail, "Demo administrator", hash, null, now, admin: true));
            foreach (var plugin in catalog.Loaded)
                db.TenantPlugins.Add(new TenantPlugin { TenantId = tenant.Id, PluginId = plugin.Id, Enabled = true, ChangedAtUtc = now });
            foreach (var role in StandardRoles.All)
                db.Roles.Add(new Role { Id = Guid.CreateVersion7(), TenantId = tenant.Id, Code = role, Name = AccessApi.StandardName(role), IsStandard = true });
        }
        var tenantId = tenant.Id;
        caller.ActAs(tenantId, Author);
        if (run is null)
        {
            if (await db.Users.AnyAsync(u => u.TenantId == tenantId && u.Email.EndsWith("@" + domain) && u.Email != adminEmail, ct))
                throw new InvalidOperationException($"Tenant {code} has demo users already: seed another tenant, or start from a fresh database.");
            run = new DemoSeedRun
            {
                TenantId = tenantId, CreatedTenant = db.Entry(tenant).State == EntityState.Added, Customers = options.Customers, Seed = options.Seed,
                StartedAtUtc = clock.GetUtcNow().UtcDateTime,
            };
            db.Add(run);
            await db.SaveChangesAsync(ct);
        }
        var enabled = await services.GetRequiredService<TenantModules>().EnabledAsync(tenantId, ct);
        var seeders = catalog.Loaded.Where(p => p.Registration?.DemoSeeder is not null && enabled.Contains(p.Id)).ToList();
        var pending = seeders.Where(p => !run.Completed.Contains(p.Id)).ToList();
        if (resumed && pending.Count == 0)
            throw new InvalidOperationException(
                $"Tenant {code} is seeded already ({run.Customers:N0} customers). Sign in as {adminEmail} or a demo user ({Email(Organisation[0].Manager, domain)}, …) "
                + "with the password the first seed printed (the README and docs/walkthrough.md seed with --password=Demo-Pass-2026). "
                + "To seed again, name another tenant or start from a fresh database.");
        // a resumed run goes on with the first run's size, seed and "now", so the data is what one run would have made
        var effective = options with { Customers = run.Customers, Seed = run.Seed };

        var users = await OrganisationAsync(db, tenantId, domain, hash, run.StartedAtUtc, ct);
        if (resumed)
        {
            // the first run's password was shown only by it: the demo users get this run's
            var emails = users.Select(u => u.Email).Append(run.CreatedTenant ? adminEmail : "").ToList();
            await db.Users.Where(u => u.TenantId == tenantId && emails.Contains(u.Email))
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.PasswordHash, hash).SetProperty(x => x.FailedSignIns, 0).SetProperty(x => x.LockedUntilUtc, (DateTime?)null), ct);
        }

        // each enabled plugin's demo data, dependencies first, on one open connection; on SQLite with a
        // page cache big enough for the indexes of a million rows (inserts land all over each index), and
        // the write-ahead log copied back every 64 MB instead of every 4 MB (an index page a batch touches
        // again is copied once per checkpoint)
        await db.Database.OpenConnectionAsync(ct);
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync(SqlitePragmas, ct);
        // what a stopped run wrote of the plugins it did not finish goes first, so they start clean
        if (resumed) await RemovePartialAsync(db, services.GetRequiredService<EntitySetRegistry>(), tenantId, pending, ct);
        var currency = (await services.GetRequiredService<Tenancy.TenantSettingsCache>().GetAsync(tenantId, ct)).Currency;
        var data = new DemoData(db, services.GetRequiredService<EntitySetRegistry>(), tenantId, effective, run.StartedAtUtc, users, progress, currency);
        var took = new List<(string, TimeSpan)>();
        foreach (var plugin in pending)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var seeder = (IDemoDataSeeder)services.GetRequiredService(plugin.Registration!.DemoSeeder!);
            await seeder.SeedAsync(data, ct);
            var completed = string.Join(',', run.Completed.Append(plugin.Id));
            await db.Set<DemoSeedRun>().Where(r => r.TenantId == tenantId).ExecuteUpdateAsync(u => u.SetProperty(r => r.CompletedPlugins, completed), ct);
            run.CompletedPlugins = completed;
            took.Add((plugin.Id, started.Elapsed));
        }
        var finished = clock.GetUtcNow().UtcDateTime;
        await db.Set<DemoSeedRun>().Where(r => r.TenantId == tenantId).ExecuteUpdateAsync(u => u.SetProperty(r => r.CompletedAtUtc, finished), ct);
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -2000; PRAGMA wal_autocheckpoint = 1000; PRAGMA wal_checkpoint(PASSIVE);", ct);
        await db.Database.CloseConnectionAsync();
        return new DemoSeedResult(code, run.CreatedTenant, password, users, adminEmail, took)
        {
            Resumed = resumed, Customers = run.Customers, Seed = run.Seed,
        };
    }

    /// <summary>The demo's teams, managers and reps: created in one transaction, or read back when a stopped run made them.</summary>
    private static async Task<List<DemoUser>> OrganisationAsync(KernelDbContext db, Guid tenantId, string domain, string hash, DateTime now, CancellationToken ct)
    {
        var roles = await db.Roles.Where(r => r.TenantId == tenantId && r.IsStandard).ToDictionaryAsync(r => r.Code, r => r.Id, ct);
        var existing = await db.Users.AsNoTracking().Where(u => u.TenantId == tenantId && u.Email.EndsWith("@" + domain))
            .ToDictionaryAsync(u => u.Email, ct);
        var users = new List<DemoUser>();
        var teams = new Dictionary<string, Guid>();
        var creating = !existing.Values.Any(u => u.TeamId is not null);
        foreach (var (name, parent, manager, reps) in Organisation)
        {
            Guid teamId;
            Team? team = null;
            if (creating)
            {
                team = new Team { Id = Guid.CreateVersion7(), TenantId = tenantId, Name = name, ParentId = parent is null ? null : teams[parent] };
                db.Teams.Add(team);
                teamId = team.Id;
            }
            else teamId = Existing(existing, Email(manager, domain)).TeamId
                ?? throw new InvalidOperationException($"The demo manager {Email(manager, domain)} has no team any more: the earlier seed cannot be finished; seed another tenant.");
            teams[name] = teamId;
            foreach (var (person, role) in reps.Select(r => (r, StandardRoles.SalesRep)).Prepend((manager, StandardRoles.SalesManager)))
            {
                var email = Email(person, domain);
                Guid userId;
                if (creating)
                {
                    var user = NewUser(tenantId, email, person, hash, teamId, now, admin: false);
                    db.Users.Add(user);
                    db.UserRoles.Add(new UserRole { UserId = user.Id, RoleId = roles[role] });
                    if (role == StandardRoles.SalesManager) team!.ManagerUserId = user.Id;
                    userId = user.Id;
                }
                else userId = Existing(existing, email).Id;
                users.Add(new DemoUser(userId.ToString(), person, email, teamId, role));
            }
        }
        if (creating) await db.SaveChangesAsync(ct);
        return users;
    }

    private static UserAccount Existing(Dictionary<string, UserAccount> users, string email) =>
        users.TryGetValue(email, out var user) ? user
            : throw new InvalidOperationException($"The demo user {email} is gone since the seed began: the earlier seed cannot be finished; seed another tenant.");

    private static string Email(string person, string domain) => $"{person.ToLowerInvariant().Replace(' ', '.')}@{domain}";

    /// <summary>
    /// Deletes the demo records (written by this command) of the given plugins' entity sets in the
    /// tenant, in one transaction, records that refer to others first.
    /// </summary>
    private static async Task RemovePartialAsync(KernelDbContext db, EntitySetRegistry sets, Guid tenantId, IReadOnlyList<PluginDescriptor> plugins, CancellationToken ct)
    {
        var ids = plugins.Select(p => p.Id).ToHashSet();
        var remaining = sets.Sets.Where(s => ids.Contains(s.Plugin.Id)).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        while (remaining.Count > 0)
        {
            // a set nothing left refers to goes next
            var next = remaining.FirstOrDefault(s => !remaining.Any(other => other != s
                && db.Model.FindEntityType(other.ClrType)!.GetForeignKeys().Any(fk => fk.PrincipalEntityType.ClrType == s.ClrType)))
                ?? remaining[0]; // a cycle: the database's cascades decide
            // a document's lines first: the database does not delete them with it
            if (next.Definition.Lines is { } lines)
                await (Task<int>)typeof(DemoSeed).GetMethod(nameof(DeleteSeededLinesAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                    .MakeGenericMethod(next.ClrType, lines.LineType).Invoke(null, [db, tenantId, ct])!;
            await (Task<int>)typeof(DemoSeed).GetMethod(nameof(DeleteSeededAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(next.ClrType).Invoke(null, [db, tenantId, ct])!;
            remaining.Remove(next);
        }
        await transaction.CommitAsync(ct);
    }

    private static Task<int> DeleteSeededLinesAsync<TEntity, TLine>(KernelDbContext db, Guid tenantId, CancellationToken ct)
        where TEntity : class, IEntity where TLine : class, IDocumentLine =>
        db.Set<TLine>().IgnoreQueryFilters()
            .Where(l => db.Set<TEntity>().IgnoreQueryFilters().Any(e => e.Id == l.DocumentId
                && EF.Property<Guid>(e, EntitySetModel.TenantColumn) == tenantId && EF.Property<string?>(e, SystemFields.CreatedBy) == Author))
            .ExecuteDeleteAsync(ct);

    private static Task<int> DeleteSeededAsync<TEntity>(KernelDbContext db, Guid tenantId, CancellationToken ct) where TEntity : class =>
        db.Set<TEntity>().IgnoreQueryFilters()
            .Where(e => EF.Property<Guid>(e, EntitySetModel.TenantColumn) == tenantId && EF.Property<string?>(e, SystemFields.CreatedBy) == Author)
            .ExecuteDeleteAsync(ct);

    private static UserAccount NewUser(Guid tenant, string email, string name, string hash, Guid? team, DateTime now, bool admin) => new()
    {
        Id = Guid.CreateVersion7(), TenantId = tenant, Email = email, DisplayName = name, PasswordHash = hash,
        SecurityStamp = Passwords.NewStamp(), IsTenantAdmin = admin, TeamId = team, CreatedAtUtc = now,
    };

    /// <summary>The SDK's view of the command for one seeding run.</summary>
    private sealed class DemoData(KernelDbContext db, EntitySetRegistry sets, Guid tenantId, DemoSeedOptions options, DateTime now,
        IReadOnlyList<DemoUser> users, Func<string, long, IDemoProgress> progress, string currency) : IDemoData
    {
        /// <summary>Rows per transaction (and per audit row).</summary>
        private const int BatchSize = 10_000;

        public Guid TenantId => tenantId;
        public int Seed => options.Seed;
        public int Customers => options.Customers;
        public DateTime NowUtc => now;
        public IReadOnlyList<DemoUser> Users => users;

        public IQueryable<TEntity> Query<TEntity>() where TEntity : class, IEntity => db.Set<TEntity>().AsNoTracking();

        public IDemoProgress Progress(string description, long total) => progress(description, total);

        public async Task<long> InsertAsync<TEntity>(IEnumerable<DemoRecord<TEntity>> records, IDemoProgress? progress, CancellationToken cancellationToken)
            where TEntity : class, IEntity
        {
            var set = sets.Get(typeof(TEntity));
            var owned = set.Definition.IsOwned;
            // amounts a seeder left without a currency are in the tenant's, as the pipeline would have them
            var currencies = set.Fields.Where(f => f.Format == FieldFormat.Currency && f.Source != FieldSource.Custom).ToList();
            var entityType = db.Model.FindEntityType(typeof(TEntity))!;
            var direct = BulkInsert.CanInsertEntities(entityType);
            var currencyProperties = currencies.Select(f => entityType.FindProperty(f.PropertyName)!).ToList();
            db.ChangeTracker.AutoDetectChangesEnabled = false;

            // the plugin's records, ready to write, in chunks of the given size
            IEnumerable<List<Row<TEntity>>> Chunks(int size)
            {
                using var enumerator = records.GetEnumerator();
                var more = enumerator.MoveNext();
                while (more)
                {
                    var rows = new List<Row<TEntity>>(size);
                    for (; more && rows.Count < size; more = enumerator.MoveNext())
                    {
                        var (entity, owner, createdAt) = enumerator.Current;
                        if (entity.Id == Guid.Empty) entity.Id = Guid.CreateVersion7();
                        foreach (var property in currencyProperties)
                            if (property.GetGetter().GetClrValueUsingContainingEntity(entity) is null or "") property.PropertyInfo!.SetValue(entity, currency);
                        // what the set works out of a record (totals, normalised keys) is worked out for seeded ones too
                        foreach (var compute in set.Definition.Computations) compute(entity);
                        rows.Add(new Row<TEntity>(entity, owner, createdAt));
                    }
                    yield return rows;
                }
            }

            long written = 0;
            foreach (var rows in Chunks(BatchSize))
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                if (direct)
                    await BulkInsert.InsertEntitiesAsync(db, typeof(TEntity), rows.Count, (property, i) => ValueOf(property, rows[i], owned), cancellationToken);
                else
                    foreach (var row in rows)
                    {
                        var entry = db.Entry(row.Entity);
                        entry.State = EntityState.Added;
                        foreach (var property in entry.Properties.Where(p => p.Metadata.IsShadowProperty()))
                            if (SystemValue(property.Metadata.Name, row.Owner, row.CreatedAt, owned, out var value)) property.CurrentValue = value;
                    }
                db.Audit.Add(SeedAudit(set, rows.Count));
                using (db.PipelineWrite()) await db.SaveChangesAsync(cancellationToken); // the bulk writer stamps the kernel's columns itself
                await transaction.CommitAsync(cancellationToken);
                db.ChangeTracker.Clear();
                written += rows.Count;
                progress?.Advance(rows.Count);
            }
            return written;
        }

        /// <summary>Seeded data is audited per batch (who, when, how many), not per record.</summary>
        private AuditEntry SeedAudit(EntitySetDescriptor set, int rows) => new()
        {
            TenantId = tenantId, AtUtc = DateTime.UtcNow, UserId = Author, EntitySet = set.FullName, RecordId = Guid.Empty, Operation = "Seed",
            Changes = JsonSerializer.Serialize(new[] { new FieldChange("rows", null, rows) }, RecordPipeline.ValueJson),
        };

        private readonly Dictionary<IProperty, (IClrPropertyGetter? Getter, object? Declared)> _columns = [];

        /// <summary>A record ready to write, with who owns it and when it was made.</summary>
        private readonly record struct Row<TEntity>(TEntity Entity, DemoUser? Owner, DateTime CreatedAt);

        /// <summary>A column of a seeded row: the kernel's (shadow) ones stamped here, the plugin's read off the entity.</summary>
        private object? ValueOf<TEntity>(IProperty property, Row<TEntity> row, bool owned) where TEntity : class
        {
            if (!_columns.TryGetValue(property, out var column))
                _columns[property] = column = (property.IsShadowProperty() ? null : property.GetGetter(), property.GetDefaultValue());
            if (column.Getter is null)
                return SystemValue(property.Name, row.Owner, row.CreatedAt, owned, out var system) ? system : column.Declared;
            var value = column.Getter.GetClrValueUsingContainingEntity(row.Entity);
            // a value left at its sentinel takes the column's declared default, as SaveChanges would leave it to the database
            return column.Declared is not null && Equals(value, property.Sentinel) ? column.Declared : value;
        }

        private bool SystemValue(string name, DemoUser? owner, DateTime createdAt, bool owned, out object? value)
        {
            value = name switch
            {
                EntitySetModel.TenantColumn => tenantId,
                SystemFields.CreatedAt or SystemFields.UpdatedAt => createdAt,
                SystemFields.CreatedBy or SystemFields.UpdatedBy => Author,
                SystemFields.Version => 1L,
                SystemFields.OwnerId when owned => owner?.Id,
                SystemFields.TeamId when owned => owner?.TeamId?.ToString(),
                _ => null,
            };
            return name is EntitySetModel.TenantColumn or SystemFields.CreatedAt or SystemFields.UpdatedAt or SystemFields.CreatedBy or SystemFields.UpdatedBy
                or SystemFields.Version || (owned && name is SystemFields.OwnerId or SystemFields.TeamId);
        }
    }
}
