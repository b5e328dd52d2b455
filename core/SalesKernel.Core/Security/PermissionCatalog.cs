using SalesKernel.Core.Records;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Security;

/// <summary>Every privilege of every entity set, with the default depth each standard role has.</summary>
public sealed class PermissionCatalog
{
    public PermissionCatalog(EntitySetRegistry sets)
    {
        foreach (var set in sets.Sets)
        {
            var privileges = Privileges.Standard.ToDictionary(p => p, p => new LocalizedText($"{Capitalize(p)} {set.Definition.PluralDisplayName?.En ?? set.Definition.Name}"));
            foreach (var (name, display) in set.Definition.ExtraPrivileges) privileges[name] = display;
            foreach (var (privilege, display) in privileges)
            {
                var permission = Name(set, privilege);
                All.Add(new SetPermission(set.FullName, privilege, permission, display));
                foreach (var role in StandardRoles.All) _defaults[(role, permission)] = DefaultDepth(set.Definition, role, privilege);
            }
        }
    }

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

public sealed record SetPermission(string EntitySet, string Privilege, string Name, LocalizedText DisplayName);
