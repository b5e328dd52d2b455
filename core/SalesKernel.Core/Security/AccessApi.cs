using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Records;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Security;

/// <summary>
/// Tenant administrators shape who may do what: teams (a tree with managers), roles with a depth per
/// privilege (standard roles start from the plugins' defaults), field rules, and users' roles and team.
/// </summary>
internal static class AccessApi
{
    public static void MapAccessApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api").WithTags("Tenant").RequireAuthorization(TenantPluginApi.TenantAdminPolicy);

        admin.MapGet("/teams", async (CallerContext caller, KernelDbContext db, CancellationToken ct) =>
            TypedResults.Ok(await db.Teams.AsNoTracking().Where(t => t.TenantId == caller.TenantId).OrderBy(t => t.Name)
                .Select(t => new TeamResponse(t.Id, t.Name, t.ParentId, t.ManagerUserId)).ToListAsync(ct))).WithName("ListTeams");
        admin.MapGet("/teams/{id:guid}", async Task<IResult> (Guid id, CallerContext caller, KernelDbContext db, CancellationToken ct) =>
                await db.Teams.AsNoTracking().Where(t => t.Id == id && t.TenantId == caller.TenantId)
                    .Select(t => new TeamResponse(t.Id, t.Name, t.ParentId, t.ManagerUserId)).FirstOrDefaultAsync(ct) is { } team
                    ? TypedResults.Ok(team)
                    : TypedResults.Problem(statusCode: 404, title: "Team not found", detail: $"There is no team with id {id}."))
            .WithName("GetTeam").Produces<TeamResponse>().ProducesProblem(404);
        admin.MapPost("/teams", CreateTeamAsync).WithName("CreateTeam").Produces<TeamResponse>(201).ProducesValidationProblem();

        admin.MapGet("/roles", async (CallerContext caller, KernelDbContext db, CancellationToken ct) =>
        {
            await EnsureStandardRolesAsync(db, caller.TenantId!.Value, ct);
            return TypedResults.Ok(await db.Roles.AsNoTracking().Where(r => r.TenantId == caller.TenantId).OrderBy(r => r.Code)
                .Select(r => new RoleResponse(r.Id, r.Code, r.Name, r.IsStandard)).ToListAsync(ct));
        }).WithName("ListRoles");
        admin.MapGet("/roles/{code}", async Task<IResult> (string code, CallerContext caller, KernelDbContext db, CancellationToken ct) =>
            {
                await EnsureStandardRolesAsync(db, caller.TenantId!.Value, ct);
                return await db.Roles.AsNoTracking().Where(r => r.TenantId == caller.TenantId && r.Code == code)
                    .Select(r => new RoleResponse(r.Id, r.Code, r.Name, r.IsStandard)).FirstOrDefaultAsync(ct) is { } role
                    ? TypedResults.Ok(role)
                    : TypedResults.Problem(statusCode: 404, title: "Role not found", detail: $"There is no role '{code}'.");
            })
            .WithName("GetRole").Produces<RoleResponse>().ProducesProblem(404);
        admin.MapPost("/roles", CreateRoleAsync).WithName("CreateRole").Produces<RoleResponse>(201).ProducesProblem(409);
        admin.MapGet("/roles/{code}/grants", ListGrantsAsync).WithName("ListRoleGrants")
            .WithSummary("Every privilege with the depth this role has, and whether it is the plugin's default.");
        admin.MapPut("/roles/{code}/grants", SetGrantAsync).WithName("SetRoleGrant").ProducesValidationProblem().ProducesProblem(404);
        admin.MapPut("/roles/{code}/fields", SetFieldRuleAsync).WithName("SetRoleFieldRule")
            .WithSummary("Hide a field from this role, make it read-only, or (access null) lift the rule.").ProducesValidationProblem().ProducesProblem(404);

        admin.MapPut("/users/{id:guid}/roles", SetUserRolesAsync).WithName("SetUserRoles").ProducesValidationProblem().ProducesProblem(404);
        admin.MapPut("/users/{id:guid}/team", SetUserTeamAsync).WithName("SetUserTeam").ProducesValidationProblem().ProducesProblem(404);

