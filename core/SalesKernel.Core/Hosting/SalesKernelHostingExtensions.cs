using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SalesKernel.Core.Data;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Audit;
using SalesKernel.Core.Jobs;
using SalesKernel.Core.Webhooks;
using SalesKernel.Core.Workflow;
using SalesKernel.Core.CustomFields;
using SalesKernel.Core.Metadata;
using SalesKernel.Core.Outbox;
using SalesKernel.Core.Records;
using SalesKernel.Core.Schema;
using SalesKernel.Sdk.Entities;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using SalesKernel.Core.Security;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk;

namespace SalesKernel.Core.Hosting;

public static class SalesKernelHostingExtensions
{
    /// <summary>
    /// Loads the plugins from the plugins folder and registers the kernel's services: the shared
    /// database context, schema management, ProblemDetails and health checks.
    /// </summary>
    public static WebApplicationBuilder AddSalesKernel(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var pluginsPath = ResolvePath(configuration["SalesKernel:PluginsPath"], AppContext.BaseDirectory, "plugins");
        var dataPath = ResolvePath(configuration["SalesKernel:DataPath"], builder.Environment.ContentRootPath, "data");

        var database = DatabaseOptionsFrom(configuration);
        var catalog = new PluginLoader(pluginsPath, configuration).Load();
        PluginContributionCheck.Check(catalog);
        var dbOptions = new DbContextOptionsBuilder<KernelDbContext>();
        ConfigureDatabase(dbOptions, database, dataPath);
        PluginModelCheck.FailInvalidModels(catalog, dbOptions.Options);
        foreach (var plugin in catalog.Plugins.Where(p => p.Registration is not null))
            foreach (var service in plugin.Registration!.Services) builder.Services.Add(service);

        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(database);
        // the answers do not name the server software (one less hint for whoever probes the host)
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);
        // contexts are pooled and their options built once for the process (nothing in them depends on the
        // caller); each scope leases one for its caller, and gives it back when it ends
        builder.Services.AddPooledDbContextFactory<KernelDbContext>((sp, options) =>
        {
            ConfigureDatabase(options, database, dataPath);
            ((IDbContextOptionsBuilderInfrastructure)options).AddOrUpdateExtension(new KernelContextExtension(catalog));
            options.AddInterceptors(new AccessChangeInterceptor(sp.GetRequiredService<AccessSnapshots>(), sp.GetRequiredService<ChangeStamps>(),
                sp.GetRequiredService<TimeProvider>()));
        });
        builder.Services.AddSingleton<SqliteWriteGate>();
        builder.Services.AddScoped<KernelContextLease>();
        builder.Services.AddScoped(sp => sp.GetRequiredService<KernelContextLease>().Context);
        builder.Services.AddScoped<DbContext>(sp => sp.GetRequiredService<KernelDbContext>());
        builder.Services.AddScoped<SchemaManager>();

