namespace SalesKernel.Sdk.Entities;

/// <summary>
/// Reads and writes entity-set records from a plugin's own code. Every write goes through the same
/// pipeline as the generic endpoints — validation, handlers, audit, events — in one transaction
/// (joining the current one when called from a handler). Failures surface as
/// <see cref="RecordNotFoundException"/>, <see cref="ConcurrencyConflictException"/>,
/// <see cref="RecordValidationException"/> and <see cref="RuleViolationException"/>, which the host
/// turns into 404, 412, 400 and 422 problems.
/// </summary>
public interface IEntityStore
{
    /// <summary>Records of a set, not tracked, for LINQ queries translated to SQL.</summary>
    /// <typeparam name="TEntity">The entity's CLR type.</typeparam>
    /// <returns>A query.</returns>
    IQueryable<TEntity> Query<TEntity>() where TEntity : class, IEntity;

    /// <summary>Creates a record; an empty id is replaced by a new time-ordered one.</summary>
    /// <typeparam name="TEntity">The entity's CLR type.</typeparam>
    /// <param name="entity">The new record.</param>
    /// <param name="fields">Extension or custom field values by API name, if any.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The record as stored.</returns>
    Task<TEntity> CreateAsync<TEntity>(TEntity entity, IReadOnlyDictionary<string, object?>? fields = null, CancellationToken cancellationToken = default)
        where TEntity : class, IEntity;

    /// <summary>Changes a record.</summary>
    /// <typeparam name="TEntity">The entity's CLR type.</typeparam>
    /// <param name="id">The record's id.</param>
    /// <param name="change">Changes the tracked record.</param>
    /// <param name="expectedVersion">The version the caller read, or null to skip the check.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The record as stored.</returns>
    Task<TEntity> UpdateAsync<TEntity>(Guid id, Action<TEntity> change, long? expectedVersion = null, CancellationToken cancellationToken = default)
        where TEntity : class, IEntity;

    /// <summary>Deletes a record.</summary>
    /// <typeparam name="TEntity">The entity's CLR type.</typeparam>
    /// <param name="id">The record's id.</param>
    /// <param name="expectedVersion">The version the caller read, or null to skip the check.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    Task DeleteAsync<TEntity>(Guid id, long? expectedVersion = null, CancellationToken cancellationToken = default)
        where TEntity : class, IEntity;
}
