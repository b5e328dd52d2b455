namespace SalesKernel.Core.Plugins;

public enum PluginState
{
    /// <summary>Configured and serving.</summary>
    Loaded,
    /// <summary>Found but not usable; the reason says why.</summary>
    Failed,
    /// <summary>Switched off in configuration (<c>SalesKernel:Plugins:Disabled</c>).</summary>
    Disabled,
}
