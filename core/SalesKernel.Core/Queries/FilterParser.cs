using System.Globalization;
using System.Text;

namespace SalesKernel.Core.Queries;

/// <summary>
/// Parses the filter grammar (docs/queries.md):
/// <code>
/// filter    := or
/// or        := and ( "or" and )*
/// and       := unary ( "and" unary )*
/// unary     := "not" unary | "(" or ")" | condition
/// condition := field op value | field "in" "(" value ( "," value )* ")" | field "isnull"
/// op        := eq | ne | lt | lte | gt | gte | contains | startswith
/// value     := 'text' (quote doubled inside) | number | true | false | null
/// </code>
/// Keywords are case-insensitive; field names are not.
/// </summary>
public sealed class FilterParser
{
    public const int MaxLength = 4000;
    public const int MaxConditions = 100;

    private readonly List<Token> _tokens;
    private int _next;
    private int _conditions;

    private FilterParser(List<Token> tokens) => _tokens = tokens;

    public static FilterNode Parse(string text)
    {
        if (text.Length > MaxLength) throw new QueryException($"filter is longer than {MaxLength} characters");
        if (text.Contains('\0')) throw new QueryException("filter must not contain the NUL character");
        var parser = new FilterParser(Tokenize(text));
        var node = parser.ParseOr();
        if (parser.Peek().Kind != TokenKind.End)
            throw new QueryException($"filter: unexpected '{parser.Peek().Text}' at position {parser.Peek().Position + 1}");
        return node;
    }

    private FilterNode ParseOr()
    {
        var items = new List<FilterNode> { ParseAnd() };
        while (IsKeyword("or")) { _next++; items.Add(ParseAnd()); }
        return items.Count == 1 ? items[0] : new OrNode(items);
    }

    private FilterNode ParseAnd()
    {
        var items = new List<FilterNode> { ParseUnary() };
        while (IsKeyword("and")) { _next++; items.Add(ParseUnary()); }
        return items.Count == 1 ? items[0] : new AndNode(items);
    }

    private FilterNode ParseUnary()
    {
        if (IsKeyword("not")) { _next++; return new NotNode(ParseUnary()); }
        if (Peek().Kind == TokenKind.Open)
        {
            _next++;
            var inner = ParseOr();
            Expect(TokenKind.Close, "')'");
            return inner;
        }
        return ParseCondition();
    }

    private FilterNode ParseCondition()
    {
        var field = Peek();
        if (field.Kind != TokenKind.Word)
            throw new QueryException(field.Kind == TokenKind.End
                ? "filter ends where a condition was expected"
                : $"filter: expected a field name at position {field.Position + 1}, found '{field.Text}'");
        if (++_conditions > MaxConditions) throw new QueryException($"filter has more than {MaxConditions} conditions");
        _next++;
        var opToken = Peek();
        if (opToken.Kind != TokenKind.Word || !Operators.TryGetValue(opToken.Text, out var op))
            throw new QueryException($"filter: expected an operator (eq, ne, lt, lte, gt, gte, in, contains, startswith, isnull) after '{field.Text}' at position {opToken.Position + 1}" +
                (opToken.Kind == TokenKind.End ? "" : $", found '{opToken.Text}'"));
        _next++;
        if (op == FilterOperator.IsNull) return new ConditionNode(field.Text, op, [], field.Position);
        if (op == FilterOperator.In)
        {
            Expect(TokenKind.Open, "'(' after in");
            var values = new List<FilterLiteral> { ParseValue() };
            while (Peek().Kind == TokenKind.Comma) { _next++; values.Add(ParseValue()); }
            Expect(TokenKind.Close, "')' closing the in list");
            return new ConditionNode(field.Text, op, values, field.Position);
        }
        return new ConditionNode(field.Text, op, [ParseValue()], field.Position);
    }

