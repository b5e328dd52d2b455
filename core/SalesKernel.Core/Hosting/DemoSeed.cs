using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
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
    IReadOnlyList<(string Plugin, TimeSpan Took)> Plugins);

/// <summary>
/// The kernel's side of <c>seed-demo</c>: the tenant, its teams and sales users, then each enabled
/// plugin's <see cref="IDemoDataSeeder"/> in dependency order, with a bulk writer.
/// </summary>
public sealed class DemoSeed(IServiceProvider services)
{
    public const string Author = "seed-demo";
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
        var now = clock.GetUtcNow().UtcDateTime;
        var password = options.Password ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('/', 'x').Replace('+', 'y');
        if (Passwords.Weakness(password) is { } weakness) throw new ArgumentException($"--password {weakness}");

        var code = options.TenantCode.Trim().ToLowerInvariant();
        var domain = $"{code}.example";
        var adminEmail = $"admin@{domain}";
        var hash = passwords.Hash(password); // one hash for every demo user: hashing is deliberately slow
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Code == code, ct);
        var created = tenant is null;
        if (tenant is null)
        {
            tenant = new Tenant { Id = Guid.CreateVersion7(), Code = code, Name = $"{code} (demo)", CreatedAtUtc = now };
            db.Tenants.Add(tenant);
            db.Users.Add(NewUser(tenant.Id, adminEmail, "Demo administrator", hash, null, now, admin: true));
            foreach (var plugin in catalog.Loaded)
                db.TenantPlugins.Add(new TenantPlugin { TenantId = tenant.Id, PluginId = plugin.Id, Enabled = true, ChangedAtUtc = now });
            foreach (var role in StandardRoles.All)
                db.Roles.Add(new Role { Id = Guid.CreateVersion7(), TenantId = tenant.Id, Code = role, Name = AccessApi.StandardName(role), IsStandard = true });
            await db.SaveChangesAsync(ct);
        }
        var tenantId = tenant.Id;
        if (await db.Users.AnyAsync(u => u.TenantId == tenantId && u.Email.EndsWith("@" + domain) && u.Email != adminEmail, ct))
            throw new InvalidOperationException($"Tenant {code} has demo users already: seed another tenant, or start from a fresh database.");

        // teams and users, in one transaction
        var roles = await db.Roles.Where(r => r.TenantId == tenantId && r.IsStandard).ToDictionaryAsync(r => r.Code, r => r.Id, ct);
        var users = new List<DemoUser>();
        var teams = new Dictionary<string, Guid>();
        foreach (var (name, parent, manager, reps) in Organisation)
        {
            var team = new Team { Id = Guid.CreateVersion7(), TenantId = tenantId, Name = name, ParentId = parent is null ? null : teams[parent] };
            teams[name] = team.Id;
            db.Teams.Add(team);
            foreach (var (person, role) in reps.Select(r => (r, StandardRoles.SalesRep)).Prepend((manager, StandardRoles.SalesManager)))
            {
                var email = $"{person.ToLowerInvariant().Replace(' ', '.')}@{domain}";
                var user = NewUser(tenantId, email, person, hash, team.Id, now, admin: false);
                db.Users.Add(user);
                db.UserRoles.Add(new UserRole { UserId = user.Id, RoleId = roles[role] });
                if (role == StandardRoles.SalesManager) team.ManagerUserId = user.Id;
                users.Add(new DemoUser(user.Id.ToString(), person, email, team.Id, role));
            }
        }
        await db.SaveChangesAsync(ct);

        // each enabled plugin's demo data, dependencies first, on one open connection; on SQLite with a
        // page cache big enough for the indexes of a million rows (inserts land all over each index)
        await db.Database.OpenConnectionAsync(ct);
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -262144;", ct);
        var caller = services.GetRequiredService<CallerContext>();
        caller.ActAs(tenantId, Author);
        var enabled = await services.GetRequiredService<TenantModules>().EnabledAsync(tenantId, ct);
        var data = new DemoData(db, services.GetRequiredService<EntitySetRegistry>(), tenantId, options, now, users, progress);
        var took = new List<(string, TimeSpan)>();
        foreach (var plugin in catalog.Loaded.Where(p => p.Registration?.DemoSeeder is not null && enabled.Contains(p.Id)))
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var seeder = (IDemoDataSeeder)services.GetRequiredService(plugin.Registration!.DemoSeeder!);
            await seeder.SeedAsync(data, ct);
            took.Add((plugin.Id, started.Elapsed));
        }
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -2000;", ct);
        await db.Database.CloseConnectionAsync();
        return new DemoSeedResult(code, created, password, users, adminEmail, took);
    }

    private static UserAccount NewUser(Guid tenant, string email, string name, string hash, Guid? team, DateTime now, bool admin) => new()
    {
        Id = Guid.CreateVersion7(), TenantId = tenant, Email = email, DisplayName = name, PasswordHash = hash,
        SecurityStamp = Passwords.NewStamp(), IsTenantAdmin = admin, TeamId = team, CreatedAtUtc = now,
    };

    /// <summary>The SDK's view of the command for one seeding run.</summary>
    private sealed class DemoData(KernelDbContext db, EntitySetRegistry sets, Guid tenantId, DemoSeedOptions options, DateTime now,
        IReadOnlyList<DemoUser> users, Func<string, long, IDemoProgress> progress) : IDemoData
    {
        private const int BatchSize = 2_000;

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
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            long written = 0;
            var batch = 0;
            using var enumerator = records.GetEnumerator();
            var more = enumerator.MoveNext();
            while (more)
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                batch = 0;
                for (; more && batch < BatchSize; more = enumerator.MoveNext(), batch++)
                {
                    var (entity, owner, createdAt) = enumerator.Current;
                    if (entity.Id == Guid.Empty) entity.Id = Guid.CreateVersion7();
                    var entry = db.Entry(entity);
                    entry.State = EntityState.Added;
                    entry.Property(EntitySetModel.TenantColumn).CurrentValue = tenantId;
                    entry.Property(SystemFields.CreatedAt).CurrentValue = createdAt;
                    entry.Property(SystemFields.UpdatedAt).CurrentValue = createdAt;
                    entry.Property(SystemFields.CreatedBy).CurrentValue = Author;
                    entry.Property(SystemFields.UpdatedBy).CurrentValue = Author;
                    entry.Property(SystemFields.Version).CurrentValue = 1L;
                    if (owned)
                    {
                        entry.Property(SystemFields.OwnerId).CurrentValue = owner?.Id;
                        entry.Property(SystemFields.TeamId).CurrentValue = owner?.TeamId?.ToString();
                    }
                }
                // seeded data is audited per batch (who, when, how many), not per record
                db.Audit.Add(new AuditEntry
                {
                    TenantId = tenantId, AtUtc = DateTime.UtcNow, UserId = Author, EntitySet = set.FullName, RecordId = Guid.Empty, Operation = "Seed",
                    Changes = JsonSerializer.Serialize(new[] { new FieldChange("rows", null, batch) }, RecordPipeline.ValueJson),
                });
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                db.ChangeTracker.Clear();
                written += batch;
                progress?.Advance(batch);
            }
            return written;
        }
    }
}
