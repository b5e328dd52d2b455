using Microsoft.EntityFrameworkCore.Metadata;
using SalesKernel.Core.Data;
using SalesKernel.Core.Plugins;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Records;

/// <summary>Every entity set of the loaded plugins, with its fields worked out from declarations and the model.</summary>
public sealed class EntitySetRegistry
{
    private readonly Dictionary<string, EntitySetDescriptor> _byName;
    private readonly Dictionary<Type, EntitySetDescriptor> _byType;

    private EntitySetRegistry(IReadOnlyList<EntitySetDescriptor> sets)
    {
        Sets = sets;
        _byName = sets.ToDictionary(s => s.FullName);
        _byType = sets.ToDictionary(s => s.ClrType);
    }

    public IReadOnlyList<EntitySetDescriptor> Sets { get; }

    public EntitySetDescriptor? Find(string fullName) => _byName.GetValueOrDefault(fullName);

    public EntitySetDescriptor Get(Type clrType) => _byType.GetValueOrDefault(clrType)
        ?? throw new InvalidOperationException($"{clrType.Name} is not an entity set of a loaded plugin.");

    public static EntitySetRegistry Build(PluginCatalog catalog, IModel model)
    {
        var loaded = catalog.Loaded.Where(p => p.Registration is not null).ToList();
        var order = loaded.Select((p, i) => (p, i)).ToDictionary(x => x.p.Id, x => x.i);
        var sets = new List<EntitySetDescriptor>();
        foreach (var plugin in loaded)
        {
            foreach (var definition in plugin.Registration!.EntitySets)
            {
                var entityType = model.FindEntityType(definition.ClrType)!;
                var extensions = loaded.SelectMany(p => p.Registration!.Extensions.Where(x => x.ClrType == definition.ClrType)).ToList();
                var handlers = loaded.SelectMany(p => p.Registration!.Handlers.Select((h, i) => (h, i)))
                    .Where(x => x.h.EntityType == definition.ClrType)
                    .OrderBy(x => x.h.Order).ThenBy(x => order[x.h.PluginId]).ThenBy(x => x.i)
                    .Select(x => x.h).ToList();
                sets.Add(new EntitySetDescriptor
                {
                    Definition = definition,
                    Plugin = plugin,
                    EntityType = entityType,
                    Fields = Fields(definition, entityType, extensions),
                    LineEntityType = definition.Lines is { } lines ? model.FindEntityType(lines.LineType) : null,
                    LineFields = definition.Lines is { } l ? LineFields(l, model.FindEntityType(l.LineType)!, plugin.Id) : [],
                    PreOperationHandlers = handlers.Where(h => h.Stage == HandlerStage.PreOperation).ToList(),
                    PostOperationHandlers = handlers.Where(h => h.Stage == HandlerStage.PostOperation).ToList(),
                    Validators = loaded.SelectMany(p => p.Registration!.Validators).Where(v => v.EntityType == definition.ClrType).ToList(),
                    EventHandlers = loaded.SelectMany(p => p.Registration!.EventHandlers).Where(v => v.EntityType == definition.ClrType).ToList(),
                });
            }
        }
        foreach (var set in sets)
        {
            set.Dependents = DependentsOf(set, sets);
            // an amount without its currency is a number nobody can add up
            foreach (var money in set.Fields.Where(f => f.Type == FieldType.Money))
                if (!set.Fields.Any(f => f.Name == money.CurrencyField && f.Format == FieldFormat.Currency))
                    throw new InvalidOperationException(
                        $"{set.FullName}.{money.Name} is money in the currency of '{money.CurrencyField}', which is not a field of {set.FullName} declared with Currency().");
            // a line's amounts are in its own currency field, or its document's
            foreach (var money in set.LineFields.Where(f => f.Type == FieldType.Money))
                if (!set.LineFields.Concat(set.Fields).Any(f => f.Name == money.CurrencyField && f.Format == FieldFormat.Currency))
                    throw new InvalidOperationException(
                        $"{set.FullName} line field {money.Name} is money in the currency of '{money.CurrencyField}', which neither the line nor the document declares with Currency().");
        }
        return new EntitySetRegistry(sets);
    }

