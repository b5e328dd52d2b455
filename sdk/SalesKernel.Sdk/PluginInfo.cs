namespace SalesKernel.Sdk;

/// <summary>A plugin's identity, as declared in its <c>plugin.json</c>.</summary>
/// <param name="Id">Stable lower-case identifier, also the route prefix <c>/api/&lt;id&gt;</c>.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="Version">Semantic version of the plugin.</param>
public sealed record PluginInfo(string Id, string Name, string Version);
