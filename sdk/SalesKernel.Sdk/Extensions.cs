namespace SalesKernel.Sdk;

/// <summary>
/// The implementations of an extension point, for the caller's tenant. A plugin publishes an
/// extension point as an interface in its own assembly ("price a document", "may this order be
/// submitted?"); plugins that depend on it implement it with <see cref="IPluginBuilder.Implement{TContract, TImplementation}"/>;
/// the publisher injects <c>IExtensions&lt;TContract&gt;</c> and calls them all.
/// </summary>
/// <typeparam name="TContract">The extension point's interface.</typeparam>
public interface IExtensions<TContract> where TContract : class
{
    /// <summary>
    /// The implementations of the plugins the caller's tenant has switched on, created for this scope,
    /// in a defined order: by the order each declared, then by plugin dependency order, then by id.
    /// </summary>
    /// <param name="cancellationToken">Cancels loading the tenant's modules.</param>
    /// <returns>The implementations; empty when none applies.</returns>
    Task<IReadOnlyList<TContract>> ForTenantAsync(CancellationToken cancellationToken = default);
}