    private FilterLiteral ParseValue()
    {
        var token = Peek();
        _next++;
        return token.Kind switch
        {
            TokenKind.String => new FilterLiteral(FilterLiteralKind.String, token.Text),
            TokenKind.Number => new FilterLiteral(FilterLiteralKind.Number, token.Text),
            TokenKind.Word when token.Text.Equals("true", StringComparison.OrdinalIgnoreCase) => new FilterLiteral(FilterLiteralKind.Boolean, "true"),
            TokenKind.Word when token.Text.Equals("false", StringComparison.OrdinalIgnoreCase) => new FilterLiteral(FilterLiteralKind.Boolean, "false"),
            TokenKind.Word when token.Text.Equals("null", StringComparison.OrdinalIgnoreCase) => new FilterLiteral(FilterLiteralKind.Null, "null"),
            TokenKind.End => throw new QueryException("filter ends where a value was expected"),
            _ => throw new QueryException($"filter: expected a value ('text', a number, true, false or null) at position {token.Position + 1}, found '{token.Text}'"),
        };
    }

    private Token Peek() => _tokens[_next];

    private bool IsKeyword(string keyword) => Peek() is { Kind: TokenKind.Word } t && t.Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);

    private void Expect(TokenKind kind, string what)
    {
        var token = Peek();
        if (token.Kind != kind)
            throw new QueryException($"filter: expected {what} at position {token.Position + 1}" + (token.Kind == TokenKind.End ? " (the filter ended)" : $", found '{token.Text}'"));
        _next++;
    }

    private static readonly Dictionary<string, FilterOperator> Operators = new(StringComparer.OrdinalIgnoreCase)
    {
        ["eq"] = FilterOperator.Eq, ["ne"] = FilterOperator.Ne, ["lt"] = FilterOperator.Lt, ["lte"] = FilterOperator.Lte,
        ["gt"] = FilterOperator.Gt, ["gte"] = FilterOperator.Gte, ["in"] = FilterOperator.In, ["contains"] = FilterOperator.Contains,
        ["startswith"] = FilterOperator.StartsWith, ["isnull"] = FilterOperator.IsNull,
    };

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            var start = i;
            switch (c)
            {
                case '(': tokens.Add(new Token(TokenKind.Open, "(", i++)); continue;
                case ')': tokens.Add(new Token(TokenKind.Close, ")", i++)); continue;
                case ',': tokens.Add(new Token(TokenKind.Comma, ",", i++)); continue;
                case '\'':
                    var value = new StringBuilder();
                    i++;
                    while (true)
                    {
                        if (i >= text.Length) throw new QueryException($"filter: the text starting at position {start + 1} is not closed with '");
                        if (text[i] == '\'')
                        {
                            if (i + 1 < text.Length && text[i + 1] == '\'') { value.Append('\''); i += 2; continue; }
                            i++;
                            break;
                        }
                        value.Append(text[i++]);
                    }
                    tokens.Add(new Token(TokenKind.String, value.ToString(), start));
                    continue;
            }
            if (char.IsDigit(c) || (c is '-' or '+' && i + 1 < text.Length && char.IsDigit(text[i + 1])))
            {
                i++;
                while (i < text.Length && (char.IsDigit(text[i]) || text[i] is '.' or 'e' or 'E' || (text[i] is '-' or '+' && text[i - 1] is 'e' or 'E'))) i++;
                var number = text[start..i];
                if (!decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    throw new QueryException($"filter: '{number}' at position {start + 1} is not a number");
                tokens.Add(new Token(TokenKind.Number, number, start));
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_')) i++;
                tokens.Add(new Token(TokenKind.Word, text[start..i], start));
                continue;
            }
            throw new QueryException($"filter: unexpected character '{c}' at position {i + 1}");
        }
        tokens.Add(new Token(TokenKind.End, "", text.Length));
        return tokens;
    }

    private enum TokenKind { Word, String, Number, Open, Close, Comma, End }

    private sealed record Token(TokenKind Kind, string Text, int Position);
}
