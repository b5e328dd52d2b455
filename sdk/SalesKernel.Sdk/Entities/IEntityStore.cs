namespace SalesKernel.Sdk.Entities;

/// <summary>
/// Reads and writes entity-set records from a plugin's own code. Every write goes through the same
/// pipeline as the generic endpoints — validation, handlers, audit, events — in one transaction
/// (joining the current one when called from a handler). Failures surface as
/// <see cref="RecordNotFoundException"/> (404), <see cref="AccessDeniedException"/> (403),
/// <see cref="ConcurrencyConflictException"/> (412), <see cref="DuplicateRecordException"/> (409),
/// <see cref="RecordValidationException"/> (400) and <see cref="RuleViolationException"/> (422),
/// which the host turns into problems with those status codes. A write whose caller passed
/// <c>?force=true</c> reaches handlers as confirmed.
/// </summary>
public interface IEntityStore
{
    /// <summary>
    /// The records of a set the caller may read — their own, their team's, …, as their roles' read
    /// depth says, and those shared with them — not tracked, for LINQ queries translated to SQL. For a
    /// job, an automation or work inside <see cref="AsSystemAsync{T}"/>: every record of the tenant.
    /// The same as <see cref="IRecordAccess.ScopeAsync{TEntity}"/> with <c>read</c>.
    /// </summary>
    /// <typeparam name="TEntity">The entity's CLR type.</typeparam>
    /// <param name="cancellationToken">Cancels loading the caller's access.</param>
    /// <returns>A query; empty when the caller may not read the set at all.</returns>
    Task<IQueryable<TEntity>> QueryAsync<TEntity>(CancellationToken cancellationToken = default) where TEntity : class, IEntity;

    /// <summary>
    /// Every record of a set in the caller's tenant, whoever the caller is — for a rule that must look
    /// company-wide (is there a duplicate? how many leads does this rep hold?). Never hand what it
    /// finds to the caller unchecked: name only what <see cref="QueryAsync{TEntity}"/> would show them.
    /// </summary>
    /// <typeparam name="TEntity">The entity's CLR type.</typeparam>
    /// <returns>A query, not tracked.</returns>
    IQueryable<TEntity> QueryAsSystem<TEntity>() where TEntity : class, IEntity;

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

    /// <summary>
    /// Gives a record to an owner and a team, or to nobody (a null owner: a lead waiting in a pool).
    /// For a caller's write it needs the <c>assign</c> privilege over the record; the owner must be a
    /// user and the team a team of the tenant (400 otherwise). Only for sets declared
    /// <see cref="EntitySetBuilder{TEntity}.OwnedByUser"/>.
    /// </summary>
    /// <typeparam name="TEntity">The entity's CLR type.</typeparam>
    /// <param name="id">The record's id.</param>
    /// <param name="ownerId">The new owner's user id, or null for none.</param>
    /// <param name="teamId">The new owning team, or null for none.</param>
    /// <param name="expectedVersion">The version the caller read, or null to skip the check.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The record as stored.</returns>
    Task<TEntity> AssignAsync<TEntity>(Guid id, string? ownerId, Guid? teamId, long? expectedVersion = null, CancellationToken cancellationToken = default)
        where TEntity : class, IEntity;

    /// <summary>
    /// Runs a transition of the set's state machine on a record, exactly as
    /// <c>POST …/{id}/transitions/{name}</c> does: its privilege, guards, comment and approval rules
    /// apply, and it is audited and kept in the record's history.
    /// </summary>
    /// <typeparam name="TEntity">The entity's CLR type.</typeparam>
    /// <param name="id">The record's id.</param>
    /// <param name="transition">The transition's name.</param>
    /// <param name="comment">The comment, required by some transitions.</param>
    /// <param name="expectedVersion">The version the caller read, or null to skip the check.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <param name="input">The transition's input (an instance of its declared input type), checked as a client's would be.</param>
    /// <returns>The record as stored (in its pending state when the transition waits for approval).</returns>
    Task<TEntity> TransitionAsync<TEntity>(Guid id, string transition, string? comment = null, long? expectedVersion = null, CancellationToken cancellationToken = default,
        object? input = null)
        where TEntity : class, IEntity;

    /// <summary>
    /// Runs several writes as one: they all commit, or none does (any exception rolls every one back).
    /// Joins the current transaction when there is one.
    /// </summary>
    /// <typeparam name="T">What the work returns.</typeparam>
    /// <param name="work">The writes.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What the work returned.</returns>
    Task<T> InTransactionAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs writes, in one transaction, without checking the caller's privileges — for a plugin's own
    /// endpoint that enforces a rule of its own instead (a sales rep claiming a lead from the pool may
    /// not assign leads in general). Validation, handlers, audit (which still names the caller) and
    /// events apply as usual. Check what the caller may do before calling this: inside the work the
    /// caller's privileges no longer bound anything — references need not be readable by the caller,
    /// and <see cref="IRecordAccess"/> answers for the system (the whole tenant).
    /// </summary>
    /// <typeparam name="T">What the work returns.</typeparam>
    /// <param name="work">The writes.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What the work returned.</returns>
    Task<T> AsSystemAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes an exclusive lock named <paramref name="key"/> (within the tenant) until the current
    /// transaction ends: transactions taking the same lock run one after the other, so a rule that
    /// counts before it writes (at most 50 leads per rep) holds under concurrent requests. Call it
    /// first inside <see cref="InTransactionAsync{T}"/> or <see cref="AsSystemAsync{T}"/>, then read
    /// what the rule counts. On PostgreSQL it is an advisory transaction lock; on SQLite every write
    /// transaction is exclusive already.
    /// </summary>
    /// <param name="key">What the lock guards, such as <c>leads.cap:&lt;user id&gt;</c>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the lock is held.</returns>
    /// <exception cref="InvalidOperationException">Called outside a transaction.</exception>
    Task LockAsync(string key, CancellationToken cancellationToken = default);
}
