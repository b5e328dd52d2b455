using SalesKernel.Core.Records;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Security;

/// <summary>Every privilege of every entity set, with the default depth each standard role has.</summary>
public sealed class PermissionCatalog
{
    public PermissionCatalog(EntitySetRegistry sets, Plugins.PluginCatalog plugins)
    {
        foreach (var set in sets.Sets)
        {
            var plural = set.Definition.PluralDisplayName ?? new LocalizedText(set.Definition.Name);
            var privileges = Privileges.Standard.ToDictionary(p => p, p => new LocalizedText($"{Capitalize(p)} {plural.En}",
                plural.ZhHans is { } zh && Verbs.TryGetValue(p, out var verb) ? verb + zh : null));
            foreach (var (name, display) in set.Definition.ExtraPrivileges) privileges[name] = display;
            foreach (var (privilege, display) in privileges)
            {
                var permission = Name(set, privilege);
                All.Add(new SetPermission(set.FullName, privilege, permission, display));
                foreach (var role in StandardRoles.All) _defaults[(role, permission)] = DefaultDepth(set.Definition, role, privilege);
            }
        }
        // a plugin's own permissions: granted (Tenant) or not (None), to the roles it names by default
        foreach (var permission in plugins.Permissions)
        {
            All.Add(new SetPermission(null, null, permission.FullName, permission.DisplayName));
            _plugin.Add(permission.FullName);
            foreach (var role in StandardRoles.All)
                _defaults[(role, permission.FullName)] = role == StandardRoles.TenantAdmin || permission.GrantedTo.Contains(role) ? AccessDepth.Tenant : AccessDepth.None;
        }
    }

    private static readonly Dictionary<string, string> Verbs = new()
    {
        [Privileges.Read] = "查看", [Privileges.Create] = "新建", [Privileges.Update] = "编辑", [Privileges.Delete] = "删除",
        [Privileges.Assign] = "分配", [Privileges.Share] = "共享", [Privileges.Export] = "导出",
    };

    private readonly HashSet<string> _plugin = [];

    /// <summary>Whether a name is a permission a plugin declared (granted or not), not a privilege of an entity set.</summary>
    public bool IsPluginPermission(string name) => _plugin.Contains(name);

    private readonly Dictionary<(string Role, string Permission), AccessDepth> _defaults = [];

    public List<SetPermission> All { get; } = [];

    public static string Name(EntitySetDescriptor set, string privilege) => $"{set.FullName}.{privilege}";

    public AccessDepth Default(string role, string permission) => _defaults.GetValueOrDefault((role, permission));

    private static AccessDepth DefaultDepth(EntitySetDefinition set, string role, string privilege)
    {
        if (role == StandardRoles.TenantAdmin) return AccessDepth.Tenant;
        if (set.DefaultGrants.Count > 0)
            return set.DefaultGrants.Where(g => g.Role == role && g.Privilege == privilege).Select(g => g.Depth).DefaultIfEmpty(AccessDepth.None).Max();
        return role switch
        {
            StandardRoles.SalesManager => AccessDepth.TeamAndBelow,
            StandardRoles.SalesRep when privilege is Privileges.Read or Privileges.Create or Privileges.Update or Privileges.Export => AccessDepth.Own,
            StandardRoles.ServiceAgent or StandardRoles.ReadOnly when privilege == Privileges.Read => AccessDepth.Tenant,
            _ => AccessDepth.None,
        };
    }

    private static string Capitalize(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}

/// <summary>A privilege of an entity set, or (with no set) a permission a plugin declared.</summary>
public sealed record SetPermission(string? EntitySet, string? Privilege, string Name, LocalizedText DisplayName);
