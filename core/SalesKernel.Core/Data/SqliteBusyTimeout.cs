using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace SalesKernel.Core.Data;

/// <summary>
/// Makes SQLite itself wait for a lock another connection holds (<c>PRAGMA busy_timeout</c>), in steps
/// of a few milliseconds, on every connection it opens. Without it, Microsoft.Data.Sqlite retries a busy
/// statement after sleeping 150 ms each time: one writer meeting another (a request and the outbox, say)
/// cost a request 150 ms and blocked its thread. It also adds the function that reads a custom field's
/// number as EF Core stores decimals (<see cref="JsonDocumentFunctions.SqliteDecimal"/>).
/// </summary>
internal sealed class SqliteBusyTimeout(int seconds) : DbConnectionInterceptor
{
    private readonly string _pragma = $"PRAGMA busy_timeout = {Math.Max(1, seconds) * 1000};";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    /// <summary>The SQLite connections (pooled, they outlive the ADO.NET objects) whose timeout is set: a PRAGMA per physical connection, not per open.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> _applied = new();

    private void Apply(DbConnection connection)
    {
        var sqlite = connection as Microsoft.Data.Sqlite.SqliteConnection;
        if (sqlite?.Handle is not { } handle || !_applied.TryGetValue(handle, out _))
        {
            using var command = connection.CreateCommand();
            command.CommandText = _pragma;
            command.ExecuteNonQuery();
            if (sqlite?.Handle is { } opened) _applied.AddOrUpdate(opened, this);
        }
        // the connection object keeps its functions and adds them again on each open: once per object is enough
        if (sqlite is not null && !_functions.TryGetValue(sqlite, out _))
        {
            sqlite.CreateFunction<string?, string, string?>(JsonDocumentFunctions.SqliteDecimal, JsonDocumentFunctions.ToStoredDecimal, isDeterministic: true);
            _functions.AddOrUpdate(sqlite, this);
        }
    }

    /// <summary>The ADO.NET connection objects the custom-field function was added to.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> _functions = new();
}
