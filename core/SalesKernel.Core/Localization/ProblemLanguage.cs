using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Metadata;

namespace SalesKernel.Core.Localization;

/// <summary>
/// Every ProblemDetails the host writes passes here last (<c>AddProblemDetails</c>'s
/// <c>CustomizeProblemDetails</c>), whoever made it — the kernel's exception handlers, a kernel or
/// plugin endpoint's <c>Results.Problem</c> or <c>Results.ValidationProblem</c>, the status-code pages:
/// a validation problem gets the one validation title, and title, detail, hint and each field message
/// are put in the caller's language (<see cref="Language.Of"/>) through the <see cref="MessageCatalog"/>.
/// Only words change: status, type, keys and the shape stay.
/// </summary>
internal static class ProblemLanguage
{
    /// <summary>The title of every 400 with per-field <c>errors</c>, thrown or returned.</summary>
    public const string ValidationTitle = "One or more fields are invalid";

    public static void Apply(HttpContext http, ProblemDetails problem, MessageCatalog? messages = null)
    {
        if (problem is HttpValidationProblemDetails { Errors.Count: > 0 })
            problem.Title = ValidationTitle;
        var language = Language.Of(http);
        if (language == Language.English) return;
        messages ??= http.RequestServices.GetService<MessageCatalog>();
        if (messages is null) return;
        if (problem.Title is { } title) problem.Title = messages.Translate(title, language);
        if (problem.Detail is { } detail) problem.Detail = messages.Translate(detail, language);
        if (problem.Extensions.TryGetValue("hint", out var hint) && hint is string text) problem.Extensions["hint"] = messages.Translate(text, language);
        if (problem is not HttpValidationProblemDetails { Errors: var errors }) return;
        foreach (var key in errors.Keys.ToList())
            errors[key] = errors[key].Select(m => messages.Translate(m, language)).ToArray();
    }
}