    /// <summary>
    /// The records that refer to a record of <paramref name="principal"/>, with what deleting it does to them:
    /// foreign keys (their declared rule), then reference fields no foreign key backs (their <c>OnDelete</c>,
    /// or detach when they may be empty and refuse when not).
    /// </summary>
    private static List<DeleteRelation> DependentsOf(EntitySetDescriptor principal, List<EntitySetDescriptor> sets)
    {
        var relations = new List<DeleteRelation>();
        foreach (var child in sets)
        {
            var keyed = new HashSet<string>();
            foreach (var fk in child.EntityType.GetForeignKeys().Where(f => f.PrincipalEntityType.ClrType == principal.ClrType && f.Properties.Count == 1))
            {
                var property = fk.Properties[0];
                keyed.Add(property.Name);
                var rule = Enum.TryParse<DeleteRule>(fk[EntitySetModel.DeleteRuleAnnotation] as string, out var declared) ? declared : DeleteRule.Restrict;
                relations.Add(new DeleteRelation(child, property.Name, child.Fields.FirstOrDefault(f => f.PropertyName == property.Name)?.Name ?? JsonNames.CamelCase(property.Name),
                    property.IsNullable && rule == DeleteRule.Detach ? DeleteRule.Detach : rule == DeleteRule.Detach ? DeleteRule.Restrict : rule));
            }
            foreach (var field in child.Fields.Where(f => f.Type == FieldType.Reference && f.ReferenceTo == principal.FullName && !keyed.Contains(f.PropertyName)))
            {
                var rule = field.OnDelete ?? (field.IsNullable ? DeleteRule.Detach : DeleteRule.Restrict);
                if (rule == DeleteRule.Detach && !field.IsNullable) rule = DeleteRule.Restrict; // a reference that may not be empty cannot be emptied
                relations.Add(new DeleteRelation(child, field.PropertyName, field.Name, rule));
            }
        }
        return relations;
    }

    private static List<RecordField> Fields(EntitySetDefinition set, IEntityType entityType, List<EntityExtensionDefinition> extensions)
    {
        var fields = new List<RecordField>();
        foreach (var property in entityType.GetProperties())
        {
            var name = property.Name;
            if (name is SystemFields.CustomFields or EntitySetModel.TenantColumn) continue;
            if (System(property) is { } system) { fields.Add(system); continue; }
            if (extensions.SelectMany(x => x.Fields.Select(f => (x, f))).FirstOrDefault(e => e.f.PropertyName == name) is { x: not null } ext)
            {
                fields.Add(FromDefinition(ext.f, property, FieldSource.Extension, ext.x.PluginId));
                continue;
            }
            // a column another plugin added, whose plugin is not running: kept in the database, not served
            if (property[KernelDbContext.OwnerAnnotation] is string owner && owner != set.PluginId) continue;
            if (RecordField.Infer(property.ClrType) is null) continue; // a type the API cannot carry (byte[], DateTimeOffset …)
            var declared = set.Fields.FirstOrDefault(f => f.PropertyName == name)
                ?? new FieldDefinition(JsonNames.CamelCase(name), name, property.ClrType);
            if (declared.IsHidden) continue; // the plugin's own column, not served
            var field = FromDefinition(declared, property, FieldSource.Entity, set.PluginId);
            if (set.StateMachine?.PropertyName == name) field = Copy(field, field.IsFilterable, field.IsSortable, readOnly: true);
            if (name == nameof(IEntity.Id))
                field = Copy(field, isFilterable: true, isSortable: true);
            fields.Add(field);
        }
        // id first, the entity's own fields in declaration order, then extensions, then system fields
        var order = set.ClrType.GetProperties().Select(p => p.Name).ToList();
        return fields
            .OrderBy(f => f.Name == "id" ? 0 : f.Source switch { FieldSource.Entity => 1, FieldSource.Extension => 2, _ => 3 })
            .ThenBy(f => f.Property is null ? int.MaxValue : order.IndexOf(f.Property.Name))
            .ToList();
    }

    /// <summary>A document line's fields: its own properties, as declared (the tenant and the document id are the kernel's).</summary>
    private static List<RecordField> LineFields(DocumentLinesDefinition lines, IEntityType entityType, string pluginId)
    {
        var fields = new List<RecordField>();
        var order = lines.LineType.GetProperties().Select(p => p.Name).ToList();
        foreach (var property in entityType.GetProperties().Where(p => p.PropertyInfo is not null).OrderBy(p => order.IndexOf(p.Name)))
        {
            if (property.Name is nameof(IDocumentLine.DocumentId) or EntitySetModel.TenantColumn) continue;
            if (RecordField.Infer(property.ClrType) is null) continue;
            var declared = lines.Fields.FirstOrDefault(f => f.PropertyName == property.Name)
                ?? new FieldDefinition(JsonNames.CamelCase(property.Name), property.Name, property.ClrType);
            var field = FromDefinition(declared, property, FieldSource.Entity, pluginId);
            if (property.Name is nameof(IDocumentLine.Id) or nameof(IDocumentLine.LineNumber)) field = Copy(field, false, false, readOnly: true);
            fields.Add(field);
        }
        return fields;
    }

