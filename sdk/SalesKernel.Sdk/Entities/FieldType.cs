namespace SalesKernel.Sdk.Entities;

/// <summary>The kind of value a field holds, as clients and generic UIs see it.</summary>
public enum FieldType
{
    /// <summary>A string.</summary>
    Text,
    /// <summary>A whole number.</summary>
    Integer,
    /// <summary>A number with a fractional part.</summary>
    Decimal,
    /// <summary>An amount of money: a decimal number in the currency its record's currency field names.</summary>
    Money,
    /// <summary>True or false.</summary>
    Boolean,
    /// <summary>A calendar date without time (ISO 8601 <c>yyyy-MM-dd</c>).</summary>
    Date,
    /// <summary>A point in time, in UTC (ISO 8601).</summary>
    DateTime,
    /// <summary>An identifier that refers to nothing in particular.</summary>
    Guid,
    /// <summary>One value out of a fixed list.</summary>
    Choice,
    /// <summary>Any number of values out of a fixed list.</summary>
    MultiChoice,
    /// <summary>The id of a record of another entity set.</summary>
    Reference,
}

/// <summary>The form a text field's values must have, checked on every write.</summary>
public enum FieldFormat
{
    /// <summary>Any text.</summary>
    None,
    /// <summary>An email address.</summary>
    Email,
    /// <summary>A telephone number.</summary>
    Phone,
    /// <summary>An absolute http or https address.</summary>
    Url,
    /// <summary>An ISO 4217 currency code (<c>CNY</c>); left empty on create, the tenant's default currency.</summary>
    Currency,
}
