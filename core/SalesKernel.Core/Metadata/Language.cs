using Microsoft.AspNetCore.Http;
using SalesKernel.Sdk;

namespace SalesKernel.Core.Metadata;

/// <summary>
/// The caller's language — Simplified Chinese or English, the default — for everything the kernel
/// answers in words: the labels of <c>/api/meta</c> and the grants, and the titles, details and field
/// messages of every ProblemDetails (<see cref="Localization.ProblemLanguage"/>). The one place it is
/// chosen.
/// </summary>
internal static class Language
{
    public const string English = "en";
    public const string Chinese = "zh-Hans";

    /// <summary>
    /// The best of the two for the request. Today only <c>Accept-Language</c> says it: its languages by
    /// quality (<c>q</c>, 1 when absent; <c>q=0</c> is a refusal), the first that is Chinese (any
    /// <c>zh…</c> tag: <c>zh</c>, <c>zh-CN</c>, <c>zh-Hans</c> …) or English (<c>en…</c>, or <c>*</c>) wins;
    /// none of them, or no header: English.
    /// </summary>
    /// <remarks>
    /// The user's saved language plugs in here, before the header: when the caller is a signed-in user
    /// with a saved preference, it is the answer (<c>http.User</c> is known by the time anything is
    /// written, the exception handler included); <c>Accept-Language</c> stays the rule for anonymous
    /// callers, API keys and users who saved none.
    /// </remarks>
    public static string Of(HttpContext? http)
    {
        // (the saved preference of the signed-in user, once there is one, is read here)
        var accepted = http?.Request.GetTypedHeaders().AcceptLanguage;
        if (accepted is null || accepted.Count == 0) return English;
        foreach (var language in accepted.Where(l => (l.Quality ?? 1) > 0).OrderByDescending(l => l.Quality ?? 1))
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
