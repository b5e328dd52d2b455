using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Sdk.Entities;

/// <summary>
/// Adds typed fields to an entity set of another plugin (one this plugin depends on). The values
/// live in columns owned by this plugin; they appear in the set's records, metadata, filters and
/// sorts only where this plugin is loaded, and are kept (not dropped) where it is not.
/// </summary>
/// <typeparam name="TEntity">The extended entity's CLR type.</typeparam>
public sealed class EntityExtensionBuilder<TEntity> where TEntity : class, IEntity
{
    /// <summary>Wraps a definition; the kernel creates one per <c>ExtendEntitySet</c> call.</summary>
    /// <param name="definition">The definition to fill.</param>
    internal EntityExtensionBuilder(EntityExtensionDefinition definition) => Definition = definition;

    /// <summary>The definition being built.</summary>
    internal EntityExtensionDefinition Definition { get; }

    /// <summary>Adds a field.</summary>
    /// <typeparam name="TValue">The value type; make it nullable unless every existing record gets a value.</typeparam>
    /// <param name="name">The API name, camelCase; must not clash with the set's other fields.</param>
    /// <param name="configure">Flags and display name.</param>
    /// <param name="column">Optional EF Core configuration of the column (precision, length).</param>
    /// <returns>This builder.</returns>
    public EntityExtensionBuilder<TEntity> Field<TValue>(string name, Action<FieldBuilder>? configure = null, Action<PropertyBuilder<TValue>>? column = null)
    {
        if (string.IsNullOrWhiteSpace(name) || !char.IsLower(name[0]) || !name.All(char.IsLetterOrDigit))
            throw new ArgumentException($"Extension field name \"{name}\" must be camelCase letters and digits.", nameof(name));
        var property = $"x_{Definition.PluginId.Replace('.', '_').Replace('-', '_')}_{name}";
        var field = new FieldDefinition(name, property, typeof(TValue));
        configure?.Invoke(new FieldBuilder(field));
        Definition.Fields.Add(field);
        Definition.ModelConfigurations.Add(modelBuilder =>
        {
            var builder = modelBuilder.Entity<TEntity>().Property<TValue>(property);
            column?.Invoke(builder);
        });
        return this;
    }
}

/// <summary>Fields one plugin adds to another plugin's entity.</summary>
internal sealed class EntityExtensionDefinition
{
    /// <summary>Creates a definition.</summary>
    /// <param name="pluginId">The extending plugin.</param>
    /// <param name="clrType">The extended entity's CLR type.</param>
    public EntityExtensionDefinition(string pluginId, Type clrType)
    {
        PluginId = pluginId;
        ClrType = clrType;
    }

    /// <summary>The extending plugin.</summary>
    public string PluginId { get; }
    /// <summary>The extended entity's CLR type.</summary>
    public Type ClrType { get; }
    /// <summary>The added fields; each is a shadow property named <c>x_&lt;plugin&gt;_&lt;field&gt;</c>.</summary>
    public List<FieldDefinition> Fields { get; } = [];
    /// <summary>EF Core configurations of the added properties, applied to the shared model.</summary>
    public List<Action<ModelBuilder>> ModelConfigurations { get; } = [];
}
