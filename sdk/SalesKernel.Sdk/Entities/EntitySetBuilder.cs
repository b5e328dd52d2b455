using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Sdk.Entities;

/// <summary>
/// Declares an entity set: the EF Core model of the entity, how its fields behave in the API, and
/// which generic endpoints it gets. Every mapped scalar property is a field; <see cref="Field{TValue}"/>
/// adds flags and display names.
/// </summary>
/// <typeparam name="TEntity">The entity's CLR type.</typeparam>
public sealed class EntitySetBuilder<TEntity> where TEntity : class, IEntity
{
    /// <summary>Wraps a definition; the kernel creates one per <c>AddEntitySet</c> call.</summary>
    /// <param name="definition">The definition to fill.</param>
    internal EntitySetBuilder(EntitySetDefinition definition) => Definition = definition;

    /// <summary>The definition being built.</summary>
    internal EntitySetDefinition Definition { get; }

    /// <summary>The names users see for one record and for the set.</summary>
    /// <param name="singular">For example "Customer" / "客户".</param>
    /// <param name="plural">For example "Customers" / "客户".</param>
    /// <returns>This builder.</returns>
    public EntitySetBuilder<TEntity> DisplayName(LocalizedText singular, LocalizedText plural)
    {
        Definition.DisplayName = singular;
        Definition.PluralDisplayName = plural;
        return this;
    }

    /// <summary>EF Core configuration of the entity: column sizes, indexes, relations.</summary>
    /// <param name="configure">Applied to the shared model.</param>
    /// <returns>This builder.</returns>
    public EntitySetBuilder<TEntity> Model(Action<EntityTypeBuilder<TEntity>> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Definition.ModelConfigurations.Add(modelBuilder => configure(modelBuilder.Entity<TEntity>()));
        return this;
    }

    /// <summary>Declares how one property behaves in the API.</summary>
    /// <typeparam name="TValue">The property's type.</typeparam>
    /// <param name="property">A property of <typeparamref name="TEntity"/>, such as <c>c =&gt; c.Name</c>.</param>
    /// <param name="configure">Flags and display name.</param>
    /// <returns>This builder.</returns>
    public EntitySetBuilder<TEntity> Field<TValue>(Expression<Func<TEntity, TValue>> property, Action<FieldBuilder> configure)
    {
        if (property.Body is not MemberExpression { Member: System.Reflection.PropertyInfo info } || info.DeclaringType?.IsAssignableFrom(typeof(TEntity)) != true)
            throw new ArgumentException($"Field must name a property of {typeof(TEntity).Name}, as in e => e.Name.", nameof(property));
        var field = Definition.Fields.FirstOrDefault(f => f.PropertyName == info.Name);
        if (field is null)
        {
            field = new FieldDefinition(JsonNames.CamelCase(info.Name), info.Name, typeof(TValue));
            Definition.Fields.Add(field);
        }
        configure(new FieldBuilder(field));
        return this;
    }

    /// <summary>Which generic endpoints exist (all by default).</summary>
    /// <param name="endpoints">The endpoints to keep.</param>
    /// <returns>This builder.</returns>
    public EntitySetBuilder<TEntity> Endpoints(StandardEndpoints endpoints)
    {
        Definition.Endpoints = endpoints;
        return this;
    }

    /// <summary>The order of a list when the client asks for none, e.g. <c>name</c> or <c>-createdAt</c>.</summary>
    /// <param name="sort">Field names separated by commas, <c>-</c> for descending.</param>
    /// <returns>This builder.</returns>
    public EntitySetBuilder<TEntity> DefaultSort(string sort)
    {
        Definition.DefaultSort = sort;
        return this;
    }

    /// <summary>
    /// Records belong to a user and a team (<c>ownerId</c>, <c>teamId</c>): the creator owns a new
    /// record. Record-level security (who sees and changes which records) works on these.
    /// </summary>
    /// <returns>This builder.</returns>
    public EntitySetBuilder<TEntity> OwnedByUser()
    {
        Definition.IsOwned = true;
        return this;
    }

    /// <summary>Declares a privilege beyond the standard ones, such as <c>approve</c>.</summary>
    /// <param name="name">Lower-case name.</param>
    /// <param name="displayName">What administrators see.</param>
    /// <returns>This builder.</returns>
    public EntitySetBuilder<TEntity> Privilege(string name, LocalizedText displayName)
    {
        Definition.ExtraPrivileges[name] = displayName;
        return this;
    }

