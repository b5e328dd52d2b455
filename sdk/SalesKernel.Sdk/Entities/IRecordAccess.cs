namespace SalesKernel.Sdk.Entities;

/// <summary>
/// What the current caller may do with records, for a plugin's own endpoints: the depth of a
/// privilege, the records within it (as a query translated to SQL), and the caller's team. Scheduled
/// jobs and automation act as the system and reach every record of their tenant.
/// </summary>
public interface IRecordAccess
{
    /// <summary>How far a privilege on a set reaches for the caller (<see cref="AccessDepth.None"/> when not granted).</summary>
    /// <typeparam name="TEntity">The entity's CLR type.</typeparam>
    /// <param name="privilege">A standard privilege (<see cref="Privileges"/>) or one the set declares.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The depth.</returns>
    Task<AccessDepth> DepthAsync<TEntity>(string privilege, CancellationToken cancellationToken = default) where TEntity : class, IEntity;

    /// <summary>
    /// The records of a set within the caller's depth of a privilege (read by default), not tracked,
    /// for LINQ queries translated to SQL: own records, the team's, the team's and below, or all of
    /// the tenant's — plus, for <c>read</c> only, records shared with the caller. Empty when the
    /// privilege is not granted. Use it from the set's own plugin or a plugin depending on it (whose
    /// endpoints are off whenever the set's plugin is).
    /// </summary>
    /// <typeparam name="TEntity">The entity's CLR type.</typeparam>
    /// <param name="privilege">The privilege whose depth bounds the records.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>A query.</returns>
    Task<IQueryable<TEntity>> ScopeAsync<TEntity>(string privilege = Privileges.Read, CancellationToken cancellationToken = default) where TEntity : class, IEntity;

    /// <summary>Whether the caller may read a record of any entity set, given by its full name (<c>customers.customers</c>).</summary>
    /// <param name="entitySet">The set's full name.</param>
    /// <param name="id">The record's id.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>False when the set does not exist, is off for the tenant, or the record is out of reach.</returns>
    Task<bool> CanReadAsync(string entitySet, Guid id, CancellationToken cancellationToken = default);

    /// <summary>The caller's team, if they belong to one.</summary>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The team's id, or null.</returns>
    Task<Guid?> TeamIdAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether a user of the tenant is within a depth of the caller: themselves (own), their team
    /// (team), their team and the teams below it (team and below) or anyone (tenant). Use it before
    /// handing a record to someone, so a manager assigns only within their reach.
    /// </summary>
    /// <param name="userId">The other user's id.</param>
    /// <param name="depth">The caller's depth of the privilege at stake.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>False for an unknown or inactive user, or one out of reach.</returns>
    Task<bool> ReachesUserAsync(string userId, AccessDepth depth, CancellationToken cancellationToken = default);

    /// <summary>
    /// The teams a depth of the caller's reaches: none for own, their team for team, their team and
    /// every team below it for team-and-below; null for tenant, meaning every team.
    /// </summary>
    /// <param name="depth">The caller's depth of the privilege at stake.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The team ids, or null for all of them.</returns>
    Task<IReadOnlyList<Guid>?> TeamsWithinAsync(AccessDepth depth, CancellationToken cancellationToken = default);

    /// <summary>The team of an active user of the tenant.</summary>
    /// <param name="userId">The user's id.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>Their team, or null when they have none or are not an active user of the tenant.</returns>
    Task<Guid?> TeamOfUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether the caller has a permission a plugin declared with
    /// <see cref="IPluginBuilder.AddPermission"/>: a tenant administrator always does; others when one
    /// of their roles is granted it (or, for a standard role, has it by default). Jobs and automation
    /// act as the system and have every permission.
    /// </summary>
    /// <param name="permission">The full name, <c>&lt;plugin id&gt;.&lt;name&gt;</c>, such as <c>credit.limits.approve</c>.</param>
    /// <param name="cancellationToken">Cancels loading the caller's roles.</param>
    /// <returns>Whether the caller has it; false for a permission no loaded plugin declared.</returns>
    Task<bool> HasPermissionAsync(string permission, CancellationToken cancellationToken = default);
}
