using Microsoft.EntityFrameworkCore.ChangeTracking;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Records;

/// <summary>The kernel's own checks of a record against its fields: required, length, range, choices.</summary>
internal static class FieldValidation
{
    /// <param name="entry">The record.</param>
    /// <param name="fields">The fields to check.</param>
    /// <param name="errors">Where errors go, by field.</param>
    /// <param name="all">Every field of the set, to find a money field's currency; <paramref name="fields"/> when null.</param>
    /// <param name="defaultCurrency">The currency of money with no currency field (custom money fields).</param>
    public static void Check(EntityEntry entry, IEnumerable<RecordField> fields, Dictionary<string, List<string>> errors,
        IReadOnlyList<RecordField>? all = null, string? defaultCurrency = null)
    {
        var list = fields as IReadOnlyList<RecordField> ?? fields.ToList();
        all ??= list;
        fields = list;
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
                case decimal amount when field.Type == FieldType.Money
                    && (all.FirstOrDefault(f => f.Name == field.CurrencyField) is { } cf ? RecordValues.Get(entry, cf) as string : defaultCurrency) is { } currency
                    && SalesKernel.Sdk.Currencies.IsKnown(currency) && !SalesKernel.Sdk.Currencies.HasMinorUnits(amount, currency):
                    Add(errors, field.Name, $"must have at most {SalesKernel.Sdk.Currencies.MinorUnits(currency)} decimal places in {currency}");
                    CheckRange(field, value, errors);
                    break;
                case not null when IsNumber(value):
                    CheckRange(field, value, errors);
                    break;
            }
        }
    }

    /// <summary>Bounds compared exactly: decimals and whole numbers as <see cref="decimal"/>, never through <see cref="double"/>.</summary>
    public static void CheckRange(RecordField field, object value, Dictionary<string, List<string>> errors, string? key = null)
    {
        if (value is double or float)
        {
            var real = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
            if (field.Minimum is { } lo && real < lo) Add(errors, key ?? field.Name, $"must be at least {lo}");
            if (field.Maximum is { } hi && real > hi) Add(errors, key ?? field.Name, $"must be at most {hi}");
            return;
        }
        var number = Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture);
        if (field.Minimum is { } min && number < Bound(min)) Add(errors, key ?? field.Name, $"must be at least {min}");
        if (field.Maximum is { } max && number > Bound(max)) Add(errors, key ?? field.Name, $"must be at most {max}");
    }

    private static decimal Bound(double bound) => bound >= (double)decimal.MaxValue ? decimal.MaxValue
        : bound <= (double)decimal.MinValue ? decimal.MinValue : decimal.Parse(bound.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    public static void Add(Dictionary<string, List<string>> errors, string field, string message)
    {
        if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
        list.Add(message);
    }

    private static bool IsNumber(object value) =>
        value is int or long or short or decimal or double or float;
}
