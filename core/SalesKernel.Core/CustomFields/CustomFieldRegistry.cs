using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Data;
using SalesKernel.Core.Records;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.CustomFields;

/// <summary>
/// The custom fields of every entity set, cached. A change made through this host is seen at once;
/// a change made through another host sharing the database within <see cref="MaxAge"/>.
/// </summary>
public sealed class CustomFieldRegistry(IServiceScopeFactory scopes, TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    private volatile Snapshot _snapshot = new(DateTimeOffset.MinValue, new Dictionary<(Guid, string), IReadOnlyList<RecordField>>());
    private readonly SemaphoreSlim _gate = new(1, 1);

    public IReadOnlyList<RecordField> For(Guid? tenantId, string entitySet) =>
        tenantId is { } t ? _snapshot.Fields.GetValueOrDefault((t, entitySet)) ?? [] : [];

    public async Task RefreshIfStaleAsync(CancellationToken cancellationToken)
    {
        if (IsFresh(_snapshot)) return;
        await ReloadAsync(cancellationToken, onlyIfStale: true);
    }

    /// <summary>Reads the definitions again; one reload at a time, so an older read never replaces a newer one.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken, bool onlyIfStale = false)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (onlyIfStale && IsFresh(_snapshot)) return; // another request reloaded while this one waited
            var loadedAt = clock.GetUtcNow();
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
            var definitions = await db.AcrossTenants<CustomFieldDefinition>().AsNoTracking().Where(d => d.DeletedAtUtc == null)
                .OrderBy(d => d.CreatedAtUtc).ThenBy(d => d.Name).ToListAsync(cancellationToken);
            _snapshot = new Snapshot(loadedAt, definitions.GroupBy(d => (d.TenantId, d.EntitySet))
                .ToDictionary(g => g.Key, g => (IReadOnlyList<RecordField>)g.Select(ToField).ToList()));
        }
        finally
        {
            _gate.Release();
        }
    }

    private bool IsFresh(Snapshot snapshot) => clock.GetUtcNow() - snapshot.LoadedAt < MaxAge;

    public static RecordField ToField(CustomFieldDefinition d)
    {
        var type = Enum.Parse<FieldType>(d.Type);
        return new RecordField
        {
            Name = d.Name,
            PropertyName = d.Name,
            ClrType = ClrTypeOf(type),
            Type = type,
            Source = FieldSource.Custom,
            Owner = "custom",
            DisplayName = new LocalizedText(d.DisplayNameEn, d.DisplayNameZhHans),
            IsRequired = d.IsRequired,
            IsSearchable = type == FieldType.Text,
            IsFilterable = true,
            IsSortable = type != FieldType.MultiChoice,
            IsNullable = true,
            MaxLength = d.MaxLength,
            Minimum = d.Minimum,
            Maximum = d.Maximum,
            Choices = d.Choices is null ? null : JsonSerializer.Deserialize<string[]>(d.Choices),
            ReferenceTo = d.ReferenceTo,
        };
    }

    public static Type ClrTypeOf(FieldType type) => type switch
    {
        FieldType.Text or FieldType.Choice => typeof(string),
        FieldType.Integer => typeof(long?),
        FieldType.Decimal or FieldType.Money => typeof(decimal?),
        FieldType.Boolean => typeof(bool?),
        FieldType.Date => typeof(DateOnly?),
        FieldType.DateTime => typeof(DateTime?),
        FieldType.Guid or FieldType.Reference => typeof(Guid?),
        FieldType.MultiChoice => typeof(string[]),
        _ => throw new NotSupportedException(type.ToString()),
    };

    private sealed record Snapshot(DateTimeOffset LoadedAt, IReadOnlyDictionary<(Guid Tenant, string Set), IReadOnlyList<RecordField>> Fields);
}
