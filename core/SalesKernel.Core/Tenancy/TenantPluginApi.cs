using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Security;
using SalesKernel.Sdk;

namespace SalesKernel.Core.Tenancy;

/// <summary>
/// <c>/api/tenant/plugins</c> (tenant administrators): the modules of the caller's tenant. Switching
/// one on needs its dependencies on (or <c>withDependencies</c>); switching one off is refused while
/// another switched-on plugin needs it. Data of a switched-off plugin is kept.
/// </summary>
internal static class TenantPluginApi
{
    public const string TenantAdminPolicy = "tenant-admin";

    public static void MapTenantPluginApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenant/plugins").WithTags("Tenant").RequireAuthorization(TenantAdminPolicy);
        group.MapGet("/", ListAsync).WithName("ListTenantPlugins").WithSummary("The loaded plugins and whether this tenant has them on.");
        group.MapPut("/{id}", SetAsync).WithName("SetTenantPlugin").WithSummary("Switch a plugin on or off for this tenant.")
            .ProducesProblem(404).ProducesProblem(409);
    }

    private static async Task<IResult> ListAsync(CallerContext caller, TenantModules modules, PluginCatalog catalog, CancellationToken ct)
    {
        var enabled = await modules.EnabledAsync(caller.TenantId!.Value, ct);
        return TypedResults.Ok(catalog.Loaded.Select(p => new TenantPluginResponse(p.Id, p.Info.Name, p.Version, enabled.Contains(p.Id),
            p.Manifest!.Dependencies.Select(d => d.Id).ToList())));
    }

    private static async Task<IResult> SetAsync(string id, SetTenantPluginRequest request, CallerContext caller, KernelDbContext db,
        TenantModules modules, PluginCatalog catalog, TimeProvider clock, CancellationToken ct)
    {
        var result = await ModuleSwitch.ApplyAsync(db, catalog, modules, clock, caller.TenantId!.Value, id, request.Enabled, request.WithDependencies, ct);
        var list = string.Join(", ", result.Plugins.Select(p => $"'{p}'"));
        return result.Outcome switch
        {
            ModuleSwitch.Outcome.UnknownPlugin => TypedResults.Problem(statusCode: 404, title: "Plugin not found", detail: $"No loaded plugin has id '{id}'."),
            ModuleSwitch.Outcome.DependenciesOff => TypedResults.Problem(statusCode: 409, title: "Dependencies are off",
                detail: $"'{id}' needs {list}; switch them on first or send withDependencies: true.",
                extensions: new Dictionary<string, object?> { ["dependencies"] = result.Plugins }),
            ModuleSwitch.Outcome.NeededByOthers => TypedResults.Problem(statusCode: 409, title: "Other plugins need it",
                detail: $"{list} need '{id}'; switch them off first.",
                extensions: new Dictionary<string, object?> { ["dependents"] = result.Plugins }),
            _ => TypedResults.Ok(new { Changed = result.Plugins, request.Enabled }),
        };
    }
}

public sealed record SetTenantPluginRequest(bool Enabled, bool WithDependencies = false);
public sealed record TenantPluginResponse(string Id, string Name, string Version, bool Enabled, IReadOnlyList<string> Dependencies);
