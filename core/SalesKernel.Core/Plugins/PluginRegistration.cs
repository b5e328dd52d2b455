using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Sdk;

namespace SalesKernel.Core.Plugins;

/// <summary>Collects what one plugin declares; applied to the host only if Configure succeeds.</summary>
internal sealed partial class PluginRegistration(PluginInfo plugin, IConfiguration configuration) : IPluginBuilder
{
    private readonly List<EntityDeclaration> _entities = [];
    private readonly List<Action<IEndpointRouteBuilder>> _endpoints = [];
    private readonly List<PermissionDefinition> _permissions = [];

    public PluginInfo Plugin { get; } = plugin;
    public IConfiguration Configuration { get; } = configuration;
    public IServiceCollection Services { get; } = new ServiceCollection();

    public IReadOnlyList<EntityDeclaration> Entities => _entities;
    public IReadOnlyList<Action<IEndpointRouteBuilder>> Endpoints => _endpoints;
    public IReadOnlyList<PermissionDefinition> Permissions => _permissions;

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

    public IPluginBuilder MapEndpoints(Action<IEndpointRouteBuilder> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        _endpoints.Add(map);
        return this;
    }

    public IPluginBuilder AddPermission(string name, LocalizedText displayName)
    {
        ArgumentNullException.ThrowIfNull(displayName);
        if (!PermissionName().IsMatch(name ?? ""))
            throw new ArgumentException($"Permission name \"{name}\" must be lower-case words separated by dots, such as customer.read.", nameof(name));
        if (_permissions.Any(p => p.Name == name))
            throw new InvalidOperationException($"Permission {name} is declared twice.");
        _permissions.Add(new PermissionDefinition(Plugin.Id, name!, displayName));
        return this;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*$")]
    private static partial Regex PermissionName();
}

/// <summary>An entity a plugin declared, with the EF Core configuration to apply to the shared model.</summary>
internal sealed record EntityDeclaration(Type ClrType, Action<ModelBuilder> Configure);
