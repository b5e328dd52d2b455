using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Queries;
using SalesKernel.Core.Records;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Security;

/// <summary>
/// What the caller may do, worked out once per request: the depth of each privilege (roles add up,
/// the highest depth wins), the teams their depth reaches, and the fields their roles hide or freeze.
/// </summary>
public sealed class CallerAccess(KernelDbContext db, CallerContext caller, PermissionCatalog permissions)
{
    private bool _loaded;
    private bool _admin;
    private string? _userId;
    private Guid? _teamId;
    private HashSet<string> _teamAndBelow = [];
    private List<(Guid Id, string Code, bool Standard)> _roles = [];
    private Dictionary<(Guid Role, string Permission), AccessDepth> _grants = [];
    private List<FieldRule> _fieldRules = [];

    public bool IsTenantAdmin => _admin;
    public Guid? TeamId => _teamId;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (_loaded) return;
        _loaded = true;
        if (caller.TenantId is not { } tenant || caller.UserId is not { } userId) return;
        _userId = userId;
        if (caller.ApiKeyRoleId is { } keyRole)
        {
            // an API key acts with exactly its role
            await LoadRolesAsync(tenant, [keyRole], cancellationToken);
            return;
        }
        if (!Guid.TryParse(userId, out var id)) return;
        var user = await db.Users.AsNoTracking().Where(u => u.Id == id && u.TenantId == tenant)
            .Select(u => new { u.IsTenantAdmin, u.TeamId }).FirstOrDefaultAsync(cancellationToken);
        if (user is null) return;
        _admin = user.IsTenantAdmin;
        _teamId = user.TeamId;
        var roleIds = await db.UserRoles.AsNoTracking().Where(r => r.UserId == id).Select(r => r.RoleId).ToListAsync(cancellationToken);
        await LoadRolesAsync(tenant, roleIds, cancellationToken);
        if (_teamId is { } team)
        {
            var teams = await db.Teams.AsNoTracking().Where(t => t.TenantId == tenant).Select(t => new { t.Id, t.ParentId }).ToListAsync(cancellationToken);
            var below = new HashSet<Guid> { team };
            for (var grew = true; grew;)
            {
                grew = false;
                foreach (var t in teams.Where(t => t.ParentId is { } p && below.Contains(p) && !below.Contains(t.Id))) grew = below.Add(t.Id);
            }
            _teamAndBelow = below.Select(t => t.ToString()).ToHashSet();
        }
    }

    private async Task LoadRolesAsync(Guid tenant, List<Guid> roleIds, CancellationToken cancellationToken)
    {
        _roles = (await db.Roles.AsNoTracking().Where(r => r.TenantId == tenant && roleIds.Contains(r.Id)).ToListAsync(cancellationToken))
            .Select(r => (r.Id, r.Code, r.IsStandard)).ToList();
        var ids = _roles.Select(r => r.Id).ToList();
        _grants = (await db.RoleGrants.AsNoTracking().Where(g => ids.Contains(g.RoleId)).ToListAsync(cancellationToken))
            .ToDictionary(g => (g.RoleId, g.Permission), g => g.Depth);
        _fieldRules = await db.FieldRules.AsNoTracking().Where(r => ids.Contains(r.RoleId)).ToListAsync(cancellationToken);
    }

    /// <summary>How far a privilege reaches for the caller on a set.</summary>
    public AccessDepth Depth(EntitySetDescriptor set, string privilege)
    {
        if (_admin) return AccessDepth.Tenant;
        var permission = PermissionCatalog.Name(set, privilege);
        var depth = AccessDepth.None;
        foreach (var role in _roles)
        {
            var granted = _grants.TryGetValue((role.Id, permission), out var d) ? d
                : role.Standard ? permissions.Default(role.Code, permission) : AccessDepth.None;
            if (granted > depth) depth = granted;
        }
        return depth;
    }

    /// <summary>Whether the caller has a permission a plugin declared: any role of theirs granted it (Tenant), or by default.</summary>
    public bool HasPermission(string permission)
    {
        if (_admin) return true;
        if (!permissions.IsPluginPermission(permission)) return false;
        foreach (var role in _roles)
        {
            var granted = _grants.TryGetValue((role.Id, permission), out var d) ? d
                : role.Standard ? permissions.Default(role.Code, permission) : AccessDepth.None;
            if (granted != AccessDepth.None) return true;
        }
        return false;
    }

    /// <summary>The privileges and permissions of the caller's roles that reach anything: what the caller may do, for a client to show.</summary>
    public IEnumerable<(string Permission, AccessDepth Depth)> Granted() =>
        permissions.All.Select(p => (p.Name, Depth: _admin ? AccessDepth.Tenant : Max(p.Name))).Where(x => x.Depth != AccessDepth.None);

    private AccessDepth Max(string permission)
    {
        var depth = AccessDepth.None;
        foreach (var role in _roles)
        {
            var granted = _grants.TryGetValue((role.Id, permission), out var d) ? d
                : role.Standard ? permissions.Default(role.Code, permission) : AccessDepth.None;
            if (granted > depth) depth = granted;
        }
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
        Expression reach = Expression.Equal(owner, FilterTranslator.Parameter(_userId, typeof(string)));
        if (depth == AccessDepth.Team && _teamId is { } t)
            reach = Expression.OrElse(reach, Expression.Equal(team, FilterTranslator.Parameter(t.ToString(), typeof(string))));
        if (depth == AccessDepth.TeamAndBelow && _teamAndBelow.Count > 0)
            reach = Expression.OrElse(reach, Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(string)],
                FilterTranslator.Parameter(_teamAndBelow.ToList(), typeof(List<string>)), team));
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
            _ when ownerId is not null && ownerId == _userId => true,
            AccessDepth.Team when teamId is not null && teamId == _teamId?.ToString() => true,
            AccessDepth.TeamAndBelow when teamId is not null && _teamAndBelow.Contains(teamId) => true,
            _ when privilege != Privileges.Read => false,
            _ => await db.Shares.AnyAsync(s => s.TenantId == caller.TenantId && s.EntitySet == set.FullName && s.RecordId == recordId && s.UserId == _userId, cancellationToken),
        };

    /// <summary>The caller's team and every team below it (empty without a team).</summary>
    public IReadOnlyList<Guid> TeamAndBelow => _teamAndBelow.Select(Guid.Parse).ToList();

    /// <summary>Whether a team is the caller's or below it.</summary>
    public bool ReachesTeam(Guid team) => _teamAndBelow.Contains(team.ToString());

    /// <summary>How a role restricts a field for the caller: hidden or read-only only when every role of theirs says so.</summary>
    public FieldAccess? Restriction(EntitySetDescriptor set, string field)
    {
        if (_admin || _roles.Count == 0) return null;
        var rules = _roles.Select(r => _fieldRules.FirstOrDefault(f => f.RoleId == r.Id && f.EntitySet == set.FullName && f.Field == field)?.Access).ToList();
        if (rules.Any(r => r is null)) return null;
        return rules.All(r => r == FieldAccess.Hidden) ? FieldAccess.Hidden : FieldAccess.ReadOnly;
    }

    private Expression SharedWithCaller(EntitySetDescriptor set, ParameterExpression record)
    {
        var share = Expression.Parameter(typeof(RecordShare), "s");
        var id = Expression.Property(record, record.Type.GetProperty(nameof(IEntity.Id))!);
        var matches = Expression.AndAlso(
            Expression.AndAlso(
                Expression.Equal(Expression.Property(share, nameof(RecordShare.EntitySet)), FilterTranslator.Parameter(set.FullName, typeof(string))),
                Expression.Equal(Expression.Property(share, nameof(RecordShare.UserId)), FilterTranslator.Parameter(_userId, typeof(string)))),
            Expression.AndAlso(
                Expression.Equal(Expression.Property(share, nameof(RecordShare.RecordId)), id),
                Expression.Equal(Expression.Property(share, nameof(RecordShare.TenantId)), FilterTranslator.Parameter(caller.TenantId ?? Guid.Empty, typeof(Guid)))));
        return Expression.Call(typeof(Queryable), nameof(Queryable.Any), [typeof(RecordShare)],
            FilterTranslator.Parameter(db.Shares, typeof(IQueryable<RecordShare>)), Expression.Lambda(matches, share));
    }

    private static Expression Shadow(ParameterExpression record, string name) =>
        Expression.Call(typeof(EF), nameof(EF.Property), [typeof(string)], record, Expression.Constant(name));
}
