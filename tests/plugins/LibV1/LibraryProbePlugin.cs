using Humanizer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SalesKernel.Sdk;

namespace SalesKernel.TestPlugins.LibV1;

/// <summary>Answers which version of its private library it actually runs.</summary>
public sealed class LibraryProbePlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder) =>
        builder.MapEndpoints(e => e.MapGet("/library", () => TypedResults.Ok(new
        {
            Assembly = typeof(StringHumanizeExtensions).Assembly.GetName().Version!.ToString(),
            Context = System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(typeof(StringHumanizeExtensions).Assembly)!.Name,
            Humanized = "sales_kernel_plugin".Humanize(),
            Collectible = System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(typeof(LibraryProbePlugin).Assembly)!.IsCollectible,
        })));
}
