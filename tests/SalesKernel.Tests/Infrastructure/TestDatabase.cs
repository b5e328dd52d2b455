using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace SalesKernel.Tests.Infrastructure;

/// <summary>
/// A fresh, real database for one test: a SQLite file in a temporary folder, or, when the
/// environment variable <c>SALESKERNEL_TEST_POSTGRES</c> holds a connection string, a new
/// PostgreSQL database created on that server and dropped afterwards; likewise on SQL Server when
/// <c>SALESKERNEL_TEST_SQLSERVER</c> holds one (no SQL Server runs on the project's machines: that
/// path is written for such a server and has not been run here).
/// </summary>
public sealed class TestDatabase : IDisposable
{
    public const string PostgresVariable = "SALESKERNEL_TEST_POSTGRES";
    public const string SqlServerVariable = "SALESKERNEL_TEST_SQLSERVER";
    private readonly string? _adminConnection;
    private readonly string? _databaseName;

    private TestDatabase(string provider, string connectionString, string dataPath, string? adminConnection, string? databaseName)
    {
        Provider = provider;
        ConnectionString = connectionString;
        DataPath = dataPath;
        _adminConnection = adminConnection;
        _databaseName = databaseName;
    }

    public string Provider { get; }
    public string ConnectionString { get; }
    public string DataPath { get; }
    public bool IsPostgres => Provider == "PostgreSQL";
    public bool IsSqlServer => Provider == "SqlServer";

    public static string? SqlServer => Environment.GetEnvironmentVariable(SqlServerVariable) is { Length: > 0 } s ? s : null;

    public static string? PostgresServer => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } s ? s : null;

    public static TestDatabase Create()
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "saleskernel-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataPath);
        if (SqlServer is { } sqlServer)
        {
            var name = $"sk_test_{Guid.NewGuid():N}";
            var builder = new SqlConnectionStringBuilder(sqlServer) { InitialCatalog = name };
            return new TestDatabase("SqlServer", builder.ToString(), dataPath, sqlServer, name);
        }
        if (PostgresServer is { } server)
        {
            var name = $"sk_test_{Guid.NewGuid():N}";
            var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
            return new TestDatabase("PostgreSQL", builder.ToString(), dataPath, server, name);
        }
        var file = Path.Combine(dataPath, "saleskernel.db");
        return new TestDatabase("Sqlite", new SqliteConnectionStringBuilder { DataSource = file }.ToString(), dataPath, null, null);
    }

    /// <summary>Runs a scalar query directly against the database, around the host.</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        if (IsSqlServer)
        {
            await using var ms = new SqlConnection(ConnectionString);
            await ms.OpenAsync();
            await using var cmd = new SqlCommand(sql, ms);
            return await cmd.ExecuteScalarAsync();
        }
        if (IsPostgres)
        {
            await using var pg = new NpgsqlConnection(ConnectionString);
            await pg.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, pg);
            return await cmd.ExecuteScalarAsync();
        }
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Runs a statement with parameters (<c>@name</c>) directly against the database, around the host: test set-up such as backdating a row.</summary>
    public async Task<int> ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        if (IsSqlServer)
        {
            await using var ms = new SqlConnection(ConnectionString);
            await ms.OpenAsync();
            await using var cmd = new SqlCommand(sql, ms);
            foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
            return await cmd.ExecuteNonQueryAsync();
        }
        if (IsPostgres)
        {
            await using var pg = new NpgsqlConnection(ConnectionString);
            await pg.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, pg);
            foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
            return await cmd.ExecuteNonQueryAsync();
        }
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>The clause that pages an ordered query: <c>LIMIT … OFFSET …</c>, or SQL Server's <c>OFFSET … FETCH</c>.</summary>
    public string Rows(int offset, int count) => IsSqlServer ? $"OFFSET {offset} ROWS FETCH NEXT {count} ROWS ONLY" : $"LIMIT {count} OFFSET {offset}";

    /// <summary>A boolean literal in the database's words (SQL Server's <c>bit</c> has none).</summary>
    public string Literal(bool value) => IsSqlServer ? (value ? "1" : "0") : value ? "true" : "false";

    public async Task<long> CountAsync(string table) => Convert.ToInt64(await ScalarAsync($"SELECT COUNT(*) FROM \"{table}\""));

    public async Task<IReadOnlyList<string>> ColumnsAsync(string table)
    {
        var sql = IsSqlServer
            ? $"SELECT STRING_AGG(COLUMN_NAME, ',') WITHIN GROUP (ORDER BY ORDINAL_POSITION) FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = SCHEMA_NAME() AND TABLE_NAME = '{table}'"
            : IsPostgres
            ? $"SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}'"
            : $"SELECT group_concat(name, ',') FROM pragma_table_info('{table}')";
        return (await ScalarAsync(sql) as string ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
    }

    public void Dispose()
    {
        if (IsSqlServer)
        {
            SqlConnection.ClearAllPools();
            using var admin = new SqlConnection(new SqlConnectionStringBuilder(_adminConnection) { InitialCatalog = "master" }.ToString());
            admin.Open();
            using var drop = new SqlCommand($"IF DB_ID(N'{_databaseName}') IS NOT NULL BEGIN ALTER DATABASE [{_databaseName}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{_databaseName}]; END", admin);
            drop.ExecuteNonQuery();
        }
        else if (IsPostgres)
        {
            NpgsqlConnection.ClearAllPools();
            using var admin = new NpgsqlConnection(_adminConnection);
            admin.Open();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", admin);
            drop.ExecuteNonQuery();
        }
        else
        {
            SqliteConnection.ClearAllPools();
        }
        try { Directory.Delete(DataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
