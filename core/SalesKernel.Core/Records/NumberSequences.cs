using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SalesKernel.Core.Data;
using SalesKernel.Core.Plugins;
using SalesKernel.Sdk;

namespace SalesKernel.Core.Records;

/// <summary>The next counter of a tenant's sequence in a period (the date part of its numbers).</summary>
public sealed class NumberCounter
{
    public Guid TenantId { get; set; }
    public string Sequence { get; set; } = "";
    public string Period { get; set; } = "";
    public long Next { get; set; }

    internal static void Configure(EntityTypeBuilder<NumberCounter> b)
    {
        b.ToTable("sk_number_counter");
        b.HasKey(c => new { c.TenantId, c.Sequence, c.Period });
        b.Property(c => c.Sequence).HasMaxLength(200);
        b.Property(c => c.Period).HasMaxLength(40);
    }
}

/// <summary>A tenant's own format for a sequence, instead of the plugin's default.</summary>
public sealed class NumberFormatSetting
{
    public Guid TenantId { get; set; }
    public string Sequence { get; set; } = "";
    public string Format { get; set; } = "";

    internal static void Configure(EntityTypeBuilder<NumberFormatSetting> b)
    {
        b.ToTable("sk_number_format");
        b.HasKey(f => new { f.TenantId, f.Sequence });
        b.Property(f => f.Sequence).HasMaxLength(200);
        b.Property(f => f.Format).HasMaxLength(NumberFormat.MaxLength);
    }
}

/// <summary>
/// The SDK's <see cref="INumberSequences"/>: one upsert of the counter row, in the caller's transaction,
/// which holds the row until commit — so concurrent writers take turns and a rollback gives the number back.
/// </summary>
public sealed class NumberSequences(KernelDbContext db, PluginCatalog catalog, TenantCalendar calendar) : INumberSequences
{
    private readonly Dictionary<string, string> _formats = [];

    public async Task<string> NextAsync(string sequence, CancellationToken cancellationToken = default)
    {
        var definition = catalog.Loaded.SelectMany(p => p.Registration?.Sequences ?? []).FirstOrDefault(s => s.FullName == sequence)
            ?? throw new InvalidOperationException($"No loaded plugin declares the number sequence '{sequence}'.");
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("A number is taken inside the write that uses it: call NextAsync inside a transaction (IEntityStore.InTransactionAsync).");
        var tenant = db.CurrentTenantId;
        if (tenant == Guid.Empty) throw new InvalidOperationException("Numbers are a tenant's: take one while acting for a tenant.");
        // read once per request (a bulk create numbers many records)
        if (!_formats.TryGetValue(sequence, out var format))
            _formats[sequence] = format = await db.Set<NumberFormatSetting>().Where(f => f.Sequence == sequence).Select(f => f.Format).FirstOrDefaultAsync(cancellationToken)
                ?? definition.DefaultFormat;
        var today = await calendar.TodayAsync(cancellationToken);
        var period = NumberFormat.Period(format, today);
        var counter = db.Database.IsSqlServer()
            // SQL Server has no ON CONFLICT: MERGE under HOLDLOCK is its race-free upsert
            ? await db.Database.SqlQueryRaw<long>(Data.SqlServerSql.NextNumber, tenant, sequence, period).ToListAsync(cancellationToken)
            : await db.Database.SqlQuery<long>($"""
            INSERT INTO sk_number_counter ("TenantId", "Sequence", "Period", "Next") VALUES ({tenant}, {sequence}, {period}, 2)
            ON CONFLICT ("TenantId", "Sequence", "Period") DO UPDATE SET "Next" = sk_number_counter."Next" + 1
            RETURNING "Next" - 1 AS "Value"
            """).ToListAsync(cancellationToken);
        return NumberFormat.Render(format, today, counter.Single());
    }
}