        // what the caller may do: for a client to show only the buttons that work
        app.MapGet("/api/access/mine", async (Records.RecordPipeline pipeline, CancellationToken ct) =>
            {
                await pipeline.PrepareAsync(ct);
                return TypedResults.Ok(new MyAccess(pipeline.Access.IsTenantAdmin,
                    pipeline.Access.Granted().Select(g => new MyGrant(g.Permission, g.Depth.ToString())).ToList()));
            })
            .WithTags("Tenant").WithName("MyAccess")
            .WithSummary("The privileges (with their depth) and plugin permissions the caller's roles grant: what they may do.");
    }

    public static async Task EnsureStandardRolesAsync(KernelDbContext db, Guid tenant, CancellationToken ct)
    {
        var existing = await db.Roles.Where(r => r.TenantId == tenant && r.IsStandard).Select(r => r.Code).ToListAsync(ct);
        foreach (var code in StandardRoles.All.Except(existing))
            db.Roles.Add(new Role { Id = Guid.CreateVersion7(), TenantId = tenant, Code = code, Name = StandardName(code), IsStandard = true });
        if (db.ChangeTracker.HasChanges()) await db.SaveChangesAsync(ct);
    }

    internal static string StandardName(string code) => code switch
    {
        StandardRoles.TenantAdmin => "Tenant administrator",
        StandardRoles.SalesManager => "Sales manager",
        StandardRoles.SalesRep => "Sales representative",
        StandardRoles.ServiceAgent => "Service agent",
        _ => "Read-only",
    };

    private static async Task<IResult> CreateTeamAsync(NewTeamRequest request, CallerContext caller, KernelDbContext db, CancellationToken ct)
    {
        var tenant = caller.TenantId!.Value;
        var errors = new Dictionary<string, List<string>>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200) FieldValidation.Add(errors, "name", "is required (at most 200 characters)");
        if (request.ParentId is { } parent && !await db.Teams.AnyAsync(t => t.Id == parent && t.TenantId == tenant, ct)) FieldValidation.Add(errors, "parentId", "must be a team of this tenant");
        if (request.ManagerUserId is { } manager && !await db.Users.AnyAsync(u => u.Id == manager && u.TenantId == tenant, ct)) FieldValidation.Add(errors, "managerUserId", "must be a user of this tenant");
        Throw(errors);
        var team = new Team { Id = Guid.CreateVersion7(), TenantId = tenant, Name = request.Name!.Trim(), ParentId = request.ParentId, ManagerUserId = request.ManagerUserId };
        db.Teams.Add(team);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/teams/{team.Id}", new TeamResponse(team.Id, team.Name, team.ParentId, team.ManagerUserId));
    }

    private static async Task<IResult> CreateRoleAsync(NewRoleRequest request, CallerContext caller, KernelDbContext db, CancellationToken ct)
    {
        var tenant = caller.TenantId!.Value;
        var code = request.Code?.Trim().ToLowerInvariant();
        var errors = new Dictionary<string, List<string>>();
        if (code is null || code.Length is < 2 or > 64 || !code.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            FieldValidation.Add(errors, "code", "must be 2 to 64 lower-case letters, digits or dashes");
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200) FieldValidation.Add(errors, "name", "is required (at most 200 characters)");
        Throw(errors);
        await EnsureStandardRolesAsync(db, tenant, ct);
        if (await db.Roles.AnyAsync(r => r.TenantId == tenant && r.Code == code, ct))
            return TypedResults.Problem(statusCode: 409, title: "The role exists", detail: $"A role '{code}' exists.");
        var role = new Role { Id = Guid.CreateVersion7(), TenantId = tenant, Code = code!, Name = request.Name!.Trim() };
        db.Roles.Add(role);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/roles/{code}", new RoleResponse(role.Id, role.Code, role.Name, false));
    }

    private static async Task<IResult> ListGrantsAsync(string code, CallerContext caller, KernelDbContext db, PermissionCatalog permissions, HttpContext http, CancellationToken ct)
    {
        var language = Metadata.Language.Of(http);
        var role = await FindRoleAsync(db, caller, code, ct);
        if (role is null) return RoleNotFound(code);
        var overrides = await db.RoleGrants.AsNoTracking().Where(g => g.RoleId == role.Id).ToDictionaryAsync(g => g.Permission, g => g.Depth, ct);
        return TypedResults.Ok(permissions.All.Select(p =>
        {
            var isDefault = !overrides.TryGetValue(p.Name, out var depth);
            if (isDefault) depth = role.IsStandard ? permissions.Default(role.Code, p.Name) : AccessDepth.None;
            return new GrantResponse(p.Name, p.EntitySet, p.Privilege, p.DisplayName.For(language), depth.ToString(), isDefault);
        }));
    }

    private static async Task<IResult> SetGrantAsync(string code, GrantRequest request, CallerContext caller, KernelDbContext db, PermissionCatalog permissions, CancellationToken ct)
    {
        var role = await FindRoleAsync(db, caller, code, ct);
        if (role is null) return RoleNotFound(code);
        var errors = new Dictionary<string, List<string>>();
        if (permissions.All.All(p => p.Name != request.Permission)) FieldValidation.Add(errors, "permission", "must be a permission listed by GET /api/roles/{code}/grants");
        if (!Enum.TryParse<AccessDepth>(request.Depth, out var depth) || !Enum.IsDefined(depth)) FieldValidation.Add(errors, "depth", "must be None, Own, Team, TeamAndBelow or Tenant");
        else if (request.Permission is { } name && permissions.IsPluginPermission(name) && depth is not (AccessDepth.None or AccessDepth.Tenant))
            FieldValidation.Add(errors, "depth", "must be Tenant (granted) or None for a permission of a plugin: it belongs to no record");
        Throw(errors);
        var grant = await db.RoleGrants.FirstOrDefaultAsync(g => g.RoleId == role.Id && g.Permission == request.Permission, ct);
        if (grant is null) db.RoleGrants.Add(grant = new RoleGrant { RoleId = role.Id, Permission = request.Permission! });
        grant.Depth = depth;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> SetFieldRuleAsync(string code, FieldRuleRequest request, CallerContext caller, KernelDbContext db, EntitySetRegistry sets, CancellationToken ct)
    {
        var role = await FindRoleAsync(db, caller, code, ct);
        if (role is null) return RoleNotFound(code);
        var errors = new Dictionary<string, List<string>>();
        var set = request.Entity is null ? null : sets.Find(request.Entity);
        if (set is null) FieldValidation.Add(errors, "entity", "must name an entity set");
        else if (request.Field is null || set.FindField(request.Field) is not { } field || field.Name == "id")
            FieldValidation.Add(errors, "field", "must name a field of the entity set (other than id)");
        FieldAccess? access = null;
        if (request.Access is not null)
        {
            if (Enum.TryParse<FieldAccess>(request.Access, out var parsed) && Enum.IsDefined(parsed)) access = parsed;
            else FieldValidation.Add(errors, "access", "must be Hidden, ReadOnly or null");
        }
        Throw(errors);
        var rule = await db.FieldRules.FirstOrDefaultAsync(r => r.RoleId == role.Id && r.EntitySet == request.Entity && r.Field == request.Field, ct);
        if (access is null) { if (rule is not null) db.FieldRules.Remove(rule); }
        else
        {
            if (rule is null) db.FieldRules.Add(rule = new FieldRule { RoleId = role.Id, EntitySet = request.Entity!, Field = request.Field! });
            rule.Access = access.Value;
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> SetUserRolesAsync(Guid id, UserRolesRequest request, CallerContext caller, KernelDbContext db, CancellationToken ct)
    {
        var tenant = caller.TenantId!.Value;
        if (!await db.Users.AnyAsync(u => u.Id == id && u.TenantId == tenant, ct))
            return TypedResults.Problem(statusCode: 404, title: "User not found", detail: $"There is no user with id {id}.");
        await EnsureStandardRolesAsync(db, tenant, ct);
        var codes = request.Roles ?? [];
        var roles = await db.Roles.Where(r => r.TenantId == tenant && codes.Contains(r.Code)).ToListAsync(ct);
        var unknown = codes.Except(roles.Select(r => r.Code)).ToList();
        if (unknown.Count > 0) Throw(new() { ["roles"] = [$"unknown roles: {string.Join(", ", unknown)}"] });
        db.UserRoles.RemoveRange(await db.UserRoles.Where(r => r.UserId == id).ToListAsync(ct));
        db.UserRoles.AddRange(roles.Select(r => new UserRole { UserId = id, RoleId = r.Id }));
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> SetUserTeamAsync(Guid id, UserTeamRequest request, CallerContext caller, KernelDbContext db, CancellationToken ct)
    {
        var tenant = caller.TenantId!.Value;
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id && u.TenantId == tenant, ct);
        if (user is null) return TypedResults.Problem(statusCode: 404, title: "User not found", detail: $"There is no user with id {id}.");
        if (request.TeamId is { } team && !await db.Teams.AnyAsync(t => t.Id == team && t.TenantId == tenant, ct))
            Throw(new() { ["teamId"] = ["must be a team of this tenant"] });
        user.TeamId = request.TeamId;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static Task<Role?> FindRoleAsync(KernelDbContext db, CallerContext caller, string code, CancellationToken ct) =>
        EnsureStandardRolesAsync(db, caller.TenantId!.Value, ct)
            .ContinueWith(_ => db.Roles.FirstOrDefaultAsync(r => r.TenantId == caller.TenantId && r.Code == code, ct), ct).Unwrap();

    private static IResult RoleNotFound(string code) =>
        TypedResults.Problem(statusCode: 404, title: "Role not found", detail: $"There is no role '{code}'.");

    private static void Throw(Dictionary<string, List<string>> errors)
    {
        if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }
}

/// <summary>What the caller may do.</summary>
public sealed record MyAccess(bool IsTenantAdmin, IReadOnlyList<MyGrant> Grants);
/// <summary>A privilege or permission the caller has, with its depth (Tenant for a plugin's permission).</summary>
public sealed record MyGrant(string Permission, string Depth);

public sealed record NewTeamRequest(string? Name, Guid? ParentId, Guid? ManagerUserId);
public sealed record TeamResponse(Guid Id, string Name, Guid? ParentId, Guid? ManagerUserId);
public sealed record NewRoleRequest(string? Code, string? Name);
public sealed record RoleResponse(Guid Id, string Code, string Name, bool IsStandard);
public sealed record GrantRequest(string? Permission, string? Depth);
/// <summary>A privilege of a set (or, with no set, a plugin's permission) and the depth a role has; the display name in the caller's language.</summary>
public sealed record GrantResponse(string Permission, string? EntitySet, string? Privilege, string DisplayName, string Depth, bool IsDefault);
public sealed record FieldRuleRequest(string? Entity, string? Field, string? Access);
public sealed record UserRolesRequest(string[]? Roles);
public sealed record UserTeamRequest(Guid? TeamId);
