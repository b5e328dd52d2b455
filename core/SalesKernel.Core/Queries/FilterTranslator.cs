using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Records;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Queries;

/// <summary>
/// Turns a parsed filter into a LINQ predicate that EF Core translates to SQL. Every value becomes a
/// query parameter; every field and operator is checked against the entity set's metadata first.
/// </summary>
internal static class FilterTranslator
{
    public static Expression Translate(FilterNode node, ParameterExpression record, Func<string, RecordField?> resolve, Func<RecordField, bool> allowed) => node switch
    {
        AndNode and => and.Items.Select(i => Translate(i, record, resolve, allowed)).Aggregate(Expression.AndAlso),
        OrNode or => or.Items.Select(i => Translate(i, record, resolve, allowed)).Aggregate(Expression.OrElse),
        NotNode not => Expression.Not(Translate(not.Item, record, resolve, allowed)),
        ConditionNode c => Condition(c, record, resolve, allowed),
        _ => throw new QueryException("filter: unknown construct"),
    };

    private static Expression Condition(ConditionNode c, ParameterExpression record, Func<string, RecordField?> resolve, Func<RecordField, bool> allowed)
    {
        var field = resolve(c.Field) ?? throw new QueryException($"filter: unknown field '{c.Field}' at position {c.Position + 1}");
        if (!allowed(field)) throw new QueryException($"filter: field '{c.Field}' cannot be filtered on");
        var access = FieldAccess.Build(record, field);
        var type = access.Type;
        var op = c.Operator.ToString().ToLowerInvariant();

        switch (c.Operator)
        {
            case FilterOperator.IsNull:
                if (type.IsValueType && Nullable.GetUnderlyingType(type) is null) return Expression.Constant(false);
                return Expression.Equal(access, Expression.Constant(null, type));

            case FilterOperator.Contains when field.Type == FieldType.MultiChoice:
                var choice = Value(c.Values[0], field, typeof(string), c) as string ?? throw new QueryException($"filter: {c.Field} contains needs a value");
                return Like(access, $"\"{choice}\"", nameof(string.Contains), lower: false);

            case FilterOperator.Contains or FilterOperator.StartsWith:
                if (field.Type != FieldType.Text) throw new QueryException($"filter: '{op}' works on text fields; '{c.Field}' is {field.Type}");
                var text = Value(c.Values[0], field, typeof(string), c) as string ?? throw new QueryException($"filter: '{op}' needs a text value");
                return Like(access, text.ToLowerInvariant(), c.Operator == FilterOperator.Contains ? nameof(string.Contains) : nameof(string.StartsWith), lower: true);

            case FilterOperator.In:
                if (field.Type is FieldType.MultiChoice) throw new QueryException($"filter: use contains on the multiple-choice field '{c.Field}'");
                var values = c.Values.Select(v => Value(v, field, type, c)).ToList();
                if (values.Contains(null)) throw new QueryException($"filter: 'in' takes values, not null; use '{c.Field} isnull' for empty values");
                var list = typeof(List<>).MakeGenericType(type);
                var instance = (System.Collections.IList)Activator.CreateInstance(list)!;
                foreach (var v in values) instance.Add(v);
                return Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [type], Parameter(instance, list), access);
        }

        if (field.Type is FieldType.MultiChoice) throw new QueryException($"filter: use contains on the multiple-choice field '{c.Field}'");
        var value = Value(c.Values[0], field, type, c);
        if (value is null && c.Operator is not (FilterOperator.Eq or FilterOperator.Ne))
            throw new QueryException($"filter: null can only be compared with eq or ne ('{c.Field}')");
        if (value is null && type.IsValueType && Nullable.GetUnderlyingType(type) is null)
            throw new QueryException($"filter: '{c.Field}' is never empty; compare it with a value");
        var right = value is null ? Expression.Constant(null, type) : Parameter(value, type);
        if (c.Operator is FilterOperator.Eq) return Expression.Equal(access, right);
        if (c.Operator is FilterOperator.Ne) return Expression.NotEqual(access, right);

