using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Records;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Queries;

/// <summary>Builds the LINQ expression that reads a field in a query, wherever the field is stored.</summary>
internal static class FieldAccess
{
    private static readonly System.Reflection.MethodInfo PropertyMethod = typeof(EF).GetMethod(nameof(EF.Property))!;

    public static Expression Build(ParameterExpression record, RecordField field)
    {
        if (field.Source == FieldSource.Custom)
        {
            var document = Shadow(record, SystemFields.CustomFields, typeof(string));
            var method = QueryType(field) switch
            {
                var t when t == typeof(decimal?) => nameof(JsonDocumentFunctions.Decimal),
                var t when t == typeof(bool?) => nameof(JsonDocumentFunctions.Boolean),
                _ => nameof(JsonDocumentFunctions.Text),
            };
            return Expression.Call(typeof(JsonDocumentFunctions).GetMethod(method)!, document, Expression.Constant(field.PropertyName));
        }
        return field.Property is { } property
            ? Expression.Property(record, property)
            : Shadow(record, field.PropertyName, field.ClrType);
    }

    /// <summary>The CLR type a query sees for the field (custom fields are read as text, number or boolean).</summary>
    public static Type QueryType(RecordField field) => field.Source != FieldSource.Custom
        ? field.ClrType
        : field.Type switch
        {
            // numbers are compared exactly, as decimals: never through double
            FieldType.Integer or FieldType.Decimal or FieldType.Money => typeof(decimal?),
            FieldType.Boolean => typeof(bool?),
            _ => typeof(string),
        };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, System.Reflection.MethodInfo> PropertyOf = new();

    /// <summary><c>EF.Property&lt;type&gt;(record, name)</c>, the method made once per type.</summary>
    public static Expression Shadow(ParameterExpression record, string name, Type type) =>
        Expression.Call(PropertyOf.GetOrAdd(type, static t => PropertyMethod.MakeGenericMethod(t)), record, Expression.Constant(name));
}
