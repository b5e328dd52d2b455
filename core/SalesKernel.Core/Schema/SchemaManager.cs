using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Semver;
using SalesKernel.Core.Data;
using SalesKernel.Core.Plugins;

namespace SalesKernel.Core.Schema;

/// <summary>
/// Brings the database to the model the started plugins declare, one owner (the kernel, then each
/// plugin in dependency order) at a time. For each owner it diffs the tables recorded in the schema
/// history against the tables the owner declares now, using EF Core's model differ, and runs the
/// provider's DDL together with the new history row. A step that would lose data (drop, rename,
/// a lossy type change, a downgrade) is refused, and the plugin marked failed, unless configuration
/// allows it. A plugin whose step fails for any other reason is marked failed too; only a failure of
/// the kernel's own tables stops the host.
/// </summary>
public sealed class SchemaManager(KernelDbContext db, DatabaseOptions options, ILogger<SchemaManager> logger)
{
    public const string KernelVersion = "1.9.0";
    private const long AdvisoryLockKey = 0x5A1E5_4E2E1; // "SalesKernel" schema lock, PostgreSQL only
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public IReadOnlyList<SchemaStep> Apply(PluginCatalog catalog)
    {
        // on SQLite, hosts and commands starting on one file take turns through a lock file beside it
        using var fileLock = SqliteSchemaLock();
        EnsureDatabaseExists();
        db.Database.OpenConnection();
        var locked = false;
        var timeout = db.Database.GetCommandTimeout();
        try
        {
            // Several hosts starting on one server take turns: the second sees the first's history.
            if (db.Database.IsNpgsql()) db.Database.ExecuteSqlRaw($"SELECT pg_advisory_lock({AdvisoryLockKey})");
            else if (db.Database.IsSqlServer())
            {
                // the lock waits up to two minutes: longer than a command's default 30 s
                db.Database.SetCommandTimeout(TimeSpan.FromSeconds(150));
                db.Database.ExecuteSqlRaw(SqlServerSql.SchemaLock);
                db.Database.SetCommandTimeout(timeout);
            }
            locked = true;
            return ApplyAll(catalog);
        }
        finally
        {
            db.Database.SetCommandTimeout(timeout);
            // only a lock that was taken is let go: releasing one not held would replace the real error
            if (locked && db.Database.IsNpgsql()) db.Database.ExecuteSqlRaw($"SELECT pg_advisory_unlock({AdvisoryLockKey})");
            else if (locked && db.Database.IsSqlServer()) db.Database.ExecuteSqlRaw(SqlServerSql.SchemaUnlock);
            db.Database.CloseConnection();
        }
    }

    private List<SchemaStep> ApplyAll(PluginCatalog catalog)
    {
        var targetModel = db.GetService<IDesignTimeModel>().Model;
        var recorded = ReadRecorded();
        var steps = new List<SchemaStep>();

        ApplyOwner(KernelDbContext.KernelOwner, KernelVersion, targetModel, recorded, steps);
        foreach (var plugin in catalog.Loaded.Where(p => p.Registration is not null).ToList())
        {
            if (FirstFailedDependency(plugin, catalog) is { } failedDep)
            {
                plugin.Fail($"dependency '{failedDep.Id}' is failed: {failedDep.Reason}");
                continue;
            }
            try
            {
                var refusal = ApplyOwner(plugin.Id, plugin.Version, targetModel, recorded, steps);
                if (refusal is not null) plugin.Fail(refusal);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogError(e, "Schema step for plugin {Plugin} failed", plugin.Id);
                plugin.Fail($"schema step failed: {e.GetType().Name}: {e.Message}");
                steps.Add(new SchemaStep(plugin.Id, recorded.GetValueOrDefault(plugin.Id)?.Version, plugin.Version, false, e.Message));
            }
        }
        return steps;
    }

