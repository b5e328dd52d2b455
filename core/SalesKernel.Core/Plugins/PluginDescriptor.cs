using System.Reflection;
using SalesKernel.Sdk;

namespace SalesKernel.Core.Plugins;

/// <summary>A plugin found in the plugins folder, whatever became of it.</summary>
public sealed class PluginDescriptor(string directory)
{
    public string Directory { get; } = directory;
    public PluginManifest? Manifest { get; internal set; }

    /// <summary>The manifest's id, or the folder name when the manifest could not be read.</summary>
    public string Id => Manifest?.Id ?? Path.GetFileName(Directory);
    public string Version => Manifest?.Version.ToString() ?? "";
    public PluginState State { get; private set; } = PluginState.Loaded;
    public string? Reason { get; private set; }
    public Assembly? Assembly { get; internal set; }

    /// <summary>
    /// McMaster's loader that holds the plugin's load context: kept for the life of the host (an
    /// unloadable context whose loader is collected is unloaded with it).
    /// </summary>
    internal McMaster.NETCore.Plugins.PluginLoader? Loader { get; set; }
    /// <summary>What the plugin declared; null unless its Configure succeeded and its model is valid.</summary>
    internal PluginRegistration? Registration { get; set; }

    public bool IsLoaded => State == PluginState.Loaded;
    public PluginInfo Info => new(Id, Manifest?.Name ?? Id, Version);

    internal void Fail(string reason)
    {
        if (State == PluginState.Failed) return;
        State = PluginState.Failed;
        Reason = reason;
    }

    internal void Disable(string reason)
    {
        State = PluginState.Disabled;
        Reason = reason;
    }
}