    /// <summary>
    /// Grants privileges to a standard role by default (tenants may change it). When a set declares
    /// no grant at all, the kernel's defaults apply: administrators everything tenant-wide, managers
    /// everything for their team and below, reps read/create/update/export their own, service
    /// agents and read-only users read tenant-wide.
    /// </summary>
    /// <param name="role">A role of <see cref="StandardRoles"/>.</param>
    /// <param name="depth">How far the privileges reach.</param>
    /// <param name="privileges">Standard or declared privileges.</param>
    /// <returns>This builder.</returns>
    public EntitySetBuilder<TEntity> Grant(string role, AccessDepth depth, params string[] privileges)
    {
        foreach (var privilege in privileges) Definition.DefaultGrants.Add(new DefaultGrant(role, privilege, depth));
        return this;
    }

    /// <summary>
    /// Declares the lifecycle of a status property; see <see cref="StateMachineBuilder{TEntity, TState}"/>.
    /// The property becomes read-only to clients; transitions change it.
    /// </summary>
    /// <typeparam name="TState">The status type: an enum or a string.</typeparam>
    /// <param name="status">The status property, such as <c>d =&gt; d.Stage</c>.</param>
    /// <param name="configure">States and transitions.</param>
    /// <returns>This builder.</returns>
    public EntitySetBuilder<TEntity> StateMachine<TState>(Expression<Func<TEntity, TState>> status, Action<StateMachineBuilder<TEntity, TState>> configure)
        where TState : notnull
    {
        if (status.Body is not MemberExpression { Member: System.Reflection.PropertyInfo info })
            throw new ArgumentException("StateMachine must name a property, as in d => d.Stage.", nameof(status));
        if (Definition.StateMachine is not null) throw new InvalidOperationException("An entity set has at most one state machine.");
        var definition = new StateMachineDefinition(info.Name, typeof(TState));
        configure(new StateMachineBuilder<TEntity, TState>(definition));
        if (definition.Initial is null) throw new InvalidOperationException($"The state machine of {typeof(TEntity).Name} needs an initial state.");
        Definition.StateMachine = definition;
        return this;
    }

    /// <summary>
    /// The set's records are documents with lines (a quote and its items): <paramref name="lines"/> is the
    /// header's collection of lines, stored in a table of their own. The API reads and writes them with the
    /// header — <c>GET …/{id}</c> answers them under the lines' name (<c>lines</c>), <c>POST</c> creates a
    /// header and its lines, <c>PATCH</c> with lines replaces all of them — as one write: one transaction,
    /// one version, one audit row with the lines before and after. Each line's fields are checked like a
    /// record's (errors as <c>lines[2].quantity</c>); the set's validators see the header with its lines, to
    /// check them together; <see cref="Compute"/> works out totals before anything is checked.
    /// </summary>
    /// <typeparam name="TLine">The line's CLR type: a class with a parameterless constructor.</typeparam>
    /// <param name="lines">The header's collection property, <c>q =&gt; q.Lines</c>.</param>
    /// <param name="configure">The lines' fields, model and limits.</param>
    /// <param name="name">The API name of the lines; <c>lines</c> unless given.</param>
    /// <returns>This builder.</returns>
    public EntitySetBuilder<TEntity> Lines<TLine>(Expression<Func<TEntity, List<TLine>>> lines, Action<DocumentLinesBuilder<TLine>>? configure = null, string name = "lines")
        where TLine : class, IDocumentLine, new()
    {
        if (lines.Body is not MemberExpression { Member: System.Reflection.PropertyInfo info })
            throw new ArgumentException("Lines must name the header's collection, as in q => q.Lines.", nameof(lines));
        if (Definition.Lines is not null) throw new InvalidOperationException($"{typeof(TEntity).Name} already has lines.");
        var definition = new DocumentLinesDefinition(name, info.Name, typeof(TLine));
        var builder = new DocumentLinesBuilder<TLine>(definition);
        configure?.Invoke(builder);
        definition.Model = modelBuilder =>
        {
            var line = modelBuilder.Entity<TLine>();
            // a line added to a tracked document's collection gets its id when discovered
            line.HasKey(l => l.Id);
            line.HasIndex(l => new { l.DocumentId, l.LineNumber });
            foreach (var apply in builder.ModelConfigurations) apply(line);
            // the lines are part of the document: they go with it — deleted by the pipeline with the document it
            // loaded them with (and audited as its lines), never by the database behind it
            modelBuilder.Entity<TEntity>().HasMany<TLine>(info.Name).WithOne().HasForeignKey(l => l.DocumentId).OnDelete(DeleteBehavior.ClientCascade);
        };
        Definition.Lines = definition;
        return this;
    }

