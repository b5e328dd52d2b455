using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace SalesKernel.Core.Data;

/// <summary>
/// Inserts many rows of one kernel table with a few multi-row <c>INSERT</c> statements, in the current
/// transaction, instead of one command per row: how a bulk create writes its audit and outbox rows.
/// Values go through the model's type mappings (converters included), as EF Core would send them;
/// keys the database generates are left to it. The rows are not tracked.
/// </summary>
internal static class BulkInsert
{
    /// <summary>
    /// Parameters per statement: under PostgreSQL's 65,535; on SQLite about a thousand, because
    /// Microsoft.Data.Sqlite binds each parameter by name, a search that grows with the statement.
    /// </summary>
    // SQLite's default limit is 32,766 but 1,000 keeps statements small; SQL Server refuses more than 2,100
    private static int MaxParameters(DbContext db) => db.Database.IsSqlite() ? 1_000 : db.Database.IsSqlServer() ? 2_000 : 30_000;

    /// <summary>Rows of a kernel table (their CLR properties).</summary>
    public static Task InsertAsync<T>(DbContext db, IReadOnlyList<T> rows, CancellationToken cancellationToken) where T : class =>
        InsertAsync(db, typeof(T), rows.Count, (property, i) => property.GetGetter().GetClrValueUsingContainingEntity(rows[i]), cancellationToken);

    /// <summary>
    /// Rows of an entity set written as seeded data is (no pipeline): every mapped property of the entity
    /// type, <paramref name="valueOf"/> giving the value of a property (shadow ones included) for a row.
    /// On SQLite one prepared single-row statement is bound and stepped per row — no SQL text to build
    /// or parse per batch, which is most of what a multi-row insert costs there; elsewhere multi-row
    /// statements. Not seen by EF Core's logging or interceptors: only for writers that stamp the
    /// kernel's columns themselves.
    /// </summary>
    public static Task InsertEntitiesAsync(DbContext db, Type clrType, int rowCount, Func<IProperty, int, object?> valueOf, CancellationToken cancellationToken) =>
        db.Database.IsSqlite() ? InsertPreparedAsync(db, clrType, rowCount, valueOf, cancellationToken) : InsertAsync(db, clrType, rowCount, valueOf, cancellationToken);

    /// <summary>Whether <see cref="InsertEntitiesAsync"/> writes what SaveChanges would: no value the database works out on insert.</summary>
    public static bool CanInsertEntities(IEntityType entity) =>
        !entity.GetProperties().Any(p => p.GetDefaultValueSql() is not null || p.GetComputedColumnSql() is not null
            || (p.ValueGenerated != ValueGenerated.Never && p.IsKey()))
        && !entity.GetComplexProperties().Any() && !entity.GetNavigations().Any(n => n.TargetEntityType.IsOwned());

