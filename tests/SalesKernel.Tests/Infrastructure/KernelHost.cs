using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using SalesKernel.Core.Plugins;

namespace SalesKernel.Tests.Infrastructure;

/// <summary>The real host, in process, on a real database, with the plugins of a test's folder.</summary>
public sealed class KernelHost(PluginFolder plugins, TestDatabase database, IReadOnlyDictionary<string, string?>? settings = null)
    : WebApplicationFactory<Program>
{
    public const string PlatformEmail = "platform@tests.local";
    public const string PlatformPassword = "Platform-Pass-2026";
    public const string TenantPassword = "Tenant-Pass-2026";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public TestDatabase Database { get; } = database;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("SalesKernel:PluginsPath", plugins.Path);
        builder.UseSetting("SalesKernel:DataPath", Database.DataPath);
        builder.UseSetting("SalesKernel:Database:Provider", Database.Provider);
        builder.UseSetting("SalesKernel:Database:ConnectionString", Database.ConnectionString);
        builder.UseSetting("SalesKernel:Bootstrap:AdminEmail", PlatformEmail);
        builder.UseSetting("SalesKernel:Bootstrap:AdminPassword", PlatformPassword);
        builder.UseSetting("SalesKernel:Security:SignInsPerMinute", "100000");
        // a query that pages without an order fails the test instead of logging a warning
        builder.UseSetting("SalesKernel:Database:StrictQueries", "true");
        // a SqlCommandCounter made mid-test sees the next command (pooled contexts would look for it once a second)
        builder.UseSetting("SalesKernel:Database:ImmediateDiagnostics", "true");
        // a test host stops at once (no drain window)
        builder.UseSetting("SalesKernel:Shutdown:DrainSeconds", "0");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) builder.UseSetting(key, value);
        builder.ConfigureLogging(logging =>
        {
            logging.SetMinimumLevel(CaptureLogs ? LogLevel.Trace : LogLevel.Warning);
            if (CaptureLogs) logging.AddProvider(new CapturingLoggerProvider(Logs));
        });
        // lets a test say which address a request comes from (TestServer has none): X-Test-Client-Address
        builder.ConfigureServices(services => services.AddTransient<IStartupFilter, TestClientAddress>());
    }

    /// <summary>Keep every log message (at every level) in <see cref="Logs"/>.</summary>
    public bool CaptureLogs { get; init; }
    public System.Collections.Concurrent.ConcurrentQueue<string> Logs { get; } = new();

    private sealed class TestClientAddress : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue("X-Test-Client-Address", out var address))
                    context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(address.ToString());
                await nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class CapturingLoggerProvider(System.Collections.Concurrent.ConcurrentQueue<string> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, logs);
        public void Dispose() { }

        private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> logs) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                logs.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }

    /// <summary>A client signed in with a bearer token.</summary>
    public async Task<HttpClient> SignedInClientAsync(string email, string password, string? address = null)
    {
        var client = CreateClient();
        if (address is not null) client.DefaultRequestHeaders.Add("X-Test-Client-Address", address);
        var response = await client.PostAsJsonAsync("/api/auth/login", new { email, password });
        if (!response.IsSuccessStatusCode)
            throw new Xunit.Sdk.XunitException($"sign-in of {email} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var token = (await response.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public Task<HttpClient> PlatformClientAsync() => SignedInClientAsync(PlatformEmail, PlatformPassword);

    /// <summary>
    /// A client signed in as the administrator of tenant <paramref name="code"/>, which is created (with
    /// every loaded plugin switched on) the first time it is asked for.
    /// </summary>
    public async Task<HttpClient> TenantClientAsync(string code = "acme")
    {
        using var platform = await PlatformClientAsync();
        var created = await platform.PostAsJsonAsync("/api/tenants", new
        {
            code, name = $"{code} company", admin = new { email = TenantAdminEmail(code), password = TenantPassword },
        });
        if (!created.IsSuccessStatusCode && created.StatusCode != System.Net.HttpStatusCode.Conflict)
            throw new Xunit.Sdk.XunitException($"creating tenant {code} answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        return await SignedInClientAsync(TenantAdminEmail(code), TenantPassword);
    }

    public static string TenantAdminEmail(string code) => $"admin@{code}.test";

    /// <summary>Adds a user to the admin's tenant with the given roles (and team), and signs them in.</summary>
    public async Task<HttpClient> AddUserAsync(HttpClient admin, string email, string role, Guid? teamId = null)
    {
        var created = await admin.PostAsJsonAsync("/api/users", new { email, password = TenantPassword });
        if (!created.IsSuccessStatusCode)
            throw new Xunit.Sdk.XunitException($"creating {email} answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
        (await admin.PutAsJsonAsync($"/api/users/{id}/roles", new { roles = new[] { role } })).EnsureSuccessStatusCode();
        if (teamId is not null) (await admin.PutAsJsonAsync($"/api/users/{id}/team", new { teamId })).EnsureSuccessStatusCode();
        return await SignedInClientAsync(email, TenantPassword);
    }

    public async Task<List<PluginSummary>> PluginsAsync()
    {
        using var client = await PlatformClientAsync();
        return (await client.GetFromJsonAsync<List<PluginSummary>>("/api/plugins", Json))!;
    }

    public async Task<PluginSummary> PluginAsync(string id) =>
        (await PluginsAsync()).SingleOrDefault(p => p.Id == id) ?? throw new Xunit.Sdk.XunitException($"plugin {id} is not listed");
}