    private static RecordField FromDefinition(FieldDefinition d, IProperty property, FieldSource source, string owner)
    {
        var clr = property.ClrType;
        var valueType = Nullable.GetUnderlyingType(clr) ?? clr;
        return new RecordField
        {
            Name = d.Name,
            PropertyName = property.Name,
            ClrType = clr,
            Type = d.Type is FieldType.Money && RecordField.Infer(clr) is FieldType.Decimal or FieldType.Integer ? FieldType.Money
                : d.Type is FieldType.Reference && valueType == typeof(Guid) ? FieldType.Reference
                : RecordField.Infer(clr)!.Value,
            Source = source,
            Owner = owner,
            DisplayName = d.DisplayName ?? new LocalizedText(Humanize(d.Name)),
            // a text that may not be null, or a reference that may not be null, must be given
            IsRequired = d.IsRequired || (clr == typeof(string) && !property.IsNullable) || (d.Type == FieldType.Reference && clr == typeof(Guid)),
            IsReadOnly = d.IsReadOnly,
            IsSearchable = d.IsSearchable && clr == typeof(string),
            IsFilterable = d.IsFilterable,
            IsSortable = d.IsSortable,
            IsNullable = property.IsNullable,
            MaxLength = property.GetMaxLength(),
            Format = clr == typeof(string) ? d.Format : FieldFormat.None,
            Sequence = d.Sequence is null ? null : d.Sequence.Contains('.') ? d.Sequence : $"{owner}.{d.Sequence}",
            Minimum = d.Minimum,
            Maximum = d.Maximum,
            Choices = valueType.IsEnum ? Enum.GetNames(valueType) : null,
            ReferenceTo = d.ReferenceTo,
            CurrencyField = d.Type is FieldType.Money ? d.CurrencyField ?? "currency" : null,
            OnDelete = d.OnDelete,
            Property = property.PropertyInfo,
        };
    }

    private static RecordField? System(IProperty property)
    {
        (string Name, LocalizedText Display, bool Sortable)? known = property.Name switch
        {
            SystemFields.CreatedAt => ("createdAt", new("Created at", "创建时间"), true),
            SystemFields.UpdatedAt => ("updatedAt", new("Updated at", "更新时间"), true),
            SystemFields.CreatedBy => ("createdBy", new("Created by", "创建人"), false),
            SystemFields.UpdatedBy => ("updatedBy", new("Updated by", "更新人"), false),
            SystemFields.Version => ("version", new("Version", "版本"), false),
            SystemFields.OwnerId => ("ownerId", new("Owner", "负责人"), true),
            SystemFields.TeamId => ("teamId", new("Team", "所属团队"), true),
            _ => null,
        };
        if (known is not { } k) return null;
        return new RecordField
        {
            Name = k.Name,
            PropertyName = property.Name,
            ClrType = property.ClrType,
            Type = RecordField.Infer(property.ClrType)!.Value,
            Source = FieldSource.System,
            Owner = KernelDbContext.KernelOwner,
            DisplayName = k.Display,
            IsReadOnly = true,
            IsFilterable = k.Sortable,
            IsSortable = k.Sortable,
            IsNullable = property.IsNullable,
            MaxLength = property.GetMaxLength(),
        };
    }

    private static RecordField Copy(RecordField f, bool isFilterable, bool isSortable, bool? readOnly = null) => new()
    {
        Name = f.Name, PropertyName = f.PropertyName, ClrType = f.ClrType, Type = f.Type, Source = f.Source, Owner = f.Owner,
        DisplayName = f.DisplayName, IsRequired = readOnly is null && f.IsRequired, IsReadOnly = readOnly ?? f.IsReadOnly, IsSearchable = f.IsSearchable,
        IsFilterable = isFilterable, IsSortable = isSortable, IsNullable = f.IsNullable, MaxLength = f.MaxLength, Format = f.Format, Sequence = f.Sequence,
        Minimum = f.Minimum, Maximum = f.Maximum, Choices = f.Choices, ReferenceTo = f.ReferenceTo, CurrencyField = f.CurrencyField, OnDelete = f.OnDelete, Property = f.Property,
    };

    private static string Humanize(string camel) =>
        string.Concat(camel.Select((c, i) => i == 0 ? char.ToUpperInvariant(c).ToString() : char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));
}
