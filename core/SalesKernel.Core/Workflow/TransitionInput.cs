using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using SalesKernel.Core.Records;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Workflow;

/// <summary>
/// A transition's declared input: its fields worked out from the input type and its declarations, and
/// the reading of a request's <c>input</c> object into an instance, checked like a write.
/// </summary>
internal static class TransitionInput
{
    /// <summary>Text in input is at most this long.</summary>
    public const int MaxTextLength = 2000;

    private static readonly ConditionalWeakTable<TransitionDefinition, IReadOnlyList<RecordField>> Cache = new();
    private static readonly NullabilityInfoContext Nullability = new();

    public static JsonSerializerOptions Json => RecordPipeline.ValueJson;

    /// <summary>The input's fields, in the order the type declares its properties; empty when it takes none.</summary>
    public static IReadOnlyList<RecordField> Fields(TransitionDefinition transition) =>
        transition.InputType is null ? [] : Cache.GetValue(transition, Build);

    private static IReadOnlyList<RecordField> Build(TransitionDefinition transition)
    {
        var fields = new List<RecordField>();
        foreach (var property in transition.InputType!.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true }) continue;
            var declared = transition.InputFields.FirstOrDefault(f => f.PropertyName == property.Name)
                ?? new FieldDefinition(JsonNames.CamelCase(property.Name), property.Name, property.PropertyType);
            var clr = property.PropertyType;
            var valueType = Nullable.GetUnderlyingType(clr) ?? clr;
            var inferred = RecordField.Infer(clr)
                ?? throw new InvalidOperationException($"Input {transition.InputType.Name}.{property.Name} of transition {transition.Name} has a type inputs cannot carry ({clr.Name}).");
            var nullable = Nullable.GetUnderlyingType(clr) is not null
                || !clr.IsValueType && Nullability.Create(property).WriteState != NullabilityState.NotNull;
            fields.Add(new RecordField
            {
                Name = declared.Name,
                PropertyName = property.Name,
                ClrType = clr,
                Type = declared.Type is FieldType.Money && inferred is FieldType.Decimal ? FieldType.Money
                    : declared.Type is FieldType.Reference && valueType == typeof(Guid) ? FieldType.Reference
                    : inferred,
                Source = FieldSource.Entity,
                Owner = "input",
                DisplayName = declared.DisplayName ?? new LocalizedText(declared.Name),
                // a value type that may not be null, or text that may not be null, must be given
                IsRequired = declared.IsRequired || !nullable && (clr == typeof(string) || valueType.IsEnum || valueType == typeof(Guid)),
                IsNullable = nullable,
                MaxLength = valueType == typeof(string) ? MaxTextLength : null,
                Format = valueType == typeof(string) ? declared.Format : FieldFormat.None,
                Minimum = declared.Minimum,
                Maximum = declared.Maximum,
                Choices = valueType.IsEnum ? Enum.GetNames(valueType) : null,
                ReferenceTo = declared.ReferenceTo,
                CurrencyField = declared.Type is FieldType.Money ? declared.CurrencyField : null,
                Property = property,
            });
        }
        return fields;
    }

    /// <summary>
    /// Reads the request's input into the transition's input type. Errors go to <paramref name="errors"/>
    /// under <c>input.&lt;field&gt;</c> (or <c>input</c>); the instance is null when there are any, or when the
    /// transition takes no input.
    /// </summary>
    public static async Task<object?> ReadAsync(TransitionDefinition transition, JsonElement? json, RecordPipeline pipeline,
        Dictionary<string, List<string>> errors, CancellationToken cancellationToken)
    {
        var given = json is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } j ? j : (JsonElement?)null;
        if (transition.InputType is null)
        {
            if (given is { ValueKind: JsonValueKind.Object } o && !o.EnumerateObject().Any()) return null;
            if (given is not null) FieldValidation.Add(errors, "input", $"'{transition.Name}' takes no input");
            return null;
        }
        var fields = Fields(transition);
        if (given is { } g && g.ValueKind != JsonValueKind.Object)
        {
            FieldValidation.Add(errors, "input", $"must be an object with: {string.Join(", ", fields.Select(f => f.Name))}");
            return null;
        }
        var values = new Dictionary<RecordField, object?>();
        var before = errors.Count;
        if (given is { } body)
        {
            foreach (var property in body.EnumerateObject())
            {
                var field = fields.FirstOrDefault(f => string.Equals(f.Name, property.Name, StringComparison.OrdinalIgnoreCase));
                if (field is null)
                {
                    FieldValidation.Add(errors, $"input.{property.Name}", $"is not an input of '{transition.Name}'; it takes: {string.Join(", ", fields.Select(f => f.Name))}");
                    continue;
                }
                if (FieldValueReader.TryRead(property.Value, field, out var value, out var error)) values[field] = value;
                else FieldValidation.Add(errors, $"input.{field.Name}", error!);
            }
        }
        foreach (var field in fields)
        {
            if (errors.ContainsKey($"input.{field.Name}")) continue;
            var value = values.GetValueOrDefault(field);
            var key = $"input.{field.Name}";
            if (field.IsRequired && (value is null || value is string s && string.IsNullOrWhiteSpace(s) || value is Guid id0 && id0 == Guid.Empty))
            {
                FieldValidation.Add(errors, key, "is required");
                continue;
            }
            switch (value)
            {
                case string text when text.Length > MaxTextLength:
                    FieldValidation.Add(errors, key, $"must be at most {MaxTextLength} characters");
                    break;
                case string text when field.Format != FieldFormat.None && text.Length > 0 && TextFormats.Problem(field.Format, text) is { } problem:
                    FieldValidation.Add(errors, key, problem);
                    break;
                case decimal or int or long or short or double or float when field.Minimum is not null || field.Maximum is not null:
                    FieldValidation.CheckRange(field, value, errors, key);
                    break;
                case Guid id when field.Type == FieldType.Reference && field.ReferenceTo is { } target:
                    // like a write: a caller may only point at records they can see
                    if (!await pipeline.CanReferenceAsync(target, id, cancellationToken))
                        FieldValidation.Add(errors, key, $"names no {target} record you can read ({id})");
                    break;
            }
        }
        if (errors.Count > before) return null;
        var input = Activator.CreateInstance(transition.InputType)!;
        foreach (var (field, value) in values)
            if (value is not null) field.Property!.SetValue(input, field.ValueType.IsEnum && value is string name ? Enum.Parse(field.ValueType, name) : value);
        foreach (var check in transition.InputChecks.Where(c => !c.Holds(input)))
            FieldValidation.Add(errors, $"input.{check.Field}", check.Message);
        return errors.Count > before ? null : input;
    }

    /// <summary>The input as stored with the history and the approval.</summary>
    public static string? Serialize(object? input) => input is null ? null : JsonSerializer.Serialize(input, input.GetType(), Json);

    /// <summary>The stored input read back into the transition's type (for an approval that completes later).</summary>
    public static object? Deserialize(TransitionDefinition transition, string? json) =>
        json is null || transition.InputType is null ? null : JsonSerializer.Deserialize(json, transition.InputType, Json);
}
