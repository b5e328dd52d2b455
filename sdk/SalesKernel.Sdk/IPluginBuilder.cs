using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace SalesKernel.Sdk;

/// <summary>
/// What a plugin declares in <see cref="ISalesKernelPlugin.Configure"/>. Declarations are collected
/// first and only applied when <c>Configure</c> returns without throwing.
/// </summary>
public interface IPluginBuilder
{
    /// <summary>The plugin's identity as read from its <c>plugin.json</c>.</summary>
    PluginInfo Plugin { get; }

    /// <summary>
    /// The plugin's own configuration: the section <c>SalesKernel:Plugins:Settings:&lt;plugin-id&gt;</c>
    /// of the host's configuration (empty when absent).
    /// </summary>
    IConfiguration Configuration { get; }

    /// <summary>Services the plugin registers into the host's container.</summary>
    IServiceCollection Services { get; }

    /// <summary>
    /// Declares an entity stored by this plugin. The kernel adds it to the shared model and owns its
    /// schema: the table is created when the plugin is installed and changed when the plugin's model
    /// changes. Unless <paramref name="configure"/> names a table, the table is
    /// <c>&lt;plugin id&gt;_&lt;entity name&gt;</c> in lower case (dots and dashes become underscores).
    /// Its rows are a tenant's: the kernel adds a <c>TenantId</c> column (unless the entity has one),
    /// fills it on insert and filters every query on it. For a table of the whole installation use
    /// <see cref="AddInstallationEntity{TEntity}"/>.
    /// </summary>
    /// <typeparam name="TEntity">The entity's CLR type, defined in the plugin's assembly.</typeparam>
    /// <param name="configure">EF Core configuration of keys, columns, indexes and relations.</param>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder AddEntity<TEntity>(Action<EntityTypeBuilder<TEntity>>? configure = null)
        where TEntity : class;

    /// <summary>Declares an entity configured by an EF Core configuration class.</summary>
    /// <typeparam name="TEntity">The entity's CLR type.</typeparam>
    /// <param name="configuration">The configuration to apply to the shared model.</param>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder AddEntity<TEntity>(IEntityTypeConfiguration<TEntity> configuration)
        where TEntity : class;

    /// <summary>
    /// Declares an entity whose rows belong to the whole installation, not to a tenant (a lookup table
    /// every tenant shares, say): no tenant column, no filter. Say why, for the operators.
    /// </summary>
    /// <typeparam name="TEntity">The entity's CLR type.</typeparam>
    /// <param name="reason">Why the rows are no tenant's, such as "ISO currency codes, the same for everyone".</param>
    /// <param name="configure">EF Core configuration of keys, columns, indexes and relations.</param>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder AddInstallationEntity<TEntity>(string reason, Action<EntityTypeBuilder<TEntity>>? configure = null)
        where TEntity : class;

    /// <summary>
    /// Declares an entity set: an entity with metadata and the generic REST endpoints under
    /// <c>/api/&lt;plugin id&gt;/&lt;name&gt;</c> (list with queries, get, create, update, delete,
    /// bulk create), every write going through the kernel's pipeline. The entity's table follows
    /// the same rules as <see cref="AddEntity{TEntity}(Action{EntityTypeBuilder{TEntity}}?)"/>.
    /// </summary>
    /// <typeparam name="TEntity">The entity's CLR type.</typeparam>
    /// <param name="name">Lower-case set name, the route segment, e.g. <c>customers</c>.</param>
    /// <param name="configure">Model, fields, endpoints.</param>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder AddEntitySet<TEntity>(string name, Action<Entities.EntitySetBuilder<TEntity>> configure)
        where TEntity : class, Entities.IEntity;

    /// <summary>
    /// Adds typed fields to an entity set of a plugin this plugin depends on (or to its own).
    /// </summary>
    /// <typeparam name="TEntity">The extended entity's CLR type.</typeparam>
    /// <param name="configure">The fields to add.</param>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder ExtendEntitySet<TEntity>(Action<Entities.EntityExtensionBuilder<TEntity>> configure)
        where TEntity : class, Entities.IEntity;

    /// <summary>
    /// Adds a FluentValidation validator that every write of the entity set must pass (validators
    /// of all plugins run; their messages come back as 400 per field).
    /// </summary>
    /// <typeparam name="TEntity">An entity of this plugin or of one it depends on.</typeparam>
    /// <typeparam name="TValidator">The validator; created per write from the container.</typeparam>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder AddValidator<TEntity, TValidator>()
        where TEntity : class, Entities.IEntity
        where TValidator : class, FluentValidation.IValidator<TEntity>;

    /// <summary>
    /// Adds a handler that runs inside every write of the entity set. Handlers run by
    /// <paramref name="order"/>, then in plugin start order, then in registration order.
    /// </summary>
    /// <typeparam name="TEntity">An entity of this plugin or of one it depends on.</typeparam>
    /// <typeparam name="THandler">The handler; created per write from the container.</typeparam>
    /// <param name="stage">Pre- or post-operation.</param>
    /// <param name="order">Lower runs first.</param>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder AddHandler<TEntity, THandler>(Entities.HandlerStage stage, int order = 0)
        where TEntity : class, Entities.IEntity
        where THandler : class, Entities.IEntityHandler<TEntity>;

    /// <summary>Adds a handler that runs after each committed write of the entity set, from the outbox.</summary>
    /// <typeparam name="TEntity">An entity of this plugin or of one it depends on.</typeparam>
    /// <typeparam name="THandler">The handler; created per event from the container.</typeparam>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder AddEventHandler<TEntity, THandler>()
        where TEntity : class, Entities.IEntity
        where THandler : class, Entities.IEntityEventHandler<TEntity>;

