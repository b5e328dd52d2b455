namespace SalesKernel.Sdk;

/// <summary>
/// The entry point of a plugin. The kernel creates one instance per process (public parameterless
/// constructor) and calls <see cref="Configure"/> once, in dependency order, before the host starts.
/// </summary>
/// <remarks>
/// Everything a plugin contributes is declared through the builder: the kernel lists, checks and
/// enforces the declarations. If <see cref="Configure"/> throws, nothing it declared is kept and the
/// plugin (and every plugin depending on it) is marked failed with the exception's message.
/// </remarks>
public interface ISalesKernelPlugin
{
    /// <summary>Declares the plugin's services, entities, endpoints and permissions.</summary>
    /// <param name="builder">The declaration surface for this plugin.</param>
    void Configure(IPluginBuilder builder);
}
