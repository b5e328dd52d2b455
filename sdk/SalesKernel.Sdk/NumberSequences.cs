namespace SalesKernel.Sdk;

/// <summary>
/// A sequence of document numbers a plugin declared (<see cref="IPluginBuilder.AddNumberSequence"/>):
/// per tenant, formatted, unique and without gaps.
/// </summary>
/// <param name="PluginId">The declaring plugin.</param>
/// <param name="Name">The name as declared, such as <c>order</c>.</param>
/// <param name="DisplayName">What administrators see.</param>
/// <param name="DefaultFormat">The format a tenant starts with, such as <c>SO-{yyyy}-{000000}</c>.</param>
internal sealed record NumberSequenceDefinition(string PluginId, string Name, LocalizedText DisplayName, string DefaultFormat)
{
    /// <summary>The name qualified by the plugin id: <c>orders.order</c>.</summary>
    public string FullName => $"{PluginId}.{Name}";
}

/// <summary>
/// Takes document numbers from the tenant's sequences. A number is taken inside the write that uses
/// it: the write's rollback gives it back, so the numbers a tenant keeps have no gaps, and writers at
/// the same moment wait for each other's commit instead of taking the same number.
/// </summary>
public interface INumberSequences
{
    /// <summary>The next number of a sequence, formatted with the tenant's format for it.</summary>
    /// <param name="sequence">The full name, <c>&lt;plugin id&gt;.&lt;name&gt;</c>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number, such as <c>SO-2026-000123</c>.</returns>
    /// <exception cref="InvalidOperationException">Called outside a transaction, or for a sequence no loaded plugin declared.</exception>
    Task<string> NextAsync(string sequence, CancellationToken cancellationToken = default);
}