    /// <summary>Applies one owner's step; returns why it was refused, or null.</summary>
    private string? ApplyOwner(string owner, string version, IModel targetModel, Dictionary<string, Recorded> recorded, List<SchemaStep> steps)
    {
        var wanted = Wanted(targetModel, owner);
        recorded.TryGetValue(owner, out var previous);
        if (targetModel.GetEntityTypes().FirstOrDefault(e => e[KernelDbContext.OwnerAnnotation] as string == owner && e.GetSeedData().Any()) is { } seeded)
            return $"entity {seeded.ShortName()} declares seed data (HasData), which the kernel does not manage; insert such rows from the plugin instead";
        var operations = Difference(recorded, owner, targetModel);
        if (operations.Count == 0 && previous?.Version == version) return null;

        var losses = operations.Select(DescribeLoss).OfType<string>().ToList();
        losses.AddRange(SqliteRebuildLosses(operations, recorded, targetModel));
        if (previous is not null && IsDowngrade(previous.Version, version))
            losses.Insert(0, $"downgrade the schema from {previous.Version}");
        if (losses.Count > 0 && !options.AllowsDestructiveChangesFor(owner))
        {
            var reason = $"schema change to {version} refused: it would {string.Join(", ", losses)}. " +
                $"Add '{owner}' to SalesKernel:Database:AllowDestructiveChanges to allow the data loss";
            if (owner == KernelDbContext.KernelOwner) throw new InvalidOperationException(reason);
            logger.LogError("Plugin {Plugin}: {Reason}", owner, reason);
            steps.Add(new SchemaStep(owner, previous?.Version, version, false, reason));
            return reason;
        }

        var kind = previous is null ? "install" : "upgrade";
        var script = Execute(operations, targetModel, new SchemaHistoryEntry
        {
            Owner = owner,
            Version = version,
            Kind = kind,
            AppliedAtUtc = DateTime.UtcNow,
            Snapshot = JsonSerializer.Serialize(wanted, Json),
        });
        recorded[owner] = new Recorded(version, wanted);
        logger.LogInformation("Schema {Kind} for {Owner} {Version}: {Count} change(s)", kind, owner, version, operations.Count);
        steps.Add(new SchemaStep(owner, previous?.Version, version, true, script));
        return null;
    }

