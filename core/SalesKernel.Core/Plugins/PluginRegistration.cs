using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;
using Jobs_ = SalesKernel.Core.Jobs;

namespace SalesKernel.Core.Plugins;

/// <summary>Collects what one plugin declares; applied to the host only if Configure succeeds.</summary>
internal sealed partial class PluginRegistration(PluginInfo plugin, IConfiguration configuration) : IPluginBuilder
{
    private readonly List<EntityDeclaration> _entities = [];
    private readonly List<Action<IEndpointRouteBuilder>> _endpoints = [];
    private readonly List<PermissionDefinition> _permissions = [];
    private readonly List<EntitySetDefinition> _entitySets = [];
    private readonly List<EntityExtensionDefinition> _extensions = [];
    private readonly List<HandlerRegistration> _handlers = [];
    private readonly List<ValidatorRegistration> _validators = [];
    private readonly List<EventHandlerRegistration> _eventHandlers = [];
    private readonly List<JobDefinition> _jobs = [];

    public PluginInfo Plugin { get; } = plugin;
    public IConfiguration Configuration { get; } = configuration;
    public IServiceCollection Services { get; } = new ServiceCollection();

    public IReadOnlyList<EntityDeclaration> Entities => _entities;
    public IReadOnlyList<Action<IEndpointRouteBuilder>> Endpoints => _endpoints;
    public IReadOnlyList<PermissionDefinition> Permissions => _permissions;
    public IReadOnlyList<EntitySetDefinition> EntitySets => _entitySets;
    public IReadOnlyList<EntityExtensionDefinition> Extensions => _extensions;
    public IReadOnlyList<HandlerRegistration> Handlers => _handlers;
    public IReadOnlyList<ValidatorRegistration> Validators => _validators;
    public IReadOnlyList<EventHandlerRegistration> EventHandlers => _eventHandlers;
    public IReadOnlyList<JobDefinition> Jobs => _jobs;

    public Type? DemoSeeder { get; private set; }

    public IPluginBuilder AddDemoData<TSeeder>() where TSeeder : class, IDemoDataSeeder
    {
        if (DemoSeeder is not null) throw new InvalidOperationException("Demo data is declared twice.");
        Services.AddTransient<TSeeder>();
        DemoSeeder = typeof(TSeeder);
        return this;
    }

    public IPluginBuilder AddJob<TJob>(string name, string cron, JobScope scope = JobScope.PerTenant) where TJob : class, IScheduledJob
    {
        if (!SetName().IsMatch(name ?? "")) throw new ArgumentException($"Job name \"{name}\" must be lower-case letters, digits and dashes.", nameof(name));
        if (_jobs.Any(j => j.Name == name)) throw new InvalidOperationException($"Job {name} is declared twice.");
        Jobs_.Schedule.Parse(cron); // a bad expression fails the plugin now, not at the first run
        Services.AddTransient<TJob>();
        _jobs.Add(new JobDefinition(Plugin.Id, name!, cron, typeof(TJob), scope));
        return this;
    }

    public IPluginBuilder AddEntitySet<TEntity>(string name, Action<EntitySetBuilder<TEntity>> configure) where TEntity : class, IEntity
    {
        ArgumentNullException.ThrowIfNull(configure);
        if (!SetName().IsMatch(name ?? ""))
            throw new ArgumentException($"Entity set name \"{name}\" must be lower-case letters, digits and dashes, such as customers.", nameof(name));
        if (_entitySets.Any(s => s.Name == name))
            throw new InvalidOperationException($"Entity set {name} is declared twice.");
        var definition = new EntitySetDefinition(Plugin.Id, name!, typeof(TEntity));
        configure(new EntitySetBuilder<TEntity>(definition));
        _entitySets.Add(definition);
        if (_entities.Any(e => e.ClrType == typeof(TEntity)))
            throw new InvalidOperationException($"Entity {typeof(TEntity).Name} is declared twice.");
        _entities.Add(new EntityDeclaration(typeof(TEntity), modelBuilder =>
        {
            modelBuilder.Entity<TEntity>();
            foreach (var apply in definition.ModelConfigurations) apply(modelBuilder);
        }));
        // a document's lines live in a table of the plugin, with the tenant like every other
        if (definition.Lines is { } lines)
        {
            if (_entities.Any(e => e.ClrType == lines.LineType))
                throw new InvalidOperationException($"Entity {lines.LineType.Name} is declared twice.");
            _entities.Add(new EntityDeclaration(lines.LineType, lines.Model));
        }
        return this;
    }

    public IPluginBuilder ExtendEntitySet<TEntity>(Action<EntityExtensionBuilder<TEntity>> configure) where TEntity : class, IEntity
    {
        ArgumentNullException.ThrowIfNull(configure);
        var definition = new EntityExtensionDefinition(Plugin.Id, typeof(TEntity));
        configure(new EntityExtensionBuilder<TEntity>(definition));
        _extensions.Add(definition);
        return this;
    }

    public IPluginBuilder AddValidator<TEntity, TValidator>() where TEntity : class, IEntity where TValidator : class, FluentValidation.IValidator<TEntity>
    {
        Services.AddTransient<TValidator>();
        _validators.Add(new ValidatorRegistration(Plugin.Id, typeof(TEntity), typeof(TValidator)));
        return this;
    }

    public IPluginBuilder AddHandler<TEntity, THandler>(HandlerStage stage, int order = 0) where TEntity : class, IEntity where THandler : class, IEntityHandler<TEntity>
    {
        Services.AddTransient<THandler>();
        _handlers.Add(new HandlerRegistration(Plugin.Id, typeof(TEntity), typeof(THandler), stage, order));
        return this;
    }