    /// <summary>
    /// Works out fields of a record from its others (a line's amount, a document's total) on every create
    /// and update, before the record is checked; with <see cref="Lines{TLine}"/>, the lines are loaded. Give
    /// the fields it sets <see cref="FieldBuilder.ReadOnly"/>: they are the server's, not the client's.
    /// </summary>
    /// <param name="compute">Sets the computed fields.</param>
    /// <returns>This builder.</returns>
    public EntitySetBuilder<TEntity> Compute(Action<TEntity> compute)
    {
        ArgumentNullException.ThrowIfNull(compute);
        Definition.Computations.Add(record => compute((TEntity)record));
        return this;
    }

    /// <summary>Whether administrators may add custom fields to this set (they may by default).</summary>
    /// <param name="allowed">False to forbid.</param>
    /// <returns>This builder.</returns>
    public EntitySetBuilder<TEntity> CustomFields(bool allowed)
    {
        Definition.AllowsCustomFields = allowed;
        return this;
    }
}

/// <summary>An entity set as declared by its plugin.</summary>
internal sealed class EntitySetDefinition
{
    /// <summary>Creates a definition.</summary>
    /// <param name="pluginId">The declaring plugin.</param>
    /// <param name="name">The set's name within the plugin, e.g. <c>customers</c>.</param>
    /// <param name="clrType">The entity's CLR type.</param>
    public EntitySetDefinition(string pluginId, string name, Type clrType)
    {
        PluginId = pluginId;
        Name = name;
        ClrType = clrType;
    }

    /// <summary>The declaring plugin.</summary>
    public string PluginId { get; }
    /// <summary>The set's name within the plugin; also the route segment.</summary>
    public string Name { get; }
    /// <summary><c>&lt;plugin id&gt;.&lt;name&gt;</c>: unique in an installation.</summary>
    public string FullName => $"{PluginId}.{Name}";
    /// <summary>The entity's CLR type.</summary>
    public Type ClrType { get; }
    /// <summary>Singular display name.</summary>
    public LocalizedText? DisplayName { get; set; }
    /// <summary>Plural display name.</summary>
    public LocalizedText? PluralDisplayName { get; set; }
    /// <summary>Fields with flags; the kernel adds the rest of the mapped properties.</summary>
    public List<FieldDefinition> Fields { get; } = [];
    /// <summary>EF Core configurations of the entity, applied to the shared model in order.</summary>
    public List<Action<ModelBuilder>> ModelConfigurations { get; } = [];
    /// <summary>The generic endpoints to map.</summary>
    public StandardEndpoints Endpoints { get; set; } = StandardEndpoints.All;
    /// <summary>The default list order.</summary>
    public string? DefaultSort { get; set; }
    /// <summary>Whether custom fields may be added.</summary>
    public bool AllowsCustomFields { get; set; } = true;
    /// <summary>Whether records have an owner and a team; see <see cref="EntitySetBuilder{TEntity}.OwnedByUser"/>.</summary>
    public bool IsOwned { get; set; }
    /// <summary>Privileges beyond the standard ones, with display names.</summary>
    public Dictionary<string, LocalizedText> ExtraPrivileges { get; } = [];
    /// <summary>Default grants to standard roles; empty means the kernel's defaults.</summary>
    public List<DefaultGrant> DefaultGrants { get; } = [];
    /// <summary>The lifecycle of the status property, if the set has one.</summary>
    public StateMachineDefinition? StateMachine { get; set; }
    /// <summary>The lines of the set's documents, if it has any (<see cref="EntitySetBuilder{TEntity}.Lines{TLine}"/>).</summary>
    public DocumentLinesDefinition? Lines { get; set; }
    /// <summary>Computations run on every create and update before checks (<see cref="EntitySetBuilder{TEntity}.Compute"/>).</summary>
    public List<Action<object>> Computations { get; } = [];
}
