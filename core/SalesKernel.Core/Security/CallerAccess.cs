using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Queries;
using SalesKernel.Core.Records;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Security;

/// <summary>
/// What the caller may do, worked out once per request (from a snapshot shared across requests, see <see cref="AccessSnapshots"/>): the depth of each privilege (roles add up,
/// the highest depth wins), the teams their depth reaches, and the fields their roles hide or freeze.
/// </summary>
public sealed class CallerAccess(KernelDbContext db, CallerContext caller, PermissionCatalog permissions, AccessSnapshots snapshots, ChangeStamps stamps)
{
    private bool _loaded;
    private AccessSnapshot _access = AccessSnapshot.Nobody;

    public bool IsTenantAdmin => _access.Admin;
    public Guid? TeamId => _access.TeamId;

    /// <summary>
    /// Loads the caller's access — from this host's snapshot of it when access in the tenant has not
    /// changed since (<see cref="AccessSnapshots"/>), else from the database (and keeps it).
    /// </summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (_loaded) return;
        _loaded = true;
        if (caller.TenantId is not { } tenant || caller.UserId is not { } userId) return;
        // an API key acts with its role but as its own user (owner and share checks use the user)
        var who = caller.ApiKeyRoleId is { } keyRole ? $"key:{keyRole}:{userId}" : userId;
        // the stamps are read before the rows: a change saved while they load leaves this snapshot stale, not wrong
        var shared = await stamps.CurrentAsync(tenant, cancellationToken);
        if (snapshots.TryGet(tenant, who, shared, out var cached))
        {
            _access = cached;
            return;
        }
        var version = snapshots.Version(tenant);
        var loaded = await LoadFromDatabaseAsync(tenant, userId, cancellationToken);
        if (loaded is null) return;
        _access = new AccessSnapshot(loaded.Value.Admin, userId, loaded.Value.Team, loaded.Value.Below, loaded.Value.Roles, loaded.Value.Grants, loaded.Value.Rules, version, shared);
        snapshots.Store(tenant, who, _access);
    }

    private async Task<(bool Admin, Guid? Team, HashSet<string> Below, (Guid, string, bool)[] Roles, Dictionary<(Guid, string), AccessDepth> Grants, List<FieldRule> Rules)?> LoadFromDatabaseAsync(
        Guid tenant, string userId, CancellationToken cancellationToken)
    {
        if (caller.ApiKeyRoleId is { } keyRole)
        {
            // an API key acts with exactly its role
            var (keyRoles, keyGrants, keyRules) = await LoadRolesAsync(tenant, [keyRole], cancellationToken);
            return (false, null, [], keyRoles, keyGrants, keyRules);
        }
        if (!Guid.TryParse(userId, out var id)) return null;
        var user = await db.Users.AsNoTracking().Where(u => u.Id == id && u.TenantId == tenant)
            .Select(u => new { u.IsTenantAdmin, u.TeamId }).FirstOrDefaultAsync(cancellationToken);
        if (user is null) return null;
        var roleIds = await db.UserRoles.AsNoTracking().Where(r => r.UserId == id).Select(r => r.RoleId).ToListAsync(cancellationToken);
        var (roles, grants, rules) = await LoadRolesAsync(tenant, roleIds, cancellationToken);
        HashSet<string> teamAndBelow = [];
        if (user.TeamId is { } team)
        {
            var teams = await db.Teams.AsNoTracking().Where(t => t.TenantId == tenant).Select(t => new { t.Id, t.ParentId }).ToListAsync(cancellationToken);
            var below = new HashSet<Guid> { team };
            for (var grew = true; grew;)
            {
                grew = false;
                foreach (var t in teams.Where(t => t.ParentId is { } p && below.Contains(p) && !below.Contains(t.Id))) grew = below.Add(t.Id);
            }
            teamAndBelow = below.Select(t => t.ToString()).ToHashSet();
        }
        return (user.IsTenantAdmin, user.TeamId, teamAndBelow, roles, grants, rules);
    }

    private async Task<((Guid, string, bool)[] Roles, Dictionary<(Guid, string), AccessDepth> Grants, List<FieldRule> Rules)> LoadRolesAsync(
        Guid tenant, List<Guid> roleIds, CancellationToken cancellationToken)
    {
        var roles = (await db.Roles.AsNoTracking().Where(r => r.TenantId == tenant && roleIds.Contains(r.Id)).ToListAsync(cancellationToken))
            .Select(r => (r.Id, r.Code, r.IsStandard)).ToArray();
        var ids = roles.Select(r => r.Id).ToList();
        var grants = (await db.RoleGrants.AsNoTracking().Where(g => ids.Contains(g.RoleId)).ToListAsync(cancellationToken))
            .ToDictionary(g => (g.RoleId, g.Permission), g => g.Depth);
        var rules = await db.FieldRules.AsNoTracking().Where(r => ids.Contains(r.RoleId)).ToListAsync(cancellationToken);
        return (roles, grants, rules);
    }

    /// <summary>How far a privilege reaches for the caller on a set.</summary>
    public AccessDepth Depth(EntitySetDescriptor set, string privilege)
    {
        if (_access.Admin) return AccessDepth.Tenant;
        return Max(PermissionCatalog.Name(set, privilege));
    }

    /// <summary>Whether the caller has a permission a plugin declared: any role of theirs granted it (Tenant), or by default.</summary>
    public bool HasPermission(string permission)
    {
        if (_access.Admin) return true;
        if (!permissions.IsPluginPermission(permission)) return false;
        return Max(permission) != AccessDepth.None;
    }

    /// <summary>The privileges and permissions of the caller's roles that reach anything: what the caller may do, for a client to show.</summary>
    public IEnumerable<(string Permission, AccessDepth Depth)> Granted() =>
        permissions.All.Select(p => (p.Name, Depth: _access.Admin ? AccessDepth.Tenant : Max(p.Name))).Where(x => x.Depth != AccessDepth.None);

    private AccessDepth Max(string permission)
    {
        if (_access.Depths.TryGetValue(permission, out var known)) return known;
        var depth = AccessDepth.None;
        foreach (var role in _access.Roles)
        {
            var granted = _access.Grants.TryGetValue((role.Id, permission), out var d) ? d
                : role.Standard ? permissions.Default(role.Code, permission) : AccessDepth.None;
            if (granted > depth) depth = granted;
        }
        // only a snapshot that is kept remembers (Nobody is shared by every caller without access)
        if (!ReferenceEquals(_access, AccessSnapshot.Nobody)) _access.Depths[permission] = depth;
        return depth;
    }

    /// <summary>The depth, or 403 when the privilege is not granted at all.</summary>
    public AccessDepth Require(EntitySetDescriptor set, string privilege)
    {
        var depth = Depth(set, privilege);
        return depth == AccessDepth.None
            ? throw new AccessDeniedException($"You may not {privilege} {set.Definition.PluralDisplayName?.En ?? set.FullName}.")
            : depth;
    }

    /// <summary>The records a depth reaches, as a predicate for SQL; null when it reaches them all.</summary>
    public Expression? Scope(EntitySetDescriptor set, AccessDepth depth, ParameterExpression record, bool withShares = true)
    {
        if (depth == AccessDepth.Tenant || !set.Definition.IsOwned) return null;
        var owner = Shadow(record, SystemFields.OwnerId);
        var team = Shadow(record, SystemFields.TeamId);
        Expression reach = Expression.Equal(owner, FilterTranslator.Parameter(_access.UserId, typeof(string)));
        if (depth == AccessDepth.Team && _access.TeamId is { } t)
            reach = Expression.OrElse(reach, Expression.Equal(team, FilterTranslator.Parameter(t.ToString(), typeof(string))));
        if (depth == AccessDepth.TeamAndBelow && _access.TeamAndBelow.Count > 0)
            reach = Expression.OrElse(reach, Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(string)],
                FilterTranslator.Parameter(_access.TeamAndBelow.ToList(), typeof(List<string>)), team));
        return withShares ? Expression.OrElse(reach, SharedWithCaller(set, record)) : reach;
    }

    /// <summary>Whether a depth reaches one record (already loaded). A share lets the user read the record, nothing more.</summary>
    public async Task<bool> ReachesAsync(EntitySetDescriptor set, AccessDepth depth, Guid recordId, string? ownerId, string? teamId, CancellationToken cancellationToken,
        string privilege = Privileges.Read) =>
        depth switch
        {
            AccessDepth.None => false,
            AccessDepth.Tenant => true,
            _ when !set.Definition.IsOwned => true,
            _ when ownerId is not null && ownerId == _access.UserId => true,
            AccessDepth.Team when teamId is not null && teamId == _access.TeamId?.ToString() => true,
            AccessDepth.TeamAndBelow when teamId is not null && _access.TeamAndBelow.Contains(teamId) => true,
            _ when privilege != Privileges.Read => false,
            _ => await db.Shares.AnyAsync(s => s.TenantId == caller.TenantId && s.EntitySet == set.FullName && s.RecordId == recordId && s.UserId == _access.UserId, cancellationToken),
        };

    /// <summary>The caller's team and every team below it (empty without a team).</summary>
    public IReadOnlyList<Guid> TeamAndBelow => _access.TeamAndBelowIds;

    /// <summary>Whether a team is the caller's or below it.</summary>
    public bool ReachesTeam(Guid team) => _access.TeamAndBelow.Contains(team.ToString());

    /// <summary>How a role restricts a field for the caller: hidden or read-only only when every role of theirs says so.</summary>
    public FieldAccess? Restriction(EntitySetDescriptor set, string field)
    {
        if (_access.Admin || _access.Roles.Length == 0 || !_access.FieldRules.TryGetValue((set.FullName, field), out var byRole)) return null;
        var hidden = true;
        foreach (var role in _access.Roles)
        {
            if (!byRole.TryGetValue(role.Id, out var rule)) return null;
            hidden &= rule == FieldAccess.Hidden;
        }
        return hidden ? FieldAccess.Hidden : FieldAccess.ReadOnly;
    }

    private Expression SharedWithCaller(EntitySetDescriptor set, ParameterExpression record)
    {
        var share = Expression.Parameter(typeof(RecordShare), "s");
        var id = Expression.Property(record, record.Type.GetProperty(nameof(IEntity.Id))!);
        var matches = Expression.AndAlso(
            Expression.AndAlso(
                Expression.Equal(Expression.Property(share, nameof(RecordShare.EntitySet)), FilterTranslator.Parameter(set.FullName, typeof(string))),
                Expression.Equal(Expression.Property(share, nameof(RecordShare.UserId)), FilterTranslator.Parameter(_access.UserId, typeof(string)))),
            Expression.AndAlso(
                Expression.Equal(Expression.Property(share, nameof(RecordShare.RecordId)), id),
                Expression.Equal(Expression.Property(share, nameof(RecordShare.TenantId)), FilterTranslator.Parameter(caller.TenantId ?? Guid.Empty, typeof(Guid)))));
        return Expression.Call(typeof(Queryable), nameof(Queryable.Any), [typeof(RecordShare)],
            FilterTranslator.Set(db.Shares), Expression.Lambda(matches, share));
    }

    private static Expression Shadow(ParameterExpression record, string name) =>
        Expression.Call(typeof(EF), nameof(EF.Property), [typeof(string)], record, Expression.Constant(name));
}
