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
    private static int MaxParameters(DbContext db) => db.Database.IsSqlite() ? 1_000 : 30_000;

    /// <summary>Rows of a kernel table (their CLR properties).</summary>
    public static Task InsertAsync<T>(DbContext db, IReadOnlyList<T> rows, CancellationToken cancellationToken) where T : class =>
        InsertAsync(db, typeof(T), rows.Count, (property, i) => property.GetGetter().GetClrValueUsingContainingEntity(rows[i]), cancellationToken);

    private static async Task InsertAsync(DbContext db, Type clrType, int rowCount, Func<IProperty, int, object?> valueOf, CancellationToken cancellationToken)
    {
        if (rowCount == 0) return;
        var entity = db.Model.FindEntityType(clrType) ?? throw new InvalidOperationException($"{clrType.Name} is not in the model.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        var columns = entity.GetProperties().Where(p => p.ValueGenerated != ValueGenerated.OnAdd || !p.IsKey()).ToList();
        var mappings = columns.Select(p => p.GetRelationalTypeMapping()).ToList();
        var head = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!)))}) VALUES ";
        var perStatement = Math.Max(1, MaxParameters(db) / columns.Count);
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
