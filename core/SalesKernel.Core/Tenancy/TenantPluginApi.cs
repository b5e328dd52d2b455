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
        var tenant = caller.TenantId!.Value;
        if (catalog.Find(id) is not { IsLoaded: true })
            return TypedResults.Problem(statusCode: 404, title: "Plugin not found", detail: $"No loaded plugin has id '{id}'.");
        var enabled = (await db.TenantPlugins.AsNoTracking().Where(p => p.TenantId == tenant && p.Enabled).Select(p => p.PluginId).ToListAsync(ct)).ToHashSet();
        var change = new List<string>();
        if (request.Enabled)
        {
            var missing = ModuleGraph.MissingDependencies(catalog, new HashSet<string>(enabled) { id });
            if (missing.Count > 0 && !request.WithDependencies)
                return TypedResults.Problem(statusCode: 409, title: "Dependencies are off",
                    detail: $"'{id}' needs {string.Join(", ", missing.Select(m => $"'{m}'"))}; switch them on first or send withDependencies: true.",
                    extensions: new Dictionary<string, object?> { ["dependencies"] = missing });
            change.AddRange(missing.Append(id));
        }
        else
        {
            var dependents = ModuleGraph.EnabledDependents(catalog, enabled, id);
            if (dependents.Count > 0)
                return TypedResults.Problem(statusCode: 409, title: "Other plugins need it",
                    detail: $"{string.Join(", ", dependents.Select(d => $"'{d}'"))} need '{id}'; switch them off first.",
                    extensions: new Dictionary<string, object?> { ["dependents"] = dependents });
            change.Add(id);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var pluginId in change)
        {
            var row = await db.TenantPlugins.FirstOrDefaultAsync(p => p.TenantId == tenant && p.PluginId == pluginId, ct);
            if (row is null) db.TenantPlugins.Add(row = new TenantPlugin { TenantId = tenant, PluginId = pluginId });
            row.Enabled = request.Enabled;
            row.ChangedAtUtc = now;
        }
        await db.SaveChangesAsync(ct);
        modules.Invalidate(tenant);
        return TypedResults.Ok(new { Changed = change, Enabled = request.Enabled });
    }
}

public sealed record SetTenantPluginRequest(bool Enabled, bool WithDependencies = false);
public sealed record TenantPluginResponse(string Id, string Name, string Version, bool Enabled, IReadOnlyList<string> Dependencies);
