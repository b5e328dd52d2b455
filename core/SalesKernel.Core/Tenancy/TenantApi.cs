using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Records;
using SalesKernel.Core.Security;
using SalesKernel.Sdk.Entities;
using Role = SalesKernel.Core.Security.Role;

namespace SalesKernel.Core.Tenancy;

/// <summary><c>/api/tenants</c> (platform administrators): create and list tenants, each with its first administrator.</summary>
internal static partial class TenantApi
{
    public const string PlatformAdminPolicy = "platform-admin";

    public static void MapTenantApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenants").WithTags("Tenants").RequireAuthorization(PlatformAdminPolicy);
        group.MapGet("/", async (KernelDbContext db, CancellationToken ct, int? limit = null, string? cursor = null) =>
            {
                var take = Queries.KernelPaging.Limit(limit);
                var query = db.Tenants.AsNoTracking();
                if (Queries.KernelPaging.After(cursor, out string after)) query = query.Where(t => string.Compare(t.Code, after) > 0);
                var rows = await query.OrderBy(t => t.Code).Take(take + 1)
                    .Select(t => new TenantResponse(t.Id, t.Code, t.Name, t.IsActive, t.CreatedAtUtc)).ToListAsync(ct);
                return TypedResults.Ok(Queries.KernelPaging.Page(rows, take, t => t.Code, t => t));
            })
            .WithName("ListTenants").WithSummary("Every tenant, by code; page with limit and cursor.");
        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, KernelDbContext db, CancellationToken ct) =>
                await db.Tenants.AsNoTracking().Where(t => t.Id == id).Select(t => new TenantResponse(t.Id, t.Code, t.Name, t.IsActive, t.CreatedAtUtc))
                    .FirstOrDefaultAsync(ct) is { } tenant
                    ? TypedResults.Ok(tenant)
                    : TypedResults.Problem(statusCode: 404, title: "Tenant not found", detail: $"There is no tenant with id {id}."))
            .WithName("GetTenant").WithSummary("One tenant (where a new tenant's Location points).").Produces<TenantResponse>().ProducesProblem(404);
        group.MapPost("/", CreateAsync).WithName("CreateTenant")
            .WithSummary("Create a tenant with its first administrator and the plugins it starts with (all loaded plugins by default).")
            .Produces<TenantResponse>(201).ProducesValidationProblem().ProducesProblem(409);
    }

    private static async Task<IResult> CreateAsync(CreateTenantRequest request, KernelDbContext db, PluginCatalog catalog,
        Passwords passwords, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, List<string>>();
        var code = request.Code?.Trim().ToLowerInvariant();
        if (code is null || !CodePattern().IsMatch(code)) FieldValidation.Add(errors, "code", "must be 2 to 40 lower-case letters, digits or dashes, starting with a letter");
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200) FieldValidation.Add(errors, "name", "is required (at most 200 characters)");
        var email = request.Admin?.Email?.Trim().ToLowerInvariant();
        if (email is null || !UserApi.IsEmail(email)) FieldValidation.Add(errors, "admin.email", "must be an email address");
        if (Passwords.Weakness(request.Admin?.Password) is { } weakness) FieldValidation.Add(errors, "admin.password", weakness);
        var loaded = catalog.Loaded.Select(p => p.Id).ToHashSet();
        var plugins = request.Plugins ?? [.. loaded];
        foreach (var unknown in plugins.Where(p => !loaded.Contains(p))) FieldValidation.Add(errors, "plugins", $"'{unknown}' is not a loaded plugin");
        var missing = ModuleGraph.MissingDependencies(catalog, plugins.ToHashSet());
        if (missing.Count > 0) FieldValidation.Add(errors, "plugins", $"also needs: {string.Join(", ", missing)}");
        if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));

        if (await db.Tenants.AnyAsync(t => t.Code == code, ct))
            return TypedResults.Problem(statusCode: 409, title: "The tenant exists", detail: $"A tenant with code '{code}' exists.");
        if (await db.AcrossTenants<UserAccount>().AnyAsync(u => u.Email == email, ct)) // an email signs in to one account of the installation
            return TypedResults.Problem(statusCode: 409, title: "The email is taken", detail: $"A user with email {email} exists.");

        var now = clock.GetUtcNow().UtcDateTime;
        var tenant = new Tenant { Id = Guid.CreateVersion7(), Code = code!, Name = request.Name!.Trim(), CreatedAtUtc = now };
        db.Tenants.Add(tenant);
        db.Users.Add(new UserAccount
        {
            Id = Guid.CreateVersion7(), TenantId = tenant.Id, Email = email!, DisplayName = request.Admin!.DisplayName?.Trim() is { Length: > 0 } n ? n : email!,
            PasswordHash = passwords.Hash(request.Admin.Password!), SecurityStamp = Passwords.NewStamp(), IsTenantAdmin = true, CreatedAtUtc = now,
        });
        foreach (var plugin in plugins.Distinct())
            db.TenantPlugins.Add(new TenantPlugin { TenantId = tenant.Id, PluginId = plugin, Enabled = true, ChangedAtUtc = now });
        foreach (var role in StandardRoles.All)
            db.Roles.Add(new Role { Id = Guid.CreateVersion7(), TenantId = tenant.Id, Code = role, Name = AccessApi.StandardName(role), IsStandard = true });
        await db.SaveChangesAsync(ct); // one SaveChanges: one transaction
        return TypedResults.Created($"/api/tenants/{tenant.Id}", new TenantResponse(tenant.Id, tenant.Code, tenant.Name, tenant.IsActive, tenant.CreatedAtUtc));
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{1,39}$")]
    private static partial Regex CodePattern();
}

public sealed record CreateTenantRequest(string? Code, string? Name, NewUserRequest? Admin, string[]? Plugins);
public sealed record TenantResponse(Guid Id, string Code, string Name, bool IsActive, DateTime CreatedAtUtc);
