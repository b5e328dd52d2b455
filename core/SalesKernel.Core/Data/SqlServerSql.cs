using System.Security.Cryptography;
using System.Text;

namespace SalesKernel.Core.Data;

/// <summary>
/// What the kernel says to SQL Server in its own words: application locks (<c>sp_getapplock</c>) for the
/// schema (one host at a time, held by the session) and for <c>IEntityStore.LockAsync</c> (held by the
/// transaction), and the error numbers it recognises.
/// </summary>
internal static class SqlServerSql
{
    /// <summary>Error 1801: the database already exists (another host created it first).</summary>
    public const int DatabaseExists = 1801;

    /// <summary>Deadlock victim (1205) and snapshot update conflict (3960): the write may be retried.</summary>
    public static readonly int[] Retry = [1205, 3960];

    /// <summary>Unique index (2601) or constraint (2627) violated.</summary>
    public static readonly int[] UniqueViolation = [2601, 2627];

    /// <summary>Foreign key (547 names the FOREIGN KEY constraint) violated.</summary>
    public const int ConstraintViolation = 547;

    /// <summary>String or binary data would be truncated (8152, 2628 since SQL Server 2019).</summary>
    public static readonly int[] Truncation = [8152, 2628];

    /// <summary>Cannot insert NULL into a column that does not allow it.</summary>
    public const int NotNull = 515;

    /// <summary>The schema lock: waits up to two minutes for another host's schema step, held by the session.</summary>
    public const string SchemaLock =
        "DECLARE @result int; EXEC @result = sp_getapplock @Resource = N'SalesKernel.schema', @LockMode = N'Exclusive', @LockOwner = N'Session', @LockTimeout = 120000; " +
        "IF @result < 0 THROW 50000, N'Another host held the schema lock for two minutes.', 1;";

    public const string SchemaUnlock = "EXEC sp_releaseapplock @Resource = N'SalesKernel.schema', @LockOwner = N'Session';";

    /// <summary>A lock held until the transaction ends (its one parameter: the resource); waits less than a command's 30 s.</summary>
    public const string TransactionLock =
        "DECLARE @result int; EXEC @result = sp_getapplock @Resource = {0}, @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = 20000; " +
        "IF @result < 0 THROW 50000, N'A lock of the record store could not be taken within 20 seconds.', 1;";

    /// <summary>
    /// The next number of a sequence ({0} tenant, {1} sequence, {2} period) and the counter moved on:
    /// SQL Server has no ON CONFLICT, and MERGE under HOLDLOCK is its race-free upsert.
    /// </summary>
    public const string NextNumber = """
        MERGE sk_number_counter WITH (HOLDLOCK) AS t
        USING (SELECT {0} AS TenantId, {1} AS Sequence, {2} AS Period) AS s
        ON t.[TenantId] = s.TenantId AND t.[Sequence] = s.Sequence AND t.[Period] = s.Period
        WHEN MATCHED THEN UPDATE SET [Next] = t.[Next] + 1
        WHEN NOT MATCHED THEN INSERT ([TenantId], [Sequence], [Period], [Next]) VALUES (s.TenantId, s.Sequence, s.Period, 2)
        OUTPUT inserted.[Next] - 1 AS [Value];
        """;

    /// <summary>The lock's resource: the name itself, or its hash when longer than sp_getapplock takes (255).</summary>
    public static string LockResource(string name) =>
        name.Length <= 200 ? "sk:" + name : "sk#" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
}
