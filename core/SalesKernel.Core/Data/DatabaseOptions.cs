namespace SalesKernel.Core.Data;

/// <summary>Bound from <c>SalesKernel:Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "SalesKernel:Database";

    /// <summary><c>Sqlite</c> (default), <c>PostgreSQL</c> or <c>SqlServer</c>.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// The provider's connection string. For SQLite it may be left empty: the database is then
    /// <c>saleskernel.db</c> in the data folder.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Plugin ids whose schema upgrades may drop columns or tables (data is lost); <c>*</c> allows all.
    /// Without it an upgrade that would drop anything is refused and the plugin is marked failed.
    /// </summary>
    public string[] AllowDestructiveChanges { get; set; } = [];

    /// <summary>
    /// Connections a host keeps open to PostgreSQL at most (its pool), unless the connection string names
    /// its own <c>Maximum Pool Size</c>. Every host on a server counts against the server's
    /// <c>max_connections</c> (100 by default, a few of them reserved): keep hosts × this under it.
    /// </summary>
    public int PostgresMaxPoolSize { get; set; } = DefaultPostgresMaxPoolSize;

    public const int DefaultPostgresMaxPoolSize = 20;

    /// <summary>Seconds a SQLite command waits for a lock held by another writer before failing.</summary>
    public int SqliteBusyTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Turns EF Core's query warnings that mean an unpredictable result — a row limit (Skip/Take,
    /// First) without an order — into exceptions. The tests run with it on; off by default, so a
    /// plugin's sloppy query logs a warning in production instead of failing the request.
    /// </summary>
    public bool StrictQueries { get; set; }

    /// <summary>
    /// Diagnostic listeners that subscribe while the host runs see the very next command. Off by default:
    /// EF Core then looks for new listeners once a second per pooled context, which costs less per command.
    /// The tests count commands and run with it on.
    /// </summary>
    public bool ImmediateDiagnostics { get; set; }

    public bool AllowsDestructiveChangesFor(string pluginId) =>
        AllowDestructiveChanges.Any(a => a == "*" || string.Equals(a, pluginId, StringComparison.OrdinalIgnoreCase));
}

public enum DatabaseProvider
{
    Sqlite,
    PostgreSQL,
    /// <summary>Microsoft SQL Server (2019 or later) or Azure SQL, through Microsoft.Data.SqlClient.</summary>
    SqlServer,
}
