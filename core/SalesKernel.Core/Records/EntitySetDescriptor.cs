using Microsoft.EntityFrameworkCore.Metadata;
using SalesKernel.Core.Plugins;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Records;

/// <summary>An entity set as the kernel runs it: definition, fields, and what plugins attached to it.</summary>
public sealed class EntitySetDescriptor
{
    internal EntitySetDefinition Definition { get; init; } = null!;
    public required PluginDescriptor Plugin { get; init; }
    public required IEntityType EntityType { get; init; }
    /// <summary>Entity, system and extension fields; custom fields come from the custom-field registry.</summary>
    public required IReadOnlyList<RecordField> Fields { get; init; }
    public required IReadOnlyList<HandlerRegistration> PreOperationHandlers { get; init; }
    public required IReadOnlyList<HandlerRegistration> PostOperationHandlers { get; init; }
    public required IReadOnlyList<ValidatorRegistration> Validators { get; init; }
    public required IReadOnlyList<EventHandlerRegistration> EventHandlers { get; init; }

    /// <summary>For a set of documents with lines: the lines' fields (their id and line number read-only).</summary>
    public IReadOnlyList<RecordField> LineFields { get; init; } = [];

    /// <summary>For a set of documents with lines: the line's entity type.</summary>
    public IEntityType? LineEntityType { get; init; }

    /// <summary>What refers to records of this set, and what deleting one does to those (worked out once the registry has every set).</summary>
    public IReadOnlyList<DeleteRelation> Dependents { get; internal set; } = [];

    public string FullName => Definition.FullName;
    public Type ClrType => Definition.ClrType;
    public string Route => $"/api/{Plugin.Id}/{Definition.Name}";

    public RecordField? FindField(string name) => Fields.FirstOrDefault(f => f.Name == name);
}

/// <summary>Records of <paramref name="Child"/> refer to a record through <paramref name="PropertyName"/> (API name <paramref name="Field"/>).</summary>
public sealed record DeleteRelation(EntitySetDescriptor Child, string PropertyName, string Field, DeleteRule Rule);
