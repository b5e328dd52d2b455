namespace SalesKernel.Tests.Infrastructure;

/// <summary>
/// A test class's own host on its own database, with the given plugins, and a client signed in as
/// the administrator of tenant "acme" — the setup most API tests share.
/// </summary>
public abstract class TenantHostTest(params string[] plugins) : IAsyncLifetime
{
    protected readonly PluginFolder _plugins = plugins.Aggregate(new PluginFolder(), (folder, plugin) => folder.Add(plugin));
    protected readonly TestDatabase _db = TestDatabase.Create();
    protected KernelHost _host = null!;
    protected HttpClient _client = null!;

    /// <summary>Host settings beyond the test defaults, if a test class needs any.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    public virtual async Task InitializeAsync()
    {
        _host = new KernelHost(_plugins, _db, Settings);
        _client = await _host.TenantClientAsync();
    }

    public virtual async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        _plugins.Dispose();
        _db.Dispose();
    }
}
