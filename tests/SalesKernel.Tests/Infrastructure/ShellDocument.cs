using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SalesKernel.Tests.Infrastructure;

/// <summary>
/// A Markdown document read as an executable specification: its <c>sh</c> blocks are commands, run in
/// order by one bash process; what the document shows after a command — a <c># …</c> comment line right
/// under it, or a fenced block right after its <c>sh</c> block — is what the command must answer.
/// </summary>
public sealed partial class ShellDocument
{
    /// <summary>One command (a complete bash statement, however many lines) and what the document shows it answers.</summary>
    public sealed record Step(int Number, string Section, string Command, List<string> Expected, bool ExpectedIsBlock)
    {
        /// <summary>The HTTP status the document shows (<c># 400 {…}</c> or <c>"status":400</c>), if any.</summary>
        public int? ExpectedStatus => Expected.Count == 0 ? null
            : StatusPrefix().Match(Expected[0]) is { Success: true } prefix ? int.Parse(prefix.Groups[1].Value)
            : StatusField().Match(string.Join("\n", Expected)) is { Success: true } shown ? int.Parse(shown.Groups[1].Value) : null;
        public override string ToString() => $"§{Section} step {Number}: {Command}";
    }

    public List<Step> Steps { get; } = [];

    public static ShellDocument Parse(string markdown)
    {
        var document = new ShellDocument();
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var section = "";
        Step? lastOfBlock = null; // the last command of the sh block just closed, while only blank lines follow it
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("## ", StringComparison.Ordinal)) section = line[3..].Split('.')[0].Trim();
            if (!line.StartsWith("```", StringComparison.Ordinal))
            {
                if (line.Trim().Length > 0) lastOfBlock = null;
                continue;
            }
            var language = line[3..].Trim();
            var body = new List<string>();
            for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++) body.Add(lines[i]);
            if (language == "sh")
            {
                lastOfBlock = document.Add(section, body);
                continue;
            }
            // an answer shown right under a command's block: the last command must give it
            if (lastOfBlock is not null && lastOfBlock.Expected.Count == 0)
                document.Steps[^1] = lastOfBlock with { Expected = body, ExpectedIsBlock = true };
            lastOfBlock = null;
        }
        return document;
    }

    private Step? Add(string section, List<string> lines)
    {
        var pending = new StringBuilder();
        Step? last = null;
        foreach (var line in lines)
        {
            var trimmed = line.TrimStart();
            if (pending.Length == 0 && trimmed.StartsWith('#'))
            {
                // a comment under a command shows what it answered
                if (last is not null) last.Expected.Add(trimmed.TrimStart('#').Trim());
                continue;
            }
            if (pending.Length == 0 && trimmed.Length == 0) continue;
            pending.AppendLine(line);
            if (!IsComplete(pending.ToString())) continue;
            last = new Step(Steps.Count + 1, section, pending.ToString().TrimEnd(), [], false);
            Steps.Add(last);
            pending.Clear();
        }
        if (pending.Length > 0) throw new InvalidOperationException($"§{section}: an unfinished command: {pending}");
        return last;
    }

    /// <summary>Whether bash reads the text as complete statements (no open quote, brace, loop or continuation).</summary>
    private static bool IsComplete(string text)
    {
        if (text.TrimEnd().EndsWith('\\')) return false;
        var start = new ProcessStartInfo("bash", ["-n"]) { RedirectStandardInput = true, RedirectStandardError = true };
        using var bash = Process.Start(start)!;
        bash.StandardInput.Write(text);
        bash.StandardInput.Close();
        bash.StandardError.ReadToEnd();
        bash.WaitForExit();
        return bash.ExitCode == 0;
    }

    /// <summary>The property names a JSON answer the document shows holds, at any depth (trimmed with "…" or not).</summary>
    public static IReadOnlySet<string> ShownKeys(IEnumerable<string> shown) =>
        Key().Matches(string.Join("\n", shown)).Select(m => m.Groups[1].Value).ToHashSet();

    /// <summary>Every property name of every JSON value in a command's output (several values, one after another, are read).</summary>
    public static IReadOnlySet<string> Keys(string output)
    {
        var keys = new HashSet<string>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(output), new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
                if (reader.TokenType == JsonTokenType.PropertyName) keys.Add(reader.GetString()!);
        }
        catch (JsonException)
        {
            // text after the JSON (a table, a message): the keys read so far are what it held
        }
        return keys;
    }

    [GeneratedRegex(@"^(\d{3})\s")]
    private static partial Regex StatusPrefix();

    [GeneratedRegex("\"status\"\\s*:\\s*(\\d{3})")]
    private static partial Regex StatusField();

    [GeneratedRegex("\"([A-Za-z_][A-Za-z0-9_.\\[\\]]*)\"\\s*:")]
    private static partial Regex Key();
}
