using Microsoft.Extensions.Logging;

namespace SalesKernel.Core.Plugins;

/// <summary>How plugins are shown: in <c>GET /api/plugins</c> and in the start-up log.</summary>
public static class PluginReport
{
    public static PluginSummary Describe(PluginDescriptor p) => new(
        p.Id,
        p.Manifest?.Name ?? p.Id,
        p.Version,
        p.State.ToString(),
        p.Reason,
        p.Manifest?.SdkRange,
        p.Manifest?.Description,
        p.Manifest?.Author,
        p.Manifest?.Dependencies.Select(d => new DependencySummary(d.Id, d.RangeText)).ToList() ?? [],
        p.Registration?.Entities.Select(e => e.ClrType.Name).ToList() ?? [],
        p.Registration?.Permissions.Select(x => new PermissionSummary(x.FullName, x.DisplayName.En, x.DisplayName.ZhHans)).ToList() ?? []);

    public static void Log(ILogger logger, PluginCatalog catalog)
    {
        logger.LogInformation("{Count} plugin(s) found in {Path}", catalog.Plugins.Count, catalog.PluginsPath);
        foreach (var p in catalog.Plugins)
        {
            if (p.IsLoaded) logger.LogInformation("Plugin {Id} {Version}: Loaded", p.Id, p.Version);
            else if (p.State == PluginState.Disabled) logger.LogInformation("Plugin {Id} {Version}: Disabled ({Reason})", p.Id, p.Version, p.Reason);
            else logger.LogWarning("Plugin {Id} {Version}: Failed: {Reason}", p.Id, p.Version, p.Reason);
        }
    }
}

public sealed record PluginSummary(
    string Id, string Name, string Version, string State, string? Reason, string? Sdk,
    string? Description, string? Author, IReadOnlyList<DependencySummary> Dependencies,
    IReadOnlyList<string> Entities, IReadOnlyList<PermissionSummary> Permissions);

public sealed record DependencySummary(string Id, string Range);

public sealed record PermissionSummary(string Name, string DisplayName, string? DisplayNameZhHans)
{
    /// <summary>The display name in the caller's language (where the answer is for one).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Label { get; init; }
}
