namespace SalesKernel.Sdk.Entities;

/// <summary>Declares how a field behaves in the API: its flags and display name.</summary>
public class FieldBuilder
{
    internal FieldBuilder(FieldDefinition definition) => Definition = definition;

    /// <summary>The definition being built.</summary>
    internal FieldDefinition Definition { get; }

    /// <summary>The name shown to users.</summary>
    /// <param name="displayName">English and Simplified Chinese text.</param>
    /// <returns>This builder.</returns>
    public FieldBuilder DisplayName(LocalizedText displayName)
    {
        Definition.DisplayName = displayName;
        return this;
    }

    /// <summary>A value must be given on create and may not be set to null or blank.</summary>
    /// <returns>This builder.</returns>
    public FieldBuilder Required()
    {
        Definition.IsRequired = true;
        return this;
    }

    /// <summary>The list's <c>search</c> parameter looks in this (text) field.</summary>
    /// <returns>This builder.</returns>
    public FieldBuilder Searchable()
    {
        Definition.IsSearchable = true;
        return this;
    }

    /// <summary>The list's <c>filter</c> may name this field. The kernel indexes it.</summary>
    /// <returns>This builder.</returns>
    public FieldBuilder Filterable()
    {
        Definition.IsFilterable = true;
        return this;
    }

    /// <summary>The list's <c>sort</c> may name this field. The kernel indexes it.</summary>
    /// <returns>This builder.</returns>
    public FieldBuilder Sortable()
    {
        Definition.IsSortable = true;
        return this;
    }

    /// <summary>Clients may read the field but not write it; only the plugin's own code sets it.</summary>
    /// <returns>This builder.</returns>
    public FieldBuilder ReadOnly()
    {
        Definition.IsReadOnly = true;
        return this;
    }

    /// <summary>
    /// The property is the plugin's own, not a field: kept in the table for the plugin's code and its
    /// indexes (a normalised key a duplicate rule looks up, set by <c>Compute</c>), but not in the API,
    /// the metadata, filters, sorts or the audit.
    /// </summary>
    /// <returns>This builder.</returns>
    public FieldBuilder Hidden()
    {
        Definition.IsHidden = true;
        return this;
    }

    /// <summary>Numeric bounds, both inclusive; either may be left open.</summary>
    /// <param name="minimum">The smallest value allowed, or null.</param>
    /// <param name="maximum">The largest value allowed, or null.</param>
    /// <returns>This builder.</returns>
    public FieldBuilder Range(double? minimum, double? maximum)
    {
        Definition.Minimum = minimum;
        Definition.Maximum = maximum;
        return this;
    }

    /// <summary>
    /// The field's value is the next number of a sequence of the plugin
    /// (<see cref="IPluginBuilder.AddNumberSequence"/>), given when the record is created; clients read
    /// it but do not write it. Give the field a unique index in the model.
    /// </summary>
    /// <param name="sequence">The sequence's name as the plugin declared it (<c>order</c>), or its full name.</param>
    /// <returns>This builder.</returns>
    public FieldBuilder Numbered(string sequence)
    {
        Definition.Sequence = sequence;
        Definition.IsReadOnly = true;
        return this;
    }

    /// <summary>A text field that holds an email address (<c>name@example.com</c>); anything else is refused with 400.</summary>
    /// <returns>This builder.</returns>
    public FieldBuilder Email() => Format(FieldFormat.Email);

    /// <summary>
    /// A text field that holds a telephone number: digits with spaces, <c>+ - ( ) . /</c>, at least 5
    /// digits, and an optional extension (<c>+86 21 5888 1234 ext. 12</c>); anything else is refused with 400.
    /// </summary>
    /// <returns>This builder.</returns>
    public FieldBuilder Phone() => Format(FieldFormat.Phone);

    /// <summary>A text field that holds an absolute <c>http</c> or <c>https</c> address; anything else is refused with 400.</summary>
    /// <returns>This builder.</returns>
    public FieldBuilder Url() => Format(FieldFormat.Url);

    private FieldBuilder Format(FieldFormat format)
    {
        Definition.Format = format;
        return this;
    }

    /// <summary>
    /// Marks a decimal field as an amount of money, in the currency the record's
    /// <paramref name="currencyField"/> holds (a text field declared with <see cref="Currency"/>). Amounts
    /// with more digits than the currency's minor unit (12.345 CNY) are refused with 400; see
    /// <see cref="Sdk.Money"/> for the rounding rule. Filters and sorts compare the amount.
    /// </summary>
    /// <param name="currencyField">The API name of the record's currency field; <c>currency</c> unless given.</param>
    /// <returns>This builder.</returns>
    public FieldBuilder Money(string currencyField = "currency")
    {
        Definition.Type = FieldType.Money;
        Definition.CurrencyField = currencyField;
        return this;
    }

    /// <summary>
    /// A text field (at most 3 characters) that holds an ISO 4217 currency code; anything else is refused
    /// with 400. Left empty when a record is created, it takes the tenant's default currency.
    /// </summary>
    /// <returns>This builder.</returns>
    public FieldBuilder Currency() => Format(FieldFormat.Currency);

    /// <summary>Marks a Guid field as the id of a record of another entity set.</summary>
    /// <param name="entitySet">The target's full name, <c>&lt;plugin id&gt;.&lt;set name&gt;</c>, e.g. <c>customers.customers</c>.</param>
    /// <returns>This builder.</returns>
    public FieldBuilder References(string entitySet)
    {
        Definition.Type = FieldType.Reference;
        Definition.ReferenceTo = entitySet;
        return this;
    }

    /// <summary>
    /// What deleting the referenced record does to a record that refers to it through this field, for
    /// a reference with no foreign key in the model (with one, its <c>OnDelete</c> in the EF model says
    /// it: <c>Cascade</c> is <see cref="DeleteRule.Cascade"/>, <c>SetNull</c> and <c>ClientSetNull</c>
    /// are <see cref="DeleteRule.Detach"/>, the rest <see cref="DeleteRule.Restrict"/>). Without it, a
    /// reference that may be empty is detached and one that may not refuses the delete.
    /// </summary>
    /// <param name="rule">The rule.</param>
    /// <returns>This builder.</returns>
    public FieldBuilder OnDelete(DeleteRule rule)
    {
        Definition.OnDelete = rule;
        return this;
    }
}
