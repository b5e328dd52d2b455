using System.Text;
using System.Text.RegularExpressions;
using SalesKernel.Sdk;

namespace SalesKernel.Core.Localization;

/// <summary>
/// The Simplified Chinese of the messages the kernel and the plugins send to users: English patterns
/// with <c>{name}</c> placeholders (<c>must be at most {max} characters</c>), each with its Chinese
/// template (<c>最多 {max} 个字符</c>). A message is translated by the most specific pattern it matches
/// whole; what a placeholder stood for is translated too when it is a message itself (the rule
/// violation of a bulk item, a handler's message wrapped by the kernel). A message no pattern matches
/// stays in English.
/// </summary>
internal sealed partial class MessageCatalog
{
    private const int MaxDepth = 3;
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(50);

    private readonly Dictionary<string, string> _exact = new(StringComparer.Ordinal);
    private readonly List<Pattern> _patterns = [];

    /// <summary>
    /// The kernel's own messages, then each plugin's (a message already known keeps its first Chinese),
    /// then the display names of the plugins' entity sets, which kernel messages name in English
    /// (<c>You may not read Customers.</c> — 你无权读取客户。).
    /// </summary>
    public static MessageCatalog Build(IEnumerable<Plugins.PluginRegistration> plugins)
    {
        var catalog = new MessageCatalog();
        catalog.Add(KernelMessages.All);
        var registrations = plugins.ToList();
        foreach (var plugin in registrations) catalog.Add(plugin.Messages);
        foreach (var name in registrations.SelectMany(p => p.EntitySets).SelectMany(s => new[] { s.DisplayName, s.PluralDisplayName }))
            if (name is { ZhHans: { Length: > 0 } } && !name.En.Contains('{') && !name.En.Contains('}')) catalog.Add(name);
        return catalog;
    }

    public void Add(IEnumerable<LocalizedText> messages)
    {
        foreach (var message in messages) Add(message);
    }

    /// <exception cref="ArgumentException">No Chinese, or a Chinese placeholder the English lacks.</exception>
    public void Add(LocalizedText message)
    {
        var english = Parse(message.En);
        if (string.IsNullOrWhiteSpace(message.ZhHans)) throw new ArgumentException($"The message \"{message.En}\" has no Chinese.");
        var names = english.OfType<Slot>().Select(s => s.Name).Distinct(StringComparer.Ordinal).ToList();
        var chinese = Parse(message.ZhHans);
        if (chinese.OfType<Slot>().FirstOrDefault(s => !names.Contains(s.Name)) is { } unknown)
            throw new ArgumentException($"The Chinese of \"{message.En}\" names {{{unknown.Name}}}, which its English has not.");
        if (names.Count == 0)
        {
            _exact.TryAdd(Literal(english), Literal(chinese));
            return;
        }
        var regex = new StringBuilder("^");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // a placeholder named twice stands for the same text both times
        foreach (var part in english)
            regex.Append(part is Slot slot ? seen.Add(slot.Name) ? $"(?<{slot.Name}>.+?)" : $"\\k<{slot.Name}>" : Regex.Escape(((Text)part).Value));
        regex.Append('$');
        if (_patterns.Any(p => p.English == message.En)) return;
        _patterns.Add(new Pattern(message.En, new Regex(regex.ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant, MatchTimeout),
            chinese, english.OfType<Text>().Sum(t => t.Value.Length), _patterns.Count));
        // the most literal text first (the most specific pattern), then in the order added; filled at start-up, read after
        _patterns.Sort((a, b) => b.LiteralLength != a.LiteralLength ? b.LiteralLength.CompareTo(a.LiteralLength) : a.Order.CompareTo(b.Order));
    }

    /// <summary>The message in <paramref name="language"/>: its Chinese when the language is Chinese and a pattern matches, else as it is.</summary>
    public string Translate(string message, string language) =>
        language == Metadata.Language.Chinese ? Chinese(message, 0) ?? message : message;

    /// <summary>The Chinese of the message, or null when none is known.</summary>
    public string? Chinese(string message, int depth = 0)
    {
        if (string.IsNullOrEmpty(message) || depth > MaxDepth) return null;
        if (_exact.TryGetValue(message, out var exact)) return exact;
        foreach (var pattern in _patterns)
        {
            Match match;
            try { match = pattern.Regex.Match(message); }
            catch (RegexMatchTimeoutException) { continue; }
            if (!match.Success) continue;
            var text = new StringBuilder();
            foreach (var part in pattern.Chinese)
                text.Append(part is Slot slot
                    ? match.Groups[slot.Name].Value is var value && Chinese(value, depth + 1) is { } inner ? inner : match.Groups[slot.Name].Value
                    : ((Text)part).Value);
            return text.ToString();
        }
        return null;
    }

    private static string Literal(IEnumerable<Part> parts) => string.Concat(parts.Select(p => ((Text)p).Value));

    /// <summary>Text and <c>{name}</c> placeholders; <c>{{</c> and <c>}}</c> are braces.</summary>
    private static List<Part> Parse(string template)
    {
        var parts = new List<Part>();
        var text = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                text.Append(c);
                i++;
                continue;
            }
            if (c == '{' && Placeholder().Match(template, i) is { Success: true, Index: var at } slot && at == i)
            {
                if (text.Length > 0) parts.Add(new Text(text.ToString()));
                text.Clear();
                parts.Add(new Slot(slot.Groups[1].Value));
                i += slot.Length - 1;
                continue;
            }
            text.Append(c);
        }
        if (text.Length > 0) parts.Add(new Text(text.ToString()));
        return parts;
    }

    [GeneratedRegex(@"\G\{([A-Za-z][A-Za-z0-9]*)\}")]
    private static partial Regex Placeholder();

    private abstract record Part;
    private sealed record Text(string Value) : Part;
    private sealed record Slot(string Name) : Part;
    private sealed record Pattern(string English, Regex Regex, List<Part> Chinese, int LiteralLength, int Order);
}