        builder.Services.AddHttpContextAccessor();
        AddSecurity(builder, dataPath);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<CustomFieldRegistry>();
        builder.Services.AddSingleton(sp =>
        {
            using var scope = sp.CreateScope();
            return EntitySetRegistry.Build(catalog, scope.ServiceProvider.GetRequiredService<KernelDbContext>().Model);
        });
        builder.Services.AddScoped<RecordPipeline>();
        builder.Services.AddScoped<IEntityStore>(sp => sp.GetRequiredService<RecordPipeline>());
        builder.Services.AddScoped<IRecordAccess, RecordAccess>();
        builder.Services.AddScoped<DemoSeed>();
        // webhooks, automation, workflow, jobs, the outbox, telemetry …: found by scanning (IKernelFeature)
        KernelFeatures.Add(builder);

        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.Converters.Add(new RequestTextConverter());
        });
        // every ProblemDetails in the caller's language, validation problems under one title (Localization.ProblemLanguage)
        var messages = Localization.MessageCatalog.Build(catalog.Plugins.Where(p => p.Registration is not null).Select(p => p.Registration!));
        builder.Services.AddSingleton(messages);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c => Localization.ProblemLanguage.Apply(c.HttpContext, c.ProblemDetails, messages));
        builder.Services.AddExceptionHandler<KernelExceptionHandler>();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [Ready])
            .AddCheck<SchemaHealthCheck>("schema", tags: [Ready])
            .AddCheck<DrainingHealthCheck>("draining", tags: [Ready]);
        builder.Services.AddSingleton<HostDraining>();
        var shutdown = builder.Configuration.GetSection(ShutdownOptions.Section).Get<ShutdownOptions>() ?? new ShutdownOptions();
        var drain = Math.Max(0, shutdown.DrainSeconds ?? (builder.Environment.IsDevelopment() ? 0 : 5));
        builder.Services.Configure<ShutdownOptions>(o => { o.DrainSeconds = drain; o.TimeoutSeconds = Math.Max(1, shutdown.TimeoutSeconds); });
        // the drain runs inside the host's stop: its time comes on top of the in-flight requests' time
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(drain + Math.Max(1, shutdown.TimeoutSeconds)));
        return builder;
    }

    /// <summary>
    /// Brings the schema up to date, reports the plugins, and maps the kernel's and the plugins'
    /// endpoints. Call after <c>Build()</c> and before <c>Run()</c>.
    /// </summary>
    public static WebApplication UseSalesKernel(this WebApplication app)
    {
        var catalog = app.Services.GetRequiredService<PluginCatalog>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SalesKernel.Plugins");

        try
        {
            using var scope = app.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
            PrepareDatabase(db);
            scope.ServiceProvider.GetRequiredService<SchemaManager>().Apply(catalog);
            Bootstrap.EnsurePlatformAdmin(db, app.Services.GetRequiredService<IOptions<BootstrapOptions>>().Value,
                app.Services.GetRequiredService<Passwords>(), app.Services.GetRequiredService<TimeProvider>(), logger);
            ChangeStamps.EnsureRows(db, app.Services.GetRequiredService<TimeProvider>());
        }
        catch (Exception e) when (KernelStartException.DatabaseError(e) is { } error)
        {
            throw new KernelStartException(app.Services.GetRequiredService<DatabaseOptions>(), error, e);
        }

        // first: everything after it sees the client's address, not the proxy's
        if (ProxyOptions.From(app.Configuration) is { } forwarded) app.UseForwardedHeaders(forwarded);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseTokenRevocation();
        app.UsePasswordChangeFirst();
        app.UseTenantIpAllowList();
        app.UseNotFoundForUnknownRoutes();
        app.UseAuthorization();
        app.UseIdempotencyKeys();

        // endpoints first compile on a scratch route table, so a broken plugin fails alone
        foreach (var plugin in catalog.Loaded.ToList()) CheckPluginEndpoints(app, plugin, catalog, logger);
        var sets = app.Services.GetRequiredService<EntitySetRegistry>();
        foreach (var plugin in catalog.Loaded.ToList()) MapPluginEndpoints(app, plugin, sets);
        PluginReport.Log(logger, catalog);

        app.MapGet("/api/plugins", (PluginCatalog c) => TypedResults.Ok(c.Plugins.Select(PluginReport.Describe)))
            .WithTags("Kernel")
            .WithName("ListPlugins")
            .WithSummary("Every plugin found, with its state and, when it is not loaded, why.");
        KernelFeatures.Map(app);
        app.MapHealthChecks("/health").AllowAnonymous();
        // for a load balancer: live = the process answers; ready = database reachable, schema current, not stopping
        app.MapHealthChecks("/health/live", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready) }).AllowAnonymous();
        DrainOnStop(app);
        return app;
    }

    private static void CheckPluginEndpoints(WebApplication app, PluginDescriptor plugin, PluginCatalog catalog, ILogger logger)
    {
        if (plugin.Manifest!.Dependencies.Select(d => catalog.Find(d.Id)).FirstOrDefault(d => d is { IsLoaded: false }) is { } failed)
        {
            plugin.Fail($"dependency '{failed.Id}' is failed: {failed.Reason}");
            return;
        }
        try
        {
            // Minimal-API handlers are compiled when routing first runs; compiling them here, on a
            // scratch route table, lets one bad handler fail its plugin instead of every route.
            var scratch = new ScratchRouteBuilder(app.Services);
            foreach (var map in plugin.Registration!.Endpoints) map(scratch.MapGroup($"/api/{plugin.Id}"));
            foreach (var source in scratch.DataSources) _ = source.Endpoints;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            plugin.Fail($"its endpoints are invalid: {e.GetType().Name}: {e.Message}");
            logger.LogError(e, "Plugin {Plugin} failed while mapping its endpoints", plugin.Id);
        }
    }

    private static void MapPluginEndpoints(WebApplication app, PluginDescriptor plugin, EntitySetRegistry sets)
    {
        var group = app.MapGroup($"/api/{plugin.Id}").WithTags(plugin.Info.Name);
        group.AddEndpointFilter(async (context, next) =>
        {
            // A plugin that fails after its routes exist answers 503 with the reason instead of running.
            if (!plugin.IsLoaded)
                return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: $"Plugin '{plugin.Id}' is not available", detail: plugin.Reason);
            // For a tenant that has not switched the plugin on, its endpoints do not exist.
            var services = context.HttpContext.RequestServices;
            if (services.GetRequiredService<CallerContext>().TenantId is { } tenant
                && !(await services.GetRequiredService<TenantModules>().EnabledAsync(tenant, context.HttpContext.RequestAborted)).Contains(plugin.Id))
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found");
            return await next(context);
        });
        foreach (var set in sets.Sets.Where(s => s.Plugin == plugin)) EntitySetEndpoints.Map(group, set);
        foreach (var map in plugin.Registration!.Endpoints) map(group);
    }

    private sealed class ScratchRouteBuilder(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider { get; } = services;
        public ICollection<EndpointDataSource> DataSources { get; } = new List<EndpointDataSource>();
        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(ServiceProvider);
    }

    private const string CallerScheme = "Caller";
    private const string Ready = "ready";

    /// <summary>On the stop signal: report not ready and keep serving for the drain time, then let the server close.</summary>
    private static void DrainOnStop(WebApplication app)
    {
        var seconds = app.Services.GetRequiredService<IOptions<ShutdownOptions>>().Value.DrainSeconds ?? 0;
        var draining = app.Services.GetRequiredService<HostDraining>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SalesKernel.Host");
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            draining.Start();
            // a server that never started (its port was taken) has nothing to drain
            if (seconds <= 0 || !app.Lifetime.ApplicationStarted.IsCancellationRequested) return;
            logger.LogInformation("Stopping: /health/ready answers 503; still serving for {Seconds} s before closing", seconds);
            Thread.Sleep(TimeSpan.FromSeconds(seconds));
        });
    }

    private static void AddSecurity(WebApplicationBuilder builder, string dataPath)
    {
        var services = builder.Services;
        services.Configure<SecurityOptions>(builder.Configuration.GetSection(SecurityOptions.Section));
        services.Configure<BootstrapOptions>(builder.Configuration.GetSection(BootstrapOptions.Section));
        services.Configure<Records.IdempotencyOptions>(builder.Configuration.GetSection("SalesKernel:Idempotency"));
        services.AddScoped<Records.IdempotencyScope>();
        var security = builder.Configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions();

        services.AddScoped(sp => new CallerContext(sp.GetService<IHttpContextAccessor>()));
        services.AddScoped<ICallerContext>(sp => sp.GetRequiredService<CallerContext>());
        services.AddSingleton<Passwords>();
        services.AddSingleton<SecurityStamps>();
        services.AddSingleton<AccessSnapshots>();
        services.AddSingleton<ChangeStamps>();
        services.AddSingleton<TenantModules>();
        services.AddSingleton<IpAllowList>();
        services.AddSingleton<PermissionCatalog>();
        services.AddScoped<CallerAccess>();
        services.AddScoped<RefreshTokens>();
        services.AddSingleton<TenantSettingsCache>();
        services.AddScoped<TenantCalendar>();
        services.AddScoped<ITenantCalendar>(sp => sp.GetRequiredService<TenantCalendar>());
        services.AddScoped(typeof(IExtensions<>), typeof(Extensions<>));
        services.AddScoped<NumberSequences>();
        services.AddScoped<INumberSequences>(sp => sp.GetRequiredService<NumberSequences>());
        services.AddTransient<Microsoft.AspNetCore.Hosting.IStartupFilter, SecurityMiddleware.SecurityHeaders>();

        // tokens and webhook secrets are protected with the Data Protection key ring: kept in the data folder
        // (or the database) so that they survive a restart, optionally encrypted with a certificate
        KeyRingOptions.Configure(services, builder.Configuration, dataPath);
        services.AddAuthentication(CallerScheme)
            .AddPolicyScheme(CallerScheme, "Bearer token or API key", o => o.ForwardDefaultSelector = context =>
                ApiKeyAuthentication.KeyOf(context.Request) is null ? BearerTokenDefaults.AuthenticationScheme : ApiKeyAuthentication.SchemeName)
            .AddBearerToken(o =>
            {
                o.BearerTokenExpiration = TimeSpan.FromMinutes(security.AccessTokenMinutes);
                o.RefreshTokenExpiration = TimeSpan.FromDays(security.RefreshTokenDays);
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        // after the bearer scheme's own post-configuration has made its protector
        services.AddSingleton<IPostConfigureOptions<BearerTokenOptions>, CachedBearerTickets>();
        services.AddAuthorization(o =>
        {
            // every endpoint needs a signed-in caller unless it says AllowAnonymous
            o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
            o.AddPolicy(TenantApi.PlatformAdminPolicy, p => p.RequireClaim(CallerContext.PlatformClaim, "true"));
            o.AddPolicy(TenantPluginApi.TenantAdminPolicy, p => p.RequireClaim(AuthApi.TenantAdminClaim, "true"));
            Telemetry.TelemetrySetup.AddScrapePolicy(o, builder.Configuration);
        });
    }

    private static readonly EntitySetWriteGuard WriteGuard = new();

    /// <summary>The database's settings; a provider the kernel does not know stops the start with one sentence.</summary>
    private static DatabaseOptions DatabaseOptionsFrom(IConfiguration configuration)
    {
        var key = $"{DatabaseOptions.Section}:{nameof(DatabaseOptions.Provider)}";
        if (configuration[key] is { } provider && provider.Trim().Length > 0
            && !Enum.GetNames<DatabaseProvider>().Contains(provider.Trim(), StringComparer.OrdinalIgnoreCase))
            throw new KernelStartException($"{key} is '{provider}', which SalesKernel does not know: use one of {string.Join(", ", Enum.GetNames<DatabaseProvider>())}.");
        return configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
    }

    private static void ConfigureDatabase(DbContextOptionsBuilder options, DatabaseOptions database, string dataPath)
    {
        switch (database.Provider)
        {
            case DatabaseProvider.PostgreSQL:
                if (string.IsNullOrWhiteSpace(database.ConnectionString))
                    throw new KernelStartException("SalesKernel:Database:ConnectionString is required when the provider is PostgreSQL.");
                options.UseNpgsql(WithPoolSize(database));
                break;
            case DatabaseProvider.SqlServer:
                if (string.IsNullOrWhiteSpace(database.ConnectionString))
                    throw new KernelStartException("SalesKernel:Database:ConnectionString is required when the provider is SqlServer.");
                // no retrying execution strategy: the pipeline's own transactions span many commands
                options.UseSqlServer(database.ConnectionString);
                break;
            default:
                var sqlite = new SqliteConnectionStringBuilder(database.ConnectionString ?? "");
                if (string.IsNullOrWhiteSpace(sqlite.DataSource))
                {
                    Directory.CreateDirectory(dataPath);
                    sqlite.DataSource = Path.Combine(dataPath, "saleskernel.db");
                }
                // Concurrent writers wait for the lock this long instead of failing at once.
                sqlite.DefaultTimeout = database.SqliteBusyTimeoutSeconds;
                options.UseSqlite(sqlite.ToString());
                options.AddInterceptors(new SqliteBusyTimeout(database.SqliteBusyTimeoutSeconds));
                break;
        }
        options.ReplaceService<IModelCacheKeyFactory, PluginModelCacheKeyFactory>();
        options.AddInterceptors(WriteGuard);
        if (database.ImmediateDiagnostics) options.ConfigureLoggingCacheTime(TimeSpan.Zero);
        if (database.StrictQueries)
            options.ConfigureWarnings(w => w.Throw(CoreEventId.RowLimitingOperationWithoutOrderByWarning, CoreEventId.FirstWithoutOrderByAndFilterWarning,
                CoreEventId.DistinctAfterOrderByWithoutRowLimitingOperatorWarning));
    }

    /// <summary>The PostgreSQL connection string with the configured pool size, unless it names one itself.</summary>
    private static string WithPoolSize(DatabaseOptions database)
    {
        var named = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = database.ConnectionString };
        if (named.Keys.Cast<string>().Any(k => k.Replace(" ", "").Equals("MaximumPoolSize", StringComparison.OrdinalIgnoreCase)
                || k.Replace(" ", "").Equals("MaxPoolSize", StringComparison.OrdinalIgnoreCase)))
            return database.ConnectionString!;
        return new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = Math.Max(1, database.PostgresMaxPoolSize) }.ConnectionString;
    }

    private static void PrepareDatabase(KernelDbContext db)
    {
        if (!db.Database.IsSqlite()) return;
        var file = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir) Directory.CreateDirectory(dir);
        // WAL lets readers work while one writer writes; the setting is stored in the file.
        db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
    }

    private static string ResolvePath(string? configured, string baseDirectory, string fallback) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? Path.Combine(baseDirectory, fallback) : Path.Combine(baseDirectory, configured));
}
