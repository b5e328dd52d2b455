namespace SalesKernel.Plugins.Customers.Entities;

/// <summary>Values as the duplicate rules compare them: trimmed, lower case (invariant), empty as none.</summary>
internal static class Keys
{
    public static string? Of(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim().ToLowerInvariant();
}
