using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Semver;

namespace SalesKernel.Core.Plugins;

/// <summary>The contents of a plugin's <c>plugin.json</c>, checked without loading any code.</summary>
public sealed partial record PluginManifest(
    string Id,
    string Name,
    SemVersion Version,
    SemVersionRange Sdk,
    string SdkRange,
    IReadOnlyList<PluginDependency> Dependencies,
    string? Description,
    string? Author,
    string? Assembly)
{
    public const string FileName = "plugin.json";

    [GeneratedRegex("^[a-z][a-z0-9]*([.-][a-z0-9]+)*$")]
    private static partial Regex IdPattern();

    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    /// <summary>Ids the kernel uses for its own routes (<c>/api/&lt;id&gt;</c>) and schema history.</summary>
    public static readonly IReadOnlySet<string> ReservedIds = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "kernel", "plugins", "meta", "audit", "auth", "admin", "tenants", "users", "roles", "teams",
        "custom-fields", "records", "health", "swagger", "system", "jobs", "webhooks", "workflows",
    };

    /// <summary>Reads and validates a manifest; every problem found is listed in the exception.</summary>
    public static PluginManifest Parse(string json)
    {
        RawManifest raw;
        try
        {
            raw = JsonSerializer.Deserialize<RawManifest>(json, JsonOptions)
                ?? throw new ManifestException("plugin.json is empty");
        }
        catch (JsonException e)
        {
            throw new ManifestException($"plugin.json is not valid JSON: {e.Message}");
        }

        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(raw.Id)) errors.Add("'id' is required");
        else if (!IsValidId(raw.Id)) errors.Add($"'id' \"{raw.Id}\" must be lower-case letters and digits, separated by '.' or '-'");
        else if (ReservedIds.Contains(raw.Id)) errors.Add($"'id' \"{raw.Id}\" is reserved by the kernel");
        if (string.IsNullOrWhiteSpace(raw.Name)) errors.Add("'name' is required");

        SemVersion? version = null;
        if (string.IsNullOrWhiteSpace(raw.Version)) errors.Add("'version' is required");
        else if (!SemVersion.TryParse(raw.Version, SemVersionStyles.Strict, out version))
            errors.Add($"'version' \"{raw.Version}\" is not a semantic version (major.minor.patch)");

        SemVersionRange? sdk = null;
        if (string.IsNullOrWhiteSpace(raw.Sdk)) errors.Add("'sdk' (the SDK version range) is required");
        else if (!SemVersionRange.TryParseNpm(raw.Sdk, out sdk))
            errors.Add($"'sdk' \"{raw.Sdk}\" is not a version range (for example ^1.0.0)");

        var dependencies = new List<PluginDependency>();
        foreach (var (depId, rangeText) in raw.Dependencies ?? [])
        {
            if (!IsValidId(depId)) errors.Add($"dependency id \"{depId}\" is not a valid plugin id");
            else if (!SemVersionRange.TryParseNpm(rangeText ?? "", out var range))
                errors.Add($"dependency '{depId}': \"{rangeText}\" is not a version range");
            else dependencies.Add(new PluginDependency(depId, range, rangeText!));
        }

        if (raw.Assembly is { } asm && (asm.Contains('/') || asm.Contains('\\') || !asm.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)))
            errors.Add($"'assembly' \"{asm}\" must be a .dll file name in the plugin folder");

        if (errors.Count > 0) throw new ManifestException(string.Join("; ", errors));

        return new PluginManifest(raw.Id!, raw.Name!, version!, sdk!, raw.Sdk!, dependencies,
            raw.Description, raw.Author, raw.Assembly);
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private sealed record RawManifest(
        string? Id, string? Name, string? Version, string? Sdk,
        [property: JsonPropertyName("dependencies")] Dictionary<string, string?>? Dependencies,
        string? Description, string? Author, string? Assembly);
}

/// <summary>A dependency on another plugin, with the versions accepted.</summary>
public sealed record PluginDependency(string Id, SemVersionRange Range, string RangeText);

public sealed class ManifestException(string message) : Exception(message);
