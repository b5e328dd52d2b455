using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Audit;
using SalesKernel.Core.CustomFields;
using SalesKernel.Core.Jobs;
using SalesKernel.Core.Metadata;
using SalesKernel.Core.Security;
using SalesKernel.Core.Tenancy;
using SalesKernel.Core.Webhooks;
using SalesKernel.Core.Workflow;

namespace SalesKernel.Core.Hosting;

/// <summary>
/// A part of the kernel with services and endpoints of its own — webhooks, automation, workflow and
/// approvals, jobs, the outbox, … Every class of the kernel's assembly that implements it is found by
/// scanning (Scrutor) when the host is built: a new feature is one class, not a line in a hand-kept
/// list. The pipeline's core services and the middleware, whose order matters, stay in
/// <see cref="SalesKernelHostingExtensions"/>; plugins keep declaring what they contribute in
/// <c>Configure</c>, as data the kernel lists and checks.
/// </summary>
internal interface IKernelFeature
{
    /// <summary>Adds the feature's services, before the container is built.</summary>
    void AddServices(WebApplicationBuilder builder) { }

    /// <summary>Maps the feature's endpoints, after the middleware.</summary>
    void MapEndpoints(WebApplication app) { }
}

internal static class KernelFeatures
{
    /// <summary>Registers every <see cref="IKernelFeature"/> of the kernel's assembly and lets each add its services.</summary>
    public static void Add(WebApplicationBuilder builder)
    {
        builder.Services.Scan(scan => scan.FromAssemblyOf<IKernelFeature>()
            .AddClasses(classes => classes.AssignableTo<IKernelFeature>(), publicOnly: false)
            .As<IKernelFeature>()
            .WithSingletonLifetime());
        foreach (var feature in builder.Services.Where(d => d.ServiceType == typeof(IKernelFeature)).Select(d => d.ImplementationType!)
            .OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => (IKernelFeature)Activator.CreateInstance(t)!))
            feature.AddServices(builder);
    }

    /// <summary>Maps every feature's endpoints.</summary>
    public static void Map(WebApplication app)
    {
        foreach (var feature in app.Services.GetServices<IKernelFeature>().OrderBy(f => f.GetType().Name, StringComparer.Ordinal))
            feature.MapEndpoints(app);
    }
}

/// <summary>Committed writes handed on to the after-commit handlers, webhooks and automation.</summary>
internal sealed class OutboxFeature : IKernelFeature
{
    public void AddServices(WebApplicationBuilder builder) => builder.Services.AddHostedService<Outbox.OutboxDispatcher>();
}

/// <summary>Webhook subscriptions and their signed, leased deliveries.</summary>
internal sealed class WebhooksFeature : IKernelFeature
{
    public void AddServices(WebApplicationBuilder builder)
    {
        var allowPrivate = builder.Configuration.GetValue("SalesKernel:Webhooks:AllowPrivateAddresses", false);
        builder.Services.AddHttpClient(WebhookSender.ClientName, c => c.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => WebhookSender.Handler(allowPrivate));
        builder.Services.AddHostedService<WebhookSender>();
    }

    public void MapEndpoints(WebApplication app) => app.MapWebhookApi();
}

/// <summary>Automation rules: on events and on schedules.</summary>
internal sealed class AutomationFeature : IKernelFeature
{
    public void AddServices(WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<Automation.AutomationRunner>();
        builder.Services.AddHostedService<Automation.AutomationScheduler>();
    }

    public void MapEndpoints(WebApplication app) => Automation.AutomationApi.MapAutomationApi(app);
}

/// <summary>State transitions and their approvals.</summary>
internal sealed class WorkflowFeature : IKernelFeature
{
    public void AddServices(WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<Transitions>();
        builder.Services.AddScoped<Approvals>();
    }

    public void MapEndpoints(WebApplication app) => app.MapApprovalApi();
}

/// <summary>Plugins' scheduled jobs, run once per tenant and schedule across hosts.</summary>
internal sealed class JobsFeature : IKernelFeature
{
    public void AddServices(WebApplicationBuilder builder) => builder.Services.AddHostedService<JobScheduler>();

    public void MapEndpoints(WebApplication app) => app.MapJobApi();
}

/// <summary>Stored answers of writes sent with an Idempotency-Key, and their expiry.</summary>
internal sealed class IdempotencyFeature : IKernelFeature
{
    public void AddServices(WebApplicationBuilder builder) => builder.Services.AddHostedService<Records.IdempotencyCleanup>();
}

/// <summary>Metrics, traces and JSON logs (see <see cref="Telemetry.TelemetrySetup"/>).</summary>
internal sealed class TelemetryFeature : IKernelFeature
{
    public void AddServices(WebApplicationBuilder builder) => Telemetry.TelemetrySetup.AddKernelTelemetry(builder);

    public void MapEndpoints(WebApplication app) => Telemetry.TelemetrySetup.MapKernelTelemetry(app);
}

/// <summary>Signing in, users, roles and grants, API keys.</summary>
internal sealed class AccountsFeature : IKernelFeature
{
    public void MapEndpoints(WebApplication app)
    {
        app.MapAuthApi();
        app.MapUserApi();
        app.MapAccessApi();
        app.MapApiKeyApi();
    }
}

/// <summary>Tenants, their modules, networks and settings.</summary>
internal sealed class TenancyFeature : IKernelFeature
{
    public void MapEndpoints(WebApplication app)
    {
        app.MapTenantApi();
        app.MapTenantPluginApi();
        app.MapIpAllowListApi();
        app.MapTenantSettingsApi();
    }
}

/// <summary>What the entity sets look like, what happened to their records, and tenants' own fields.</summary>
internal sealed class MetadataFeature : IKernelFeature
{
    public void MapEndpoints(WebApplication app)
    {
        app.MapMetadataApi();
        app.MapAuditApi();
        app.MapCustomFieldApi();
    }
}
