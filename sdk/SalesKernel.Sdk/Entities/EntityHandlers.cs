namespace SalesKernel.Sdk.Entities;

/// <summary>What a write does to a record.</summary>
public enum WriteOperation
{
    /// <summary>A new record.</summary>
    Create,
    /// <summary>A change to an existing record.</summary>
    Update,
    /// <summary>A record removed.</summary>
    Delete,
}

/// <summary>When a handler runs within a write; both stages run inside the write's transaction.</summary>
public enum HandlerStage
{
    /// <summary>After validation, before the record is written. May change <see cref="IEntityChange{TEntity}.After"/>.</summary>
    PreOperation,
    /// <summary>After the record and its audit entry are written, before commit. May write other records.</summary>
    PostOperation,
}

/// <summary>
/// A write in progress, as a handler sees it: the record before and after the change. A handler
/// that throws <see cref="RuleViolationException"/> rolls the whole write back; the client gets a
/// 422 naming the rule.
/// </summary>
/// <typeparam name="TEntity">The entity's CLR type.</typeparam>
public interface IEntityChange<TEntity> where TEntity : class, IEntity
{
    /// <summary>Create, update or delete.</summary>
    WriteOperation Operation { get; }
    /// <summary>The entity set's full name, e.g. <c>customers.customers</c>.</summary>
    string EntitySet { get; }
    /// <summary>The record's id.</summary>
    Guid Id { get; }
    /// <summary>A copy of the record as stored before the write; null on create.</summary>
    TEntity? Before { get; }
    /// <summary>The record as it will be stored; null on delete. Pre-operation handlers may change it.</summary>
    TEntity? After { get; }
    /// <summary>API names of the fields the write changes (all given fields on create).</summary>
    IReadOnlyCollection<string> ChangedFields { get; }
    /// <summary>Any field's value before the write, by API name (extension and custom fields too).</summary>
    /// <param name="field">The API name.</param>
    /// <returns>The value, or null.</returns>
    object? GetBefore(string field);
    /// <summary>Any field's value after the write, by API name.</summary>
    /// <param name="field">The API name.</param>
    /// <returns>The value, or null.</returns>
    object? GetAfter(string field);
    /// <summary>Sets a field by API name (pre-operation only), e.g. an extension field.</summary>
    /// <param name="field">The API name.</param>
    /// <param name="value">The new value, of the field's type.</param>
    void Set(string field, object? value);
    /// <summary>1 for a client's write; one more for each write a handler makes inside another.</summary>
    int Depth { get; }
    /// <summary>Who writes, when known.</summary>
    string? UserId { get; }
    /// <summary>
    /// The caller confirmed they want the write despite warnings (<c>?force=true</c> on the generic
    /// endpoints), so a handler may let through what it would otherwise refuse as a possible duplicate.
    /// </summary>
    bool IsConfirmed { get; }
    /// <summary>
    /// Records of the same set created earlier in the same write and not saved yet: a bulk create
    /// writes its records in batches, so a rule looking for duplicates looks here as well as in the
    /// database. Empty outside a bulk create.
    /// </summary>
    IReadOnlyList<TEntity> Unsaved { get; }
}

/// <summary>Runs inside a write to an entity set (pre- or post-operation, as registered).</summary>
/// <typeparam name="TEntity">The entity's CLR type.</typeparam>
public interface IEntityHandler<TEntity> where TEntity : class, IEntity
{
    /// <summary>Inspects or changes the write; throws <see cref="RuleViolationException"/> to refuse it.</summary>
    /// <param name="change">The write in progress.</param>
    /// <param name="cancellationToken">Cancelled when the request is.</param>
    /// <returns>A task.</returns>
    Task HandleAsync(IEntityChange<TEntity> change, CancellationToken cancellationToken);
}

/// <summary>
/// Runs after a write has committed, from the outbox, outside the write's transaction; retried
/// with back-off when it throws. Use it for work that may be slow or may fail on its own.
/// </summary>
/// <typeparam name="TEntity">The entity's CLR type.</typeparam>
public interface IEntityEventHandler<TEntity> where TEntity : class, IEntity
{
    /// <summary>Handles one committed write.</summary>
    /// <param name="entityEvent">What was written.</param>
    /// <param name="cancellationToken">Cancelled at shutdown.</param>
    /// <returns>A task.</returns>
    Task HandleAsync(EntityEvent entityEvent, CancellationToken cancellationToken);
}

/// <summary>A committed write, as recorded in the outbox.</summary>
/// <param name="Sequence">Increases with every event of the installation.</param>
/// <param name="EntitySet">The entity set's full name.</param>
/// <param name="RecordId">The record's id.</param>
/// <param name="Operation">Create, update or delete.</param>
/// <param name="OccurredAtUtc">When the write committed.</param>
/// <param name="UserId">Who wrote, when known.</param>
/// <param name="ChangesJson">The changed fields as JSON: <c>[{"field":…,"before":…,"after":…}]</c>.</param>
public sealed record EntityEvent(long Sequence, string EntitySet, Guid RecordId, WriteOperation Operation,
    DateTime OccurredAtUtc, string? UserId, string ChangesJson);
