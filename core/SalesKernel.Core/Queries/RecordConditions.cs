using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Records;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Queries;

/// <summary>
/// Conditions in the list-query filter grammar applied to records of a set, in SQL, with every field
/// of the set (no field-level restriction): what approval levels and automation rules test.
/// </summary>
public static class RecordConditions
{
    /// <summary>Whether one record meets the condition.</summary>
    public static Task<bool> MeetsAsync(RecordPipeline pipeline, EntitySetDescriptor set, Guid id, string condition, CancellationToken ct) =>
        Invoke<bool>(nameof(MeetsTypedAsync), set, pipeline, id, condition, ct);

    /// <summary>The ids of the records meeting the condition (all when it is null), at most <paramref name="limit"/>.</summary>
    public static Task<List<Guid>> MatchingAsync(RecordPipeline pipeline, EntitySetDescriptor set, string? condition, int limit, CancellationToken ct) =>
        Invoke<List<Guid>>(nameof(MatchingTypedAsync), set, pipeline, condition, limit, ct);

    private static Task<T> Invoke<T>(string method, EntitySetDescriptor set, params object?[] args) =>
        (Task<T>)Data.GenericMethods.Of(typeof(RecordConditions), method, set.ClrType).Invoke(null, [set, .. args])!;

    private static Task<bool> MeetsTypedAsync<TEntity>(EntitySetDescriptor set, RecordPipeline pipeline, Guid id, string condition, CancellationToken ct)
        where TEntity : class, IEntity =>
        Where(pipeline.Db.Set<TEntity>().Where(e => e.Id == id), set, pipeline, condition).AnyAsync(ct);

    private static Task<List<Guid>> MatchingTypedAsync<TEntity>(EntitySetDescriptor set, RecordPipeline pipeline, string? condition, int limit, CancellationToken ct)
        where TEntity : class, IEntity =>
        Where(pipeline.Db.Set<TEntity>(), set, pipeline, condition).OrderBy(e => e.Id).Select(e => e.Id).Take(limit).ToListAsync(ct);

    private static IQueryable<TEntity> Where<TEntity>(IQueryable<TEntity> query, EntitySetDescriptor set, RecordPipeline pipeline, string? condition)
    {
        if (condition is null) return query;
        var fields = pipeline.FieldsOf(set);
        var record = Expression.Parameter(typeof(TEntity), "r");
        var predicate = FilterTranslator.Translate(FilterParser.Parse(condition), record, n => fields.FirstOrDefault(f => f.Name == n), _ => true);
        return query.Where(Expression.Lambda<Func<TEntity, bool>>(predicate, record));
    }
}
