namespace SalesKernel.Sdk;

/// <summary>A display text in English and, optionally, Simplified Chinese.</summary>
/// <param name="En">The English text.</param>
/// <param name="ZhHans">The Simplified Chinese text (zh-Hans); English is shown when absent.</param>
public sealed record LocalizedText(string En, string? ZhHans = null)
{
    /// <summary>The text for a culture name such as <c>zh-CN</c> or <c>en-US</c>.</summary>
    /// <param name="culture">An IETF language tag; anything starting with <c>zh</c> picks Chinese.</param>
    /// <returns>The best text for that culture.</returns>
    public string For(string? culture) =>
        culture is not null && culture.StartsWith("zh", StringComparison.OrdinalIgnoreCase) && ZhHans is not null
            ? ZhHans
            : En;

    /// <inheritdoc />
    public override string ToString() => En;
}
