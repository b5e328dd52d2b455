using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Sdk.Entities;

/// <summary>
/// A line of a document (a quote's item, an order's line): stored in its own table, always read and
/// written with its document through the document's entity set, never alone.
/// </summary>
public interface IDocumentLine
{
    /// <summary>The line's id, given by the kernel when the line is written.</summary>
    Guid Id { get; set; }

    /// <summary>The document (header record) the line belongs to; set by the kernel.</summary>
    Guid DocumentId { get; set; }

    /// <summary>The line's position in the document, from 1; set by the kernel in the order the lines are sent.</summary>
    int LineNumber { get; set; }
}

/// <summary>The lines of an entity set's records, as declared with <see cref="EntitySetBuilder{TEntity}.Lines{TLine}"/>.</summary>
internal sealed class DocumentLinesDefinition
{
    /// <summary>Creates a definition.</summary>
    /// <param name="name">The API name of the lines (<c>lines</c>).</param>
    /// <param name="propertyName">The header's collection property.</param>
    /// <param name="lineType">The line's CLR type.</param>
    public DocumentLinesDefinition(string name, string propertyName, Type lineType)
    {
        Name = name;
        PropertyName = propertyName;
        LineType = lineType;
    }

    /// <summary>The API name: the JSON property holding the lines.</summary>
    public string Name { get; }
    /// <summary>The header's collection property.</summary>
    public string PropertyName { get; }
    /// <summary>The line's CLR type.</summary>
    public Type LineType { get; }
    /// <summary>How the line's fields behave in the API.</summary>
    public List<FieldDefinition> Fields { get; } = [];
    /// <summary>The most lines a document may have.</summary>
    public int MaxLines { get; set; } = 500;
    /// <summary>Whether a document must have at least one line.</summary>
    public bool AtLeastOne { get; set; }
    /// <summary>The line table's model: keys, relationship with the header, the plugin's configuration.</summary>
    public Action<ModelBuilder> Model { get; set; } = _ => { };
}

/// <summary>Declares the lines of a document.</summary>
/// <typeparam name="TLine">The line's CLR type.</typeparam>
public sealed class DocumentLinesBuilder<TLine> where TLine : class, IDocumentLine
{
    internal DocumentLinesBuilder(DocumentLinesDefinition definition) => Definition = definition;

    /// <summary>The definition being built.</summary>
    internal DocumentLinesDefinition Definition { get; }

    internal List<Action<EntityTypeBuilder<TLine>>> ModelConfigurations { get; } = [];

    /// <summary>Configures the line's EF Core model (lengths, precision, indexes).</summary>
    /// <param name="configure">Applied to the line's entity type.</param>
    /// <returns>This builder.</returns>
    public DocumentLinesBuilder<TLine> Model(Action<EntityTypeBuilder<TLine>> configure)
    {
        ModelConfigurations.Add(configure);
        return this;
    }

    /// <summary>Declares how one property of the line behaves in the API, as for a record's field.</summary>
    /// <typeparam name="TValue">The property's type.</typeparam>
    /// <param name="property">The property, <c>l =&gt; l.Quantity</c>.</param>
    /// <param name="configure">Display name, required, range, money, references, read-only (computed).</param>
    /// <returns>This builder.</returns>
    public DocumentLinesBuilder<TLine> Field<TValue>(Expression<Func<TLine, TValue>> property, Action<FieldBuilder> configure)
    {
        if (property.Body is not MemberExpression { Member: System.Reflection.PropertyInfo info })
            throw new ArgumentException($"Field must name a property of {typeof(TLine).Name}, as in l => l.Quantity.", nameof(property));
        var field = Definition.Fields.FirstOrDefault(f => f.PropertyName == info.Name);
        if (field is null) Definition.Fields.Add(field = new FieldDefinition(JsonNames.CamelCase(info.Name), info.Name, typeof(TValue)));
        configure(new FieldBuilder(field));
        return this;
    }

    /// <summary>The most lines a document may have (500 unless set); more are refused with 400.</summary>
    /// <param name="maximum">The limit, at least 1.</param>
    /// <returns>This builder.</returns>
    public DocumentLinesBuilder<TLine> MaxLines(int maximum)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maximum, 1);
        Definition.MaxLines = maximum;
        return this;
    }

    /// <summary>A document must have at least one line: one without is refused with 400.</summary>
    /// <returns>This builder.</returns>
    public DocumentLinesBuilder<TLine> AtLeastOne()
    {
        Definition.AtLeastOne = true;
        return this;
    }
}