        if (field.Type is FieldType.Choice or FieldType.Boolean or FieldType.Guid or FieldType.Reference)
            throw new QueryException($"filter: '{op}' does not apply to {field.Type} field '{c.Field}'");
        return Compare(access, right, c.Operator);
    }

    public static Expression Compare(Expression left, Expression right, FilterOperator op)
    {
        if (left.Type == typeof(string))
        {
            var compare = Expression.Call(typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!, left, right);
            left = compare;
            right = Expression.Constant(0);
        }
        return op switch
        {
            FilterOperator.Lt => Expression.LessThan(left, right),
            FilterOperator.Lte => Expression.LessThanOrEqual(left, right),
            FilterOperator.Gt => Expression.GreaterThan(left, right),
            FilterOperator.Gte => Expression.GreaterThanOrEqual(left, right),
            _ => throw new QueryException($"filter: unexpected operator {op}"),
        };
    }

    /// <summary>Case-insensitive text match (ASCII case on SQLite, full Unicode on PostgreSQL).</summary>
    private static Expression Like(Expression access, string value, string method, bool lower)
    {
        var target = lower ? Expression.Call(access, typeof(string).GetMethod(nameof(string.ToLower), Type.EmptyTypes)!) : access;
        var call = Expression.Call(target, typeof(string).GetMethod(method, [typeof(string)])!, Parameter(value, typeof(string)));
        return Expression.AndAlso(Expression.NotEqual(access, Expression.Constant(null, typeof(string))), call);
    }

    /// <summary>
    /// Wraps a value so EF Core sends it as a parameter, not as SQL text; while a compiled query is being
    /// built (<see cref="ParameterSink"/>), the value becomes one of its parameters.
    /// </summary>
    public static Expression Parameter(object? value, Type type)
    {
        if (ParameterSink.Current is { } sink) return sink.Add(value, type);
        var holder = Activator.CreateInstance(typeof(ValueHolder<>).MakeGenericType(type), value)!;
        return Expression.Property(Expression.Constant(holder), "Value");
    }

    /// <summary>Another set of the context the query reads (as in a subquery): from the compiled query's context while one is built.</summary>
    public static Expression Set<T>(DbSet<T> set) where T : class =>
        ParameterSink.Current is { } sink
            ? Expression.Call(sink.Context, SetMethod.MakeGenericMethod(typeof(T)))
            : Parameter(set, typeof(IQueryable<T>));

    private static readonly MethodInfo SetMethod = typeof(DbContext).GetMethod(nameof(DbContext.Set), Type.EmptyTypes)!;

    /// <summary>A literal converted to what the query compares the field with.</summary>
    public static object? Value(FilterLiteral literal, RecordField field, Type queryType, ConditionNode c)
    {
        if (literal.Kind == FilterLiteralKind.Null) return null;
        var target = Nullable.GetUnderlyingType(queryType) ?? queryType;
        string Wrong(string expected) => $"filter: '{c.Field}' is {field.Type}; {literal} is not {expected}";
        try
        {
            switch (field.Type)
            {
                case FieldType.Text:
                    return literal.Kind == FilterLiteralKind.String ? literal.Text : throw new QueryException(Wrong("a 'text' value"));
                case FieldType.Integer or FieldType.Decimal or FieldType.Money:
                    if (literal.Kind != FilterLiteralKind.Number) throw new QueryException(Wrong("a number"));
                    var number = decimal.Parse(literal.Text, NumberStyles.Float, CultureInfo.InvariantCulture);
                    if (field.Type == FieldType.Integer && number != decimal.Truncate(number)) throw new QueryException(Wrong("a whole number"));
                    return Convert.ChangeType(number, target, CultureInfo.InvariantCulture);
                case FieldType.Boolean:
                    return literal.Kind == FilterLiteralKind.Boolean ? literal.Text == "true" : throw new QueryException(Wrong("true or false"));
                case FieldType.Choice or FieldType.MultiChoice:
                    if (literal.Kind != FilterLiteralKind.String || field.Choices?.Contains(literal.Text) != true)
                        throw new QueryException($"filter: '{c.Field}' must be one of {string.Join(", ", (field.Choices ?? []).Select(x => $"'{x}'"))}; {literal} is not");
                    return target.IsEnum ? Enum.Parse(target, literal.Text) : literal.Text;
                case FieldType.Date:
                    if (literal.Kind != FilterLiteralKind.String || !DateOnly.TryParseExact(literal.Text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                        throw new QueryException(Wrong("a date like '2026-01-31'"));
                    return target == typeof(string) ? RecordValues.ToNode(date, field)!.GetValue<string>() : date;
                case FieldType.DateTime:
                    if (literal.Kind != FilterLiteralKind.String || !DateTime.TryParse(literal.Text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
                        throw new QueryException(Wrong("a date and time like '2026-01-31T08:00:00Z'"));
                    if (target == typeof(string)) return RecordValues.ToNode(time, field)!.GetValue<string>();
                    return target == typeof(DateTimeOffset) ? new DateTimeOffset(time, TimeSpan.Zero) : (object)time;
                case FieldType.Guid or FieldType.Reference:
                    if (literal.Kind != FilterLiteralKind.String || !Guid.TryParse(literal.Text, out var guid)) throw new QueryException(Wrong("an id"));
                    return target == typeof(string) ? guid.ToString("D") : guid;
            }
        }
        catch (OverflowException)
        {
            throw new QueryException($"filter: {literal} is out of range for '{c.Field}'");
        }
        throw new QueryException($"filter: '{c.Field}' cannot be compared");
    }

    private sealed class ValueHolder<T>(T value)
    {
        public T Value { get; } = value;
    }
}
