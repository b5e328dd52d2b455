using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace SalesKernel.Tests.Infrastructure;

/// <summary>
/// Counts the SQL commands EF Core sends to one test database (other tests running in parallel use
/// other databases and are not counted), through EF Core's diagnostic events.
/// </summary>
public sealed class SqlCommandCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private static readonly string[] Background =
        ["sk_outbox", "sk_custom_field", "sk_automation_", "sk_webhook", "sk_job", "sk_tenant_plugin", "\"sk_tenant\""];

    private readonly string _database;
    private readonly IDisposable _subscription;
    private readonly List<IDisposable> _listeners = [];
    private readonly List<string> _commands = [];

    public SqlCommandCounter(TestDatabase database)
    {
        _database = database.IsPostgres
            ? new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString).Database!
            : database.IsSqlServer
            ? new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(database.ConnectionString).InitialCatalog
            : new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        _subscription = DiagnosticListener.AllListeners.Subscribe(this);
    }

    public IReadOnlyList<string> Commands { get { lock (_commands) return [.. _commands]; } }

    public void Reset() { lock (_commands) _commands.Clear(); }

    public void OnNext(DiagnosticListener listener)
    {
        if (listener.Name == DbLoggerCategory.Name) lock (_listeners) _listeners.Add(listener.Subscribe(this));
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key != RelationalEventId.CommandExecuting.Name || value.Value is not CommandEventData data) return;
        var connection = data.Command.Connection?.ConnectionString ?? "";
        if (!connection.Contains(_database, StringComparison.Ordinal)) return;
        // the kernel's background work (outbox dispatch, automation, webhooks, jobs) and its caches refreshed
        // every few seconds (custom fields, modules, allow-lists) are not the request's cost
        if (Background.Any(table => data.Command.CommandText.Contains(table, StringComparison.Ordinal))) return;
        lock (_commands) _commands.Add(data.Command.CommandText);
    }

    public void OnCompleted() { }
    public void OnError(Exception error) { }

    public void Dispose()
    {
        _subscription.Dispose();
        lock (_listeners) foreach (var l in _listeners) l.Dispose();
    }
}