    /// <summary>Declares a recurring job; see <see cref="IScheduledJob"/>.</summary>
    /// <typeparam name="TJob">The job; created per run from the container.</typeparam>
    /// <param name="name">Lower-case name within the plugin.</param>
    /// <param name="cron">Five-field cron (<c>0 2 * * *</c>: 02:00 UTC daily) or six fields with seconds first.</param>
    /// <param name="scope">Per tenant (default) or once for the installation.</param>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder AddJob<TJob>(string name, string cron, JobScope scope = JobScope.PerTenant) where TJob : class, IScheduledJob;

    /// <summary>Declares the plugin's demo data for the <c>seed-demo</c> command; see <see cref="IDemoDataSeeder"/>.</summary>
    /// <typeparam name="TSeeder">The seeder; created from the container for the command.</typeparam>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder AddDemoData<TSeeder>() where TSeeder : class, IDemoDataSeeder;

    /// <summary>
    /// Maps the plugin's HTTP endpoints. <paramref name="map"/> receives a route group rooted at
    /// <c>/api/&lt;plugin id&gt;</c> and tagged with the plugin's name in the OpenAPI document.
    /// </summary>
    /// <param name="map">Called once when the host builds its routes.</param>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder MapEndpoints(Action<IEndpointRouteBuilder> map);

    /// <summary>
    /// Declares a permission the plugin checks that belongs to no entity set — to run a report, to
    /// approve credit limits. Its full name is <c>&lt;plugin id&gt;.&lt;name&gt;</c>. Tenant
    /// administrators grant it to roles (<c>PUT /api/roles/{code}/grants</c> with depth <c>Tenant</c>,
    /// or <c>None</c> to take it away); the plugin checks it with
    /// <see cref="Entities.IRecordAccess.HasPermissionAsync"/>. Tenant administrators always have it.
    /// </summary>
    /// <param name="name">Lower-case dotted name, for example <c>limits.approve</c>.</param>
    /// <param name="displayName">What administrators see, in English and Simplified Chinese.</param>
    /// <param name="grantedTo">The standard roles (<see cref="Entities.StandardRoles"/>) that have it until a tenant says otherwise.</param>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder AddPermission(string name, LocalizedText displayName, params string[] grantedTo);

    /// <summary>
    /// Declares a sequence of document numbers, per tenant: <c>&lt;plugin id&gt;.&lt;name&gt;</c>. The
    /// format has one counter — zeros in braces, as many as the least number of digits, such as
    /// <c>{000000}</c> — and may have the date of the write in the tenant's time zone: <c>{yyyy}</c>,
    /// <c>{yy}</c>, <c>{MM}</c>, <c>{dd}</c>; the counter starts again at 1 whenever the date part of
    /// the number changes (each year for <c>SO-{yyyy}-{000000}</c>). Tenant administrators may change
    /// the format. Give a text field its numbers with <see cref="Entities.FieldBuilder.Numbered"/>, or take
    /// one with <see cref="INumberSequences.NextAsync"/>.
    /// </summary>
    /// <param name="name">Lower-case name, such as <c>order</c>.</param>
    /// <param name="displayName">What administrators see.</param>
    /// <param name="defaultFormat">The format every tenant starts with.</param>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder AddNumberSequence(string name, LocalizedText displayName, string defaultFormat);

    /// <summary>
    /// Implements an extension point another plugin published (an interface in its assembly; declare
    /// that plugin as a dependency). Its publisher calls every implementation through
    /// <see cref="IExtensions{TContract}"/>, lowest <paramref name="order"/> first, and only those of
    /// plugins the tenant has switched on. The implementation is created per scope, with your services.
    /// </summary>
    /// <typeparam name="TContract">The extension point's interface.</typeparam>
    /// <typeparam name="TImplementation">Your class.</typeparam>
    /// <param name="order">Where it runs among the implementations (lower first).</param>
    /// <returns>The same builder, for chaining.</returns>
    IPluginBuilder Implement<TContract, TImplementation>(int order = 0) where TContract : class where TImplementation : class, TContract;

    /// <summary>
    /// Gives the Simplified Chinese of messages the plugin sends to users — the messages of its
    /// <see cref="Entities.RuleViolationException"/>s, <see cref="Entities.RecordValidationException"/>s,
    /// guards and input checks, and the titles, details and field messages of the ProblemDetails its
    /// endpoints return (<c>Results.ValidationProblem</c>, <c>Results.Problem</c>). The kernel answers a
    /// caller whose <c>Accept-Language</c> prefers Chinese with the Chinese; a message without one stays
    /// in English. Each message's <see cref="LocalizedText.En"/> is the English as the plugin writes it,
    /// with a <c>{name}</c> placeholder for each part that varies (<c>"You hold {held} open leads"</c>);
    /// <see cref="LocalizedText.ZhHans"/> is the Chinese, using the same placeholders in any order
    /// (<c>"你持有 {held} 条未结线索"</c>). Write <c>{{</c> and <c>}}</c> for a literal brace. What a
    /// placeholder stood for is itself translated when it is a known message.
    /// </summary>
    /// <param name="messages">English patterns, each with its Chinese.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="System.ArgumentException">A message has no Chinese, or its Chinese names a placeholder its English lacks.</exception>
    IPluginBuilder AddMessages(params LocalizedText[] messages);
}