    public IPluginBuilder AddEventHandler<TEntity, THandler>() where TEntity : class, IEntity where THandler : class, IEntityEventHandler<TEntity>
    {
        Services.AddTransient<THandler>();
        _eventHandlers.Add(new EventHandlerRegistration(Plugin.Id, typeof(TEntity), typeof(THandler)));
        return this;
    }

    public IPluginBuilder AddEntity<TEntity>(Action<EntityTypeBuilder<TEntity>>? configure = null) where TEntity : class
    {
        if (_entities.Any(e => e.ClrType == typeof(TEntity)))
            throw new InvalidOperationException($"Entity {typeof(TEntity).Name} is declared twice.");
        _entities.Add(new EntityDeclaration(typeof(TEntity), mb => configure?.Invoke(mb.Entity<TEntity>())));
        return this;
    }

    public IPluginBuilder AddEntity<TEntity>(IEntityTypeConfiguration<TEntity> configuration) where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return AddEntity<TEntity>(configuration.Configure);
    }

    public IPluginBuilder AddInstallationEntity<TEntity>(string reason, Action<EntityTypeBuilder<TEntity>>? configure = null) where TEntity : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (_entities.Any(e => e.ClrType == typeof(TEntity)))
            throw new InvalidOperationException($"Entity {typeof(TEntity).Name} is declared twice.");
        _entities.Add(new EntityDeclaration(typeof(TEntity), mb => configure?.Invoke(mb.Entity<TEntity>()), reason.Trim()));
        return this;
    }

    public IPluginBuilder MapEndpoints(Action<IEndpointRouteBuilder> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        _endpoints.Add(map);
        return this;
    }

    public IPluginBuilder AddPermission(string name, LocalizedText displayName, params string[] grantedTo)
    {
        ArgumentNullException.ThrowIfNull(displayName);
        if (grantedTo.FirstOrDefault(r => !StandardRoles.All.Contains(r)) is { } unknown)
            throw new ArgumentException($"Permission {name}: '{unknown}' is not a standard role ({string.Join(", ", StandardRoles.All)}).", nameof(grantedTo));
        if (!PermissionName().IsMatch(name ?? ""))
            throw new ArgumentException($"Permission name \"{name}\" must be lower-case words separated by dots, such as customer.read.", nameof(name));
        if (_permissions.Any(p => p.Name == name))
            throw new InvalidOperationException($"Permission {name} is declared twice.");
        _permissions.Add(new PermissionDefinition(Plugin.Id, name!, displayName, grantedTo.Distinct().ToList()));
        return this;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*$")]
    private static partial Regex PermissionName();

    private readonly List<ExtensionImplementation> _implementations = [];
    public IReadOnlyList<ExtensionImplementation> Implementations => _implementations;

    public IPluginBuilder Implement<TContract, TImplementation>(int order = 0) where TContract : class where TImplementation : class, TContract
    {
        if (!typeof(TContract).IsInterface) throw new ArgumentException($"{typeof(TContract).Name} is not an interface: an extension point is one.");
        if (_implementations.Any(i => i.Contract == typeof(TContract) && i.Implementation == typeof(TImplementation)))
            throw new InvalidOperationException($"{typeof(TImplementation).Name} implements {typeof(TContract).Name} twice.");
        _implementations.Add(new ExtensionImplementation(Plugin.Id, typeof(TContract), typeof(TImplementation), order));
        Services.AddScoped<TImplementation>();
        return this;
    }

    private readonly List<NumberSequenceDefinition> _sequences = [];
    public IReadOnlyList<NumberSequenceDefinition> Sequences => _sequences;

    public IPluginBuilder AddNumberSequence(string name, LocalizedText displayName, string defaultFormat)
    {
        ArgumentNullException.ThrowIfNull(displayName);
        if (!SetName().IsMatch(name ?? ""))
            throw new ArgumentException($"Sequence name \"{name}\" must be lower-case letters, digits and dashes, such as order.", nameof(name));
        if (_sequences.Any(s => s.Name == name)) throw new InvalidOperationException($"Number sequence {name} is declared twice.");
        if (Records.NumberFormat.Problem(defaultFormat) is { } problem) throw new ArgumentException($"Number sequence {name}: {problem}", nameof(defaultFormat));
        _sequences.Add(new NumberSequenceDefinition(Plugin.Id, name!, displayName, defaultFormat));
        return this;
    }

    private readonly List<LocalizedText> _messages = [];
    private readonly Localization.MessageCatalog _messageCheck = new();
    /// <summary>The Chinese of the plugin's messages (<see cref="IPluginBuilder.AddMessages"/>).</summary>
    public IReadOnlyList<LocalizedText> Messages => _messages;

    public IPluginBuilder AddMessages(params LocalizedText[] messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            _messageCheck.Add(message); // a message without Chinese, or with a placeholder of its own, fails Configure now
            _messages.Add(message);
        }
        return this;
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    private static partial Regex SetName();
}

/// <summary>An entity a plugin declared, with the EF Core configuration to apply to the shared model.</summary>
/// <summary>A plugin's implementation of an extension point.</summary>
internal sealed record ExtensionImplementation(string PluginId, Type Contract, Type Implementation, int Order);

/// <summary>An entity a plugin declared; <paramref name="InstallationReason"/> is set for a table of the installation, not of a tenant.</summary>
internal sealed record EntityDeclaration(Type ClrType, Action<ModelBuilder> Configure, string? InstallationReason = null);
