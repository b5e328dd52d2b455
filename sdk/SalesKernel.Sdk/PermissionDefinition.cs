namespace SalesKernel.Sdk;

/// <summary>A permission declared by a plugin.</summary>
/// <param name="PluginId">The declaring plugin.</param>
/// <param name="Name">The name as declared, for example <c>customer.read</c>.</param>
/// <param name="DisplayName">What administrators see.</param>
/// <param name="GrantedTo">The standard roles that have it by default.</param>
internal sealed record PermissionDefinition(string PluginId, string Name, LocalizedText DisplayName, IReadOnlyList<string> GrantedTo)
{
    /// <summary>The name qualified by the plugin id, unique in an installation: <c>customers.customer.read</c>.</summary>
    public string FullName => $"{PluginId}.{Name}";
}
