using Microsoft.EntityFrameworkCore.ChangeTracking;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Records;

/// <summary>The kernel's own checks of a record against its fields: required, length, range, choices.</summary>
internal static class FieldValidation
{
    public static void Check(EntityEntry entry, IEnumerable<RecordField> fields, Dictionary<string, List<string>> errors)
    {
        foreach (var field in fields.Where(f => f.Source != FieldSource.System))
        {
            var value = RecordValues.Get(entry, field);
            if (field.IsRequired && (value is null || value is string s && string.IsNullOrWhiteSpace(s) || value is Guid g && g == Guid.Empty))
            {
                Add(errors, field.Name, "is required");
                continue;
            }
            switch (value)
            {
                case string text when field.MaxLength is { } max && text.Length > max:
                    Add(errors, field.Name, $"must be at most {max} characters");
                    break;
                case string text when field.Format != FieldFormat.None && text.Length > 0 && TextFormats.Problem(field.Format, text) is { } problem:
                    Add(errors, field.Name, problem);
                    break;
                case string choice when field.Type == FieldType.Choice && field.Choices is { } choices && !choices.Contains(choice):
                    Add(errors, field.Name, $"must be one of: {string.Join(", ", choices)}");
                    break;
                case Enum e when !Enum.IsDefined(e.GetType(), e):
                    Add(errors, field.Name, $"must be one of: {string.Join(", ", field.Choices ?? [])}");
                    break;
                case not null when IsNumber(value):
                    var number = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                    if (field.Minimum is { } min && number < min) Add(errors, field.Name, $"must be at least {min}");
                    if (field.Maximum is { } maxValue && number > maxValue) Add(errors, field.Name, $"must be at most {maxValue}");
                    break;
            }
        }
    }

    public static void Add(Dictionary<string, List<string>> errors, string field, string message)
    {
        if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
        list.Add(message);
    }

    private static bool IsNumber(object value) =>
        value is int or long or short or decimal or double or float;
}