    private void EnsureDatabaseExists()
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (creator.Exists()) return;
        try
        {
            creator.Create();
        }
        // another host made it between the check and the create (PostgreSQL answers 42P04, or 23505 from
        // its catalog when both create at once): it exists, which is all this host wanted
        catch (Exception e) when (e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.DuplicateDatabase or Npgsql.PostgresErrorCodes.UniqueViolation }
            or Microsoft.Data.SqlClient.SqlException { Number: SqlServerSql.DatabaseExists })
        {
            logger.LogInformation("The database was created by another host as this one started");
        }
    }

    /// <summary>How long a host waits for another's schema step on the same SQLite file before giving up.</summary>
    private static readonly TimeSpan SqliteLockWait = TimeSpan.FromMinutes(2);

    private FileStream? SqliteSchemaLock()
    {
        if (!db.Database.IsSqlite()) return null;
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        if (string.IsNullOrEmpty(file) || file == ":memory:") return null;
        var path = Path.GetFullPath(file) + ".schema-lock";
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // exclusive: held by one process (and one opener in it) at a time, released when closed or the process ends
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1); // left in place: deleting it would race with a waiting opener
            }
            catch (IOException) when (waited.Elapsed < SqliteLockWait)
            {
                Thread.Sleep(50);
            }
        }
    }

    private static List<TableSnapshot> Wanted(IModel targetModel, string owner) => targetModel.GetRelationalModel().Tables
        .Select(t => TableSnapshot.From(t, owner))
        .OfType<TableSnapshot>()
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToList();

    /// <summary>
    /// The SQL an install on an empty database runs, owner by owner (the kernel, then the plugins in
    /// order), made without a connection: what the tests check for a database they cannot reach here.
    /// </summary>
    internal List<(string Owner, string Script)> InstallScript(PluginCatalog catalog)
    {
        var targetModel = db.GetService<IDesignTimeModel>().Model;
        var recorded = new Dictionary<string, Recorded>();
        var result = new List<(string Owner, string Script)>();
        var owners = new[] { (Id: KernelDbContext.KernelOwner, Version: KernelVersion) }
            .Concat(catalog.Loaded.Where(p => p.Registration is not null).Select(p => (p.Id, p.Version)));
        foreach (var (owner, version) in owners)
        {
            var commands = db.GetService<IMigrationsSqlGenerator>().Generate(Difference(recorded, owner, targetModel), targetModel);
            result.Add((owner, string.Join(Environment.NewLine, commands.Select(c => c.CommandText.Trim()))));
            recorded[owner] = new Recorded(version, Wanted(targetModel, owner));
        }
        return result;
    }

    /// <summary>The operations that take this owner's tables and columns from what is recorded to what the model declares.</summary>
    private List<MigrationOperation> Difference(Dictionary<string, Recorded> recorded, string owner, IModel targetModel)
    {
        var allRecorded = recorded.Values.SelectMany(r => r.Tables).ToList();
        var source = SnapshotModel.Build(db, allRecorded);
        var target = targetModel.GetRelationalModel();
        var ownership = SchemaOwnership.From(target, allRecorded);
        var ownSchemas = target.Tables.Where(t => SchemaOwnership.OwnerOf(t) == owner).Select(t => t.Schema).OfType<string>().ToHashSet();

        var operations = db.GetService<IMigrationsModelDiffer>().GetDifferences(source, target)
            .Where(op => op is EnsureSchemaOperation s ? ownSchemas.Contains(s.Name) : ownership.OwnerOf(op) == owner)
            .ToList();
        foreach (var create in operations.OfType<CreateTableOperation>()) ownership.StripForeignParts(create, owner);
        return operations;
    }

    /// <summary>
    /// SQLite changes some things by rebuilding the table from the live model; columns the live model
    /// no longer has (those of an extension whose plugin is not loaded) would not survive that.
    /// </summary>
    private IEnumerable<string> SqliteRebuildLosses(List<MigrationOperation> operations, Dictionary<string, Recorded> recorded, IModel targetModel)
    {
        if (!db.Database.IsSqlite()) yield break;
        var rebuilt = operations.Where(op => op is AlterColumnOperation or AddForeignKeyOperation or DropForeignKeyOperation
                or AddPrimaryKeyOperation or DropPrimaryKeyOperation or AddUniqueConstraintOperation or DropUniqueConstraintOperation
                or AddCheckConstraintOperation or DropCheckConstraintOperation)
            .Select(op => ((ITableMigrationOperation)op).Table).Distinct();
        foreach (var table in rebuilt)
        {
            var live = targetModel.GetRelationalModel().FindTable(table, null)?.Columns.Select(c => c.Name).ToHashSet() ?? [];
            foreach (var extension in recorded.Values.SelectMany(r => r.Tables).Where(t => t.Name == table && t.IsExtension))
                foreach (var column in extension.Columns.Where(c => !live.Contains(c.Name)))
                    yield return $"rebuild table {table} on SQLite without column {column.Name} of plugin '{extension.Owner}', which is not loaded";
        }
    }

    /// <summary>What a step would lose or corrupt, in words; null when it keeps all data.</summary>
    private static string? DescribeLoss(MigrationOperation op) => op switch
    {
        DropTableOperation t => $"drop table {t.Name}",
        DropColumnOperation c => $"drop column {c.Name} of table {c.Table}",
        RenameTableOperation t => $"rename table {t.Name} to {t.NewName}",
        RenameColumnOperation c => $"rename column {c.Name} of table {c.Table} to {c.NewName}",
        AlterColumnOperation { IsDestructiveChange: true } c =>
            $"change column {c.Name} of table {c.Table} from {c.OldColumn.ColumnType ?? c.OldColumn.ClrType.Name} to {c.ColumnType ?? c.ClrType.Name}",
        _ => null,
    };

    private static bool IsDowngrade(string from, string to) =>
        SemVersion.TryParse(from, SemVersionStyles.Strict, out var old)
        && SemVersion.TryParse(to, SemVersionStyles.Strict, out var @new)
        && SemVersion.ComparePrecedence(@new, old) < 0;

    private string Execute(List<MigrationOperation> operations, IModel model, SchemaHistoryEntry history)
    {
        var generator = db.GetService<IMigrationsSqlGenerator>();
        var commands = generator.Generate(operations, model);
        history.Script = string.Join(Environment.NewLine, commands.Select(c => c.CommandText.Trim()));
        var insert = new InsertDataOperation
        {
            Table = "sk_schema_history",
            Columns = [nameof(history.Owner), nameof(history.Version), nameof(history.Kind), nameof(history.AppliedAtUtc), nameof(history.Snapshot), nameof(history.Script)],
            Values = new object?[,] { { history.Owner, history.Version, history.Kind, history.AppliedAtUtc, history.Snapshot, history.Script } },
        };
        var all = commands.Concat(generator.Generate([insert], model)).ToList();
        db.GetService<IMigrationCommandExecutor>().ExecuteNonQuery(all, db.GetService<IRelationalConnection>());
        return history.Script;
    }

    private Dictionary<string, Recorded> ReadRecorded()
    {
        var result = new Dictionary<string, Recorded>();
        if (!HistoryTableExists()) return result;
        var latest = db.SchemaHistory.AsNoTracking()
            .Where(h => h.Id == db.SchemaHistory.Where(x => x.Owner == h.Owner).Max(x => x.Id))
            .ToList();
        foreach (var entry in latest)
            result[entry.Owner] = new Recorded(entry.Version, JsonSerializer.Deserialize<List<TableSnapshot>>(entry.Snapshot, Json) ?? []);
        return result;
    }

    private bool HistoryTableExists()
    {
        var sql = db.Database.IsNpgsql()
            ? "SELECT COUNT(*)::int AS \"Value\" FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'sk_schema_history'"
            : db.Database.IsSqlServer()
            ? "SELECT COUNT(*) AS [Value] FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = SCHEMA_NAME() AND TABLE_NAME = 'sk_schema_history'"
            : "SELECT COUNT(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = 'sk_schema_history'";
        return db.Database.SqlQueryRaw<int>(sql).AsEnumerable().First() > 0;
    }

    private static PluginDescriptor? FirstFailedDependency(PluginDescriptor plugin, PluginCatalog catalog) =>
        plugin.Manifest!.Dependencies.Select(d => catalog.Find(d.Id)).FirstOrDefault(d => d is { IsLoaded: false });

    private sealed record Recorded(string Version, List<TableSnapshot> Tables);
}

/// <summary>One owner's schema step at start-up: applied, or refused with the reason.</summary>
public sealed record SchemaStep(string Owner, string? FromVersion, string ToVersion, bool Applied, string Detail);
