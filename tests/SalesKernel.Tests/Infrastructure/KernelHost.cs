using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using SalesKernel.Core.Plugins;

namespace SalesKernel.Tests.Infrastructure;

/// <summary>The real host, in process, on a real database, with the plugins of a test's folder.</summary>
public sealed class KernelHost(PluginFolder plugins, TestDatabase database, IReadOnlyDictionary<string, string?>? settings = null)
    : WebApplicationFactory<Program>
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public TestDatabase Database { get; } = database;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("SalesKernel:PluginsPath", plugins.Path);
        builder.UseSetting("SalesKernel:DataPath", Database.DataPath);
        builder.UseSetting("SalesKernel:Database:Provider", Database.Provider);
        builder.UseSetting("SalesKernel:Database:ConnectionString", Database.ConnectionString);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }

    public async Task<List<PluginSummary>> PluginsAsync()
    {
        using var client = CreateClient();
        return (await client.GetFromJsonAsync<List<PluginSummary>>("/api/plugins", Json))!;
    }

    public async Task<PluginSummary> PluginAsync(string id) =>
        (await PluginsAsync()).SingleOrDefault(p => p.Id == id) ?? throw new Xunit.Sdk.XunitException($"plugin {id} is not listed");
}
