using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using SalesKernel.Core.Data;
using SalesKernel.Core.Plugins;

namespace SalesKernel.Core.Schema;

/// <summary>
/// Brings the database to the model the started plugins declare, one owner (the kernel, then each
/// plugin in dependency order) at a time. For each owner it diffs the tables recorded in the schema
/// history against the tables the owner declares now, using EF Core's model differ, and runs the
/// provider's DDL together with the new history row in one transaction. A step that would drop a
/// table or column is refused, and the plugin marked failed, unless configuration allows it.
/// </summary>
public sealed class SchemaManager(KernelDbContext db, DatabaseOptions options, ILogger<SchemaManager> logger)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public IReadOnlyList<SchemaStep> Apply(PluginCatalog catalog)
    {
        EnsureDatabaseExists();
        var targetModel = db.GetService<IDesignTimeModel>().Model;
        var target = TablesByOwner(targetModel.GetRelationalModel());
        var recorded = ReadRecorded();
        var steps = new List<SchemaStep>();

        var owners = new List<(string Owner, string Version, PluginDescriptor? Plugin)> { (KernelDbContext.KernelOwner, KernelVersion, null) };
        owners.AddRange(catalog.Loaded.Where(p => p.Registration is not null).Select(p => (p.Id, p.Version, (PluginDescriptor?)p)));

        foreach (var (owner, version, plugin) in owners)
        {
            if (plugin is not null && FirstFailedDependency(plugin, catalog) is { } failedDep)
            {
                plugin.Fail($"dependency '{failedDep.Id}' is failed: {failedDep.Reason}");
                continue;
            }

            var wanted = target.GetValueOrDefault(owner) ?? [];
            recorded.TryGetValue(owner, out var previous);
            var operations = Difference(recorded, owner, targetModel);
            if (operations.Count == 0 && previous?.Version == version) continue;

            var destructive = operations.Select(Describe).OfType<string>().ToList();
            if (destructive.Count > 0 && !options.AllowsDestructiveChangesFor(owner))
            {
                var reason = $"schema change to {version} refused: it would {string.Join(", ", destructive)}. " +
                    $"Add '{owner}' to SalesKernel:Database:AllowDestructiveChanges to allow the data loss";
                if (plugin is null) throw new InvalidOperationException(reason);
                plugin.Fail(reason);
                logger.LogError("Plugin {Plugin}: {Reason}", owner, reason);
                steps.Add(new SchemaStep(owner, previous?.Version, version, false, reason));
                continue;
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
        }
        return steps;
    }

    private const string KernelVersion = "1.0.0";

    private void EnsureDatabaseExists()
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (!creator.Exists()) creator.Create();
    }

    /// <summary>The operations that take this owner's tables from what is recorded to what the model declares.</summary>
    private List<MigrationOperation> Difference(Dictionary<string, Recorded> recorded, string owner, IModel targetModel)
    {
        var allRecorded = recorded.Values.SelectMany(r => r.Tables).ToList();
        var source = SnapshotModel.Build(db, allRecorded);
        var ownTables = recorded.GetValueOrDefault(owner)?.Tables.Select(t => t.Name).ToHashSet() ?? [];
        foreach (var table in targetModel.GetRelationalModel().Tables.Where(t => OwnerOf(t) == owner)) ownTables.Add(table.Name);

        var differ = db.GetService<IMigrationsModelDiffer>();
        return differ.GetDifferences(source, targetModel.GetRelationalModel())
            .Where(op => op is ITableMigrationOperation t && ownTables.Contains(t.Table))
            .ToList();
    }

    /// <summary>What a step would lose, in words; null when it keeps all data.</summary>
    private static string? Describe(MigrationOperation op) => op switch
    {
        DropTableOperation t => $"drop table {t.Name}",
        DropColumnOperation c => $"drop column {c.Name} of table {c.Table}",
        _ => null,
    };

    private string Execute(List<MigrationOperation> operations, IModel model, SchemaHistoryEntry history)
    {
        var insert = new InsertDataOperation
        {
            Table = "sk_schema_history",
            Columns = [nameof(history.Owner), nameof(history.Version), nameof(history.Kind), nameof(history.AppliedAtUtc), nameof(history.Snapshot), nameof(history.Script)],
        };
        var generator = db.GetService<IMigrationsSqlGenerator>();
        var commands = generator.Generate(operations, model);
        history.Script = string.Join(Environment.NewLine, commands.Select(c => c.CommandText.Trim()));
        insert.Values = new object?[,] { { history.Owner, history.Version, history.Kind, history.AppliedAtUtc, history.Snapshot, history.Script } };
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
            : "SELECT COUNT(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = 'sk_schema_history'";
        return db.Database.SqlQueryRaw<int>(sql).AsEnumerable().First() > 0;
    }

    private static Dictionary<string, List<TableSnapshot>> TablesByOwner(IRelationalModel model) =>
        model.Tables
            .Select(t => TableSnapshot.From(t, OwnerOf(t)))
            .GroupBy(t => t.Owner)
            .ToDictionary(g => g.Key, g => g.OrderBy(t => t.Name, StringComparer.Ordinal).ToList());

    private static string OwnerOf(ITable table) =>
        table.EntityTypeMappings.Select(m => m.TypeBase[KernelDbContext.OwnerAnnotation] as string).FirstOrDefault(o => o is not null)
            ?? KernelDbContext.KernelOwner;

    private static PluginDescriptor? FirstFailedDependency(PluginDescriptor plugin, PluginCatalog catalog) =>
        plugin.Manifest!.Dependencies.Select(d => catalog.Find(d.Id)).FirstOrDefault(d => d is { IsLoaded: false });

    private sealed record Recorded(string Version, List<TableSnapshot> Tables);
}

/// <summary>One owner's schema step at start-up: applied, or refused with the reason.</summary>
public sealed record SchemaStep(string Owner, string? FromVersion, string ToVersion, bool Applied, string Detail);
