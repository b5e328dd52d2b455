namespace SalesKernel.Tests.Infrastructure;

/// <summary>A fact about SQLite itself: skipped (and reported as skipped) when the run targets PostgreSQL.</summary>
public sealed class SqliteFactAttribute : FactAttribute
{
    public SqliteFactAttribute()
    {
        if (TestDatabase.PostgresServer is not null) Skip = "SQLite-only; this run targets PostgreSQL";
    }
}

/// <summary>A fact about PostgreSQL itself: skipped (and reported as skipped) when the run targets SQLite.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestDatabase.PostgresServer is null) Skip = "PostgreSQL-only; this run targets SQLite";
    }
}