    private static Task InsertPreparedAsync(DbContext db, Type clrType, int rowCount, Func<IProperty, int, object?> valueOf, CancellationToken cancellationToken)
    {
        if (rowCount == 0) return Task.CompletedTask;
        var transaction = db.Database.CurrentTransaction ?? throw new InvalidOperationException("Bulk inserts run inside the write's transaction.");
        using var insert = new PreparedInsert(db, clrType, db.Database.GetDbConnection());
        for (var r = 0; r < rowCount; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            insert.Insert(transaction.GetDbTransaction(), property => valueOf(property, r));
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// One prepared single-row <c>INSERT</c> of an entity type on a connection, its parameters made once
    /// by the model's type mappings and rebound per row: what a SQLite bulk writer steps per row.
    /// </summary>
    internal sealed class PreparedInsert : IDisposable
    {
        private readonly DbCommand _command;
        private readonly DbParameter[] _parameters;
        private readonly List<IProperty> _columns;
        private readonly List<RelationalTypeMapping> _mappings;
        private readonly string _table;
        private bool _prepared;

        public PreparedInsert(DbContext db, Type clrType, DbConnection connection)
        {
            var (table, columns, mappings, head) = Shape(db, clrType);
            (_table, _columns, _mappings) = (table.Name, columns, mappings);
            _command = connection.CreateCommand();
            _command.CommandText = head + "(" + string.Join(", ", columns.Select((_, c) => "@p" + c)) + ")";
            _parameters = new DbParameter[columns.Count];
        }

        /// <summary>Writes one row in <paramref name="transaction"/>, <paramref name="valueOf"/> giving each column's model value.</summary>
        public void Insert(DbTransaction transaction, Func<IProperty, object?> valueOf)
        {
            _command.Transaction = transaction;
            for (var c = 0; c < _columns.Count; c++)
            {
                var value = valueOf(_columns[c]);
                if (!_prepared)
                {
                    // made by the model's type mapping (provider type, converter), as SaveChanges makes them, then rebound per row
                    _parameters[c] = _mappings[c].CreateParameter(_command, "@p" + c, value, _columns[c].IsNullable);
                    _command.Parameters.Add(_parameters[c]);
                }
                else _parameters[c].Value = ProviderValue(_mappings[c], value);
            }
            if (!_prepared) _command.Prepare();
            _prepared = true;
            try
            {
                _command.ExecuteNonQuery(); // SQLite's own calls are synchronous: no task per row
            }
            catch (DbException e)
            {
                // answered as SaveChanges' own refusals are (a duplicate key is 409, …)
                throw new DbUpdateException($"Inserting into {_table} failed: {e.Message}", e);
            }
        }

        public void Dispose() => _command.Dispose();
    }

    /// <summary>What <see cref="RelationalTypeMapping.CreateParameter"/> puts in a parameter's value.</summary>
    private static object ProviderValue(RelationalTypeMapping mapping, object? value)
    {
        if (value is null) return DBNull.Value;
        if (mapping.Converter is { } converter) value = converter.ConvertToProvider(value);
        if (value is Enum e) value = Convert.ChangeType(e, Enum.GetUnderlyingType(e.GetType()), System.Globalization.CultureInfo.InvariantCulture);
        return value ?? DBNull.Value;
    }

    private static (StoreObjectIdentifier Table, List<IProperty> Columns, List<RelationalTypeMapping> Mappings, string Head) Shape(DbContext db, Type clrType)
    {
        var entity = db.Model.FindEntityType(clrType) ?? throw new InvalidOperationException($"{clrType.Name} is not in the model.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        var columns = entity.GetProperties().Where(p => p.ValueGenerated != ValueGenerated.OnAdd || !p.IsKey()).ToList();
        var mappings = columns.Select(p => p.GetRelationalTypeMapping()).ToList();
        var head = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!)))}) VALUES ";
        return (table, columns, mappings, head);
    }

    private static async Task InsertAsync(DbContext db, Type clrType, int rowCount, Func<IProperty, int, object?> valueOf, CancellationToken cancellationToken)
    {
        if (rowCount == 0) return;
        var (table, columns, mappings, head) = Shape(db, clrType);
        // SQL Server also takes at most 1,000 rows in one VALUES list
        var perStatement = Math.Max(1, Math.Min(MaxParameters(db) / columns.Count, db.Database.IsSqlServer() ? 1_000 : int.MaxValue));
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("Bulk inserts run inside the write's transaction.");
        // parameters are made by the model's type mappings on a command of the provider, then sent through EF Core
        await using var factory = db.Database.GetDbConnection().CreateCommand();
        for (var start = 0; start < rowCount; start += perStatement)
        {
            var parameters = new List<DbParameter>();
            var text = new StringBuilder(head);
            var count = Math.Min(perStatement, rowCount - start);
            for (var r = 0; r < count; r++)
            {
                text.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Count; c++)
                {
                    var name = $"@p{r * columns.Count + c}";
                    text.Append(c == 0 ? name : ", " + name);
                    var value = valueOf(columns[c], start + r);
                    parameters.Add(mappings[c].CreateParameter(factory, name, value, columns[c].IsNullable));
                }
                text.Append(')');
            }
            try
            {
                await db.Database.ExecuteSqlRawAsync(text.ToString(), parameters, cancellationToken);
            }
            catch (DbException e)
            {
                // answered as SaveChanges' own refusals are (a duplicate key is 409, …)
                throw new DbUpdateException($"Inserting into {table.Name} failed: {e.Message}", e);
            }
        }
    }
}
