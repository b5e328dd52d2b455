using System.Net.Mail;
using System.Text.RegularExpressions;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Records;

/// <summary>The forms of text the SDK names (<see cref="FieldFormat"/>), checked the same everywhere (fields, users).</summary>
internal static partial class TextFormats
{
    /// <summary>Why a text is not of the form, or null when it is.</summary>
    public static string? Problem(FieldFormat format, string text) => format switch
    {
        FieldFormat.Email when !IsEmail(text) => "must be an email address (name@example.com)",
        FieldFormat.Phone when !IsPhone(text) => "must be a telephone number (digits, spaces, + - ( ) . /, at least 5 digits, an optional extension)",
        FieldFormat.Url when !IsUrl(text) => "must be an absolute http or https address",
        FieldFormat.Currency when !SalesKernel.Sdk.Currencies.IsKnown(text) => "must be an ISO 4217 currency code (CNY, USD, EUR …)",
        _ => null,
    };

    /// <summary>One address as mail servers take it, with a dot in the domain: <c>not-an-email</c> and <c>a@b</c> are not.</summary>
    public static bool IsEmail(string text) =>
        text.Length <= 254 && MailAddress.TryCreate(text, out var address) && address.Address == text && address.DisplayName.Length == 0
        && address.Host.Contains('.') && !address.Host.StartsWith('.') && !address.Host.EndsWith('.') && !text.Any(char.IsWhiteSpace);

    public static bool IsPhone(string text)
    {
        if (text.Length > 40) return false;
        var match = Phone().Match(text.Trim());
        return match.Success && match.Groups["number"].Value.Count(char.IsAsciiDigit) is >= 5 and <= 20;
    }

    public static bool IsUrl(string text) =>
        text.Length <= 2048 && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0;

    [GeneratedRegex(@"^(?<number>\+?[0-9(][0-9 ()\-./]*[0-9])(\s*(ext\.?|x|#|转)\s*[0-9]{1,6})?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Phone();
}
