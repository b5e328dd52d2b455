using System.Collections.Concurrent;
using System.Reflection;

namespace SalesKernel.Core.Data;

/// <summary>
/// Generic methods closed over an entity set's type, found and made once per (method, types) for the
/// process: the request path calls typed code for a set known only at run time without looking it up
/// by reflection each time.
/// </summary>
internal static class GenericMethods
{
    private const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
    private static readonly ConcurrentDictionary<(Type Owner, string Name, Type A, Type? B), MethodInfo> Made = new();

    /// <summary>The generic method <paramref name="name"/> of <paramref name="owner"/> (the one without parameters-overloads), closed over the types.</summary>
    public static MethodInfo Of(Type owner, string name, Type type, Type? second = null) =>
        Made.GetOrAdd((owner, name, type, second), static key =>
        {
            var open = key.Owner.GetMethods(Any).Single(m => m.Name == key.Name && m.IsGenericMethodDefinition
                && (key.Owner != typeof(Microsoft.EntityFrameworkCore.DbContext) || m.GetParameters().Length == 0));
            return key.B is null ? open.MakeGenericMethod(key.A) : open.MakeGenericMethod(key.A, key.B);
        });
}
