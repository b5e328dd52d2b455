using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SalesKernel.Core.Records;

/// <summary>
/// A document number's format: literal text, one counter (<c>{000000}</c>: at least six digits) and
/// date tokens (<c>{yyyy}</c>, <c>{yy}</c>, <c>{MM}</c>, <c>{dd}</c>). The date part rendered is the
/// counter's period: it starts again at 1 when that changes.
/// </summary>
internal static partial class NumberFormat
{
    public const int MaxLength = 60;

    /// <summary>What is wrong with a format, or null.</summary>
    public static string? Problem(string? format)
    {
        if (string.IsNullOrWhiteSpace(format) || format.Length > MaxLength) return $"the format must be 1 to {MaxLength} characters";
        var tokens = Token().Matches(format).Select(m => m.Groups[1].Value).ToList();
        if (tokens.Count(t => t.All(c => c == '0')) != 1) return "the format needs exactly one counter, such as {000000}";
        if (tokens.FirstOrDefault(t => !t.All(c => c == '0') && t is not ("yyyy" or "yy" or "MM" or "dd")) is { } unknown)
            return $"{{{unknown}}} is not a token of a number format: use {{yyyy}}, {{yy}}, {{MM}}, {{dd}} and one counter such as {{0000}}";
        var literal = Token().Replace(format, "");
        if (literal.Contains('{') || literal.Contains('}')) return "a brace outside a token";
        if (literal.Any(c => char.IsControl(c))) return "control characters are not allowed";
        return null;
    }

    /// <summary>The counter's period for a date: the date tokens rendered, in order (empty: one counter for ever).</summary>
    public static string Period(string format, DateOnly date) =>
        string.Join("-", Token().Matches(format).Select(m => m.Groups[1].Value).Where(t => !t.All(c => c == '0')).Select(t => Date(t, date)));

    /// <summary>The number for a counter value on a date.</summary>
    public static string Render(string format, DateOnly date, long counter) =>
        Token().Replace(format, m =>
        {
            var token = m.Groups[1].Value;
            return token.All(c => c == '0') ? counter.ToString(new string('0', token.Length), CultureInfo.InvariantCulture) : Date(token, date);
        });

    private static string Date(string token, DateOnly date) => token switch
    {
        "yyyy" => date.Year.ToString("0000", CultureInfo.InvariantCulture),
        "yy" => (date.Year % 100).ToString("00", CultureInfo.InvariantCulture),
        "MM" => date.Month.ToString("00", CultureInfo.InvariantCulture),
        _ => date.Day.ToString("00", CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"\{([^{}]+)\}")]
    private static partial Regex Token();
}
