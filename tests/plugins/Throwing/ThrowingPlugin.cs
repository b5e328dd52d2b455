using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Sdk;

namespace SalesKernel.TestPlugins.Throwing;

public sealed class ThrowingPlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        builder.Services.AddSingleton<ThrowingMarker>();
        builder.AddPermission("thing.read", new("Read things"));
        throw new InvalidOperationException("the throwing test plugin refuses to start");
    }
}

/// <summary>Registered before the throw: must not reach the host's container.</summary>
public sealed class ThrowingMarker;
