namespace SalesKernel.Sdk.Entities;

/// <summary>One field of an entity set as declared: what the metadata and the generic API expose.</summary>
internal sealed class FieldDefinition
{
    /// <summary>Creates a definition.</summary>
    /// <param name="name">The field's API name (camelCase).</param>
    /// <param name="propertyName">The EF Core property (CLR or shadow) that stores it.</param>
    /// <param name="clrType">The property's CLR type.</param>
    public FieldDefinition(string name, string propertyName, Type clrType)
    {
        Name = name;
        PropertyName = propertyName;
        ClrType = clrType;
    }

    /// <summary>The API name, camelCase: the JSON property and the name used in filters and sorts.</summary>
    public string Name { get; }
    /// <summary>The EF Core property that stores the value.</summary>
    public string PropertyName { get; }
    /// <summary>The property's CLR type.</summary>
    public Type ClrType { get; }
    /// <summary>The kind of value; inferred from the CLR type unless set.</summary>
    public FieldType? Type { get; set; }
    /// <summary>What users see.</summary>
    public LocalizedText? DisplayName { get; set; }
    /// <summary>See <see cref="FieldBuilder.Required"/>.</summary>
    public bool IsRequired { get; set; }
    /// <summary>See <see cref="FieldBuilder.Searchable"/>.</summary>
    public bool IsSearchable { get; set; }
    /// <summary>See <see cref="FieldBuilder.Filterable"/>.</summary>
    public bool IsFilterable { get; set; }
    /// <summary>See <see cref="FieldBuilder.Sortable"/>.</summary>
    public bool IsSortable { get; set; }
    /// <summary>See <see cref="FieldBuilder.ReadOnly"/>.</summary>
    public bool IsReadOnly { get; set; }
    /// <summary>See <see cref="FieldBuilder.Hidden"/>.</summary>
    public bool IsHidden { get; set; }
    /// <summary>Lower bound for numbers.</summary>
    public double? Minimum { get; set; }
    /// <summary>Upper bound for numbers.</summary>
    public double? Maximum { get; set; }
    /// <summary>For text: the form its values must have (<see cref="FieldBuilder.Email"/>, <see cref="FieldBuilder.Phone"/>, <see cref="FieldBuilder.Url"/>).</summary>
    public FieldFormat Format { get; set; }
    /// <summary>For a numbered text field: the sequence its values come from (see <see cref="FieldBuilder.Numbered"/>).</summary>
    public string? Sequence { get; set; }
    /// <summary>For money: the API name of the text field holding the amount's currency (see <see cref="FieldBuilder.Money"/>).</summary>
    public string? CurrencyField { get; set; }
    /// <summary>For references: the target entity set's full name.</summary>
    public string? ReferenceTo { get; set; }
    /// <summary>
    /// For references: what deleting the referenced record does to this record — see
    /// <see cref="FieldBuilder.OnDelete"/>. Null: detach when the field may be empty, refuse otherwise.
    /// </summary>
    public DeleteRule? OnDelete { get; set; }
}
