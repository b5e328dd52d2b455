namespace SalesKernel.Core.Queries;

/// <summary>A parsed filter: the grammar's syntax tree, reusable by lists, automation rules and reports.</summary>
public abstract record FilterNode;

public sealed record AndNode(IReadOnlyList<FilterNode> Items) : FilterNode;

public sealed record OrNode(IReadOnlyList<FilterNode> Items) : FilterNode;

public sealed record NotNode(FilterNode Item) : FilterNode;

/// <summary><c>field op value</c>, <c>field in (values)</c> or <c>field isnull</c>; Position is where it starts in the text.</summary>
public sealed record ConditionNode(string Field, FilterOperator Operator, IReadOnlyList<FilterLiteral> Values, int Position) : FilterNode;

public sealed record FilterLiteral(FilterLiteralKind Kind, string Text)
{
    public override string ToString() => Kind == FilterLiteralKind.String ? $"'{Text.Replace("'", "''")}'" : Text;
}

public enum FilterLiteralKind
{
    String,
    Number,
    Boolean,
    Null,
}

public enum FilterOperator
{
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
    In,
    Contains,
    StartsWith,
    IsNull,
}

/// <summary>The query is not valid; the message says what and where. Answered as 400.</summary>
public sealed class QueryException(string message) : Exception(message);
