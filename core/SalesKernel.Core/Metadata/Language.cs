using Microsoft.AspNetCore.Http;
using SalesKernel.Sdk;

namespace SalesKernel.Core.Metadata;

/// <summary>The caller's language, from <c>Accept-Language</c>: Simplified Chinese (<c>zh…</c>) or English, the default.</summary>
internal static class Language
{
    public const string English = "en";
    public const string Chinese = "zh-Hans";

    /// <summary>The best of the two for the request: its most preferred language that is one of them.</summary>
    public static string Of(HttpContext? http)
    {
        var accepted = http?.Request.GetTypedHeaders().AcceptLanguage;
        if (accepted is null || accepted.Count == 0) return English;
        foreach (var language in accepted.OrderByDescending(l => l.Quality ?? 1))
        {
            var tag = language.Value.Value ?? "";
            if (tag.StartsWith("zh", StringComparison.OrdinalIgnoreCase)) return Chinese;
            if (tag.StartsWith("en", StringComparison.OrdinalIgnoreCase) || tag == "*") return English;
        }
        return English;
    }

    /// <summary>The text in that language (English when it has no Chinese).</summary>
    public static string In(this LocalizedText text, string language) => text.For(language);
}
