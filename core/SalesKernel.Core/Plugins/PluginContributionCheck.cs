using System.Reflection;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Plugins;

/// <summary>
/// Checks what plugins attach to entity sets before anything is built: a plugin may extend, validate
/// or handle only its own entity sets and those of plugins it declares as dependencies, and extension
/// field names must not clash with the set's other fields. A plugin that breaks a rule fails, and
/// so do its dependents.
/// </summary>
internal static class PluginContributionCheck
{
    public static readonly IReadOnlySet<string> SystemFieldNames = new HashSet<string>
    {
        "id", "createdAt", "updatedAt", "createdBy", "updatedBy", "version", "ownerId", "teamId",
    };

    public static void Check(PluginCatalog catalog)
    {
        foreach (var plugin in catalog.Plugins.Where(p => p.Registration is not null).ToList())
        {
            if (FirstUnavailableDependency(plugin, catalog) is { } dep)
            {
                Exclude(plugin, $"dependency '{dep.Id}' is {dep.State.ToString().ToLowerInvariant()}: {dep.Reason}");
                continue;
            }
            if (Problem(plugin, catalog) is { } problem) Exclude(plugin, problem);
        }
    }

    private static string? Problem(PluginDescriptor plugin, PluginCatalog catalog)
    {
        var registration = plugin.Registration!;
        var attached = registration.Extensions.Select(x => (x.ClrType, "extends"))
            .Concat(registration.Handlers.Select(h => (h.EntityType, "handles")))
            .Concat(registration.Validators.Select(v => (v.EntityType, "validates")))
            .Concat(registration.EventHandlers.Select(h => (h.EntityType, "handles events of")));
        foreach (var (entityType, verb) in attached)
        {
            var owner = catalog.EntitySets.FirstOrDefault(s => s.Set.ClrType == entityType && s.Plugin.Registration is not null);
            if (owner.Plugin is null)
                return $"it {verb} {entityType.Name}, which is not an entity set of any loaded plugin";
            if (owner.Plugin != plugin && plugin.Manifest!.Dependencies.All(d => d.Id != owner.Plugin.Id))
                return $"it {verb} {owner.Set.FullName} without declaring a dependency on '{owner.Plugin.Id}'";
        }

        foreach (var set in registration.EntitySets.Where(s => s.StateMachine is not null))
        {
            var machine = set.StateMachine!;
            if (set.ClrType.GetProperty(machine.PropertyName)?.PropertyType is not { } type || (Nullable.GetUnderlyingType(type) ?? type) != machine.StateType)
                return $"the state machine of {set.FullName} names {machine.PropertyName}, which is not a property of type {machine.StateType.Name}";
            if (machine.Transitions.FirstOrDefault(t => !Privileges.Standard.Contains(t.Privilege) && !set.ExtraPrivileges.ContainsKey(t.Privilege)) is { } t)
                return $"transition '{t.Name}' of {set.FullName} needs privilege '{t.Privilege}', which the set does not declare (Privilege(...))";
            if (machine.Transitions.FirstOrDefault(t => t.From.Any(machine.Final.Contains)) is { } leaving)
                return $"transition '{leaving.Name}' of {set.FullName} leaves a final state";
        }

        foreach (var extension in registration.Extensions)
        {
            var taken = extension.ClrType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(p => JsonNames.CamelCase(p.Name)).ToHashSet();
            taken.UnionWith(SystemFieldNames);
            foreach (var (other, otherExtension) in catalog.Extensions.Where(x => x.Extension.ClrType == extension.ClrType && x.Plugin != plugin && x.Plugin.Registration is not null))
                taken.UnionWith(otherExtension.Fields.Select(f => f.Name));
            if (extension.Fields.FirstOrDefault(f => taken.Contains(f.Name)) is { } clash)
                return $"its extension field '{clash.Name}' of {extension.ClrType.Name} clashes with a field the entity already has";
        }
        return null;
    }

    private static PluginDescriptor? FirstUnavailableDependency(PluginDescriptor plugin, PluginCatalog catalog) =>
        plugin.Manifest!.Dependencies.Select(d => catalog.Find(d.Id)).FirstOrDefault(d => d is not null && (!d.IsLoaded || d.Registration is null));

    private static void Exclude(PluginDescriptor plugin, string reason)
    {
        plugin.Fail(reason);
        plugin.Registration = null;
    }
}
