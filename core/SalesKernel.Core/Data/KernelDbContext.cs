using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SalesKernel.Core.Audit;
using SalesKernel.Core.CustomFields;
using SalesKernel.Core.Outbox;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Security;
using SalesKernel.Core.Tenancy;
using SalesKernel.Core.Schema;

namespace SalesKernel.Core.Data;

/// <summary>
/// The one context of an installation. Its model is the kernel's own tables plus every entity the
/// started plugins declared; each entity type is annotated with the plugin that owns its table.
/// </summary>
/// <remarks>
/// Contexts are pooled (their services are set up once, not per request): the pool makes one from the
/// options alone — the plugin catalog travels in them (<see cref="KernelContextExtension"/>) — and each
/// request's scope leases it for its caller (<see cref="Lease"/>).
/// </remarks>
public sealed class KernelDbContext : DbContext, Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.IDataProtectionKeyContext
{
    public KernelDbContext(DbContextOptions<KernelDbContext> options) : base(options) =>
        Catalog = options.FindExtension<KernelContextExtension>()?.Catalog
            ?? throw new InvalidOperationException("The kernel's context options carry no plugin catalog (KernelContextExtension).");

    /// <summary>A context outside the pool, for a caller (checking a plugin's model before the host is built).</summary>
    internal KernelDbContext(DbContextOptions<KernelDbContext> options, PluginCatalog catalog, CallerContext caller) : base(options)
    {
        Catalog = catalog;
        _caller = caller;
    }

    private CallerContext _caller = CallerContext.None;
    private bool _heldByScope;

    /// <summary>Gives a pooled context to a scope's caller, with nothing left of its previous lease.</summary>
    internal KernelDbContext Lease(CallerContext caller)
    {
        _caller = caller;
        _pipelineWrites = 0;
        AccessChanges.Clear();
        _heldByScope = true;
        return this;
    }

    /// <summary>
    /// Ends a scope's lease: the context goes back to its pool. While a scope holds it, disposing it (as
    /// the container does, once for each service name it was asked for: the context and
    /// <see cref="DbContext"/>) does nothing — a second dispose would otherwise reach a context already
    /// back in the pool, or leased again.
    /// </summary>
    internal ValueTask ReturnAsync()
    {
        if (!_heldByScope) return ValueTask.CompletedTask;
        _heldByScope = false;
        return base.DisposeAsync();
    }

    internal void Return()
    {
        if (!_heldByScope) return;
        _heldByScope = false;
        base.Dispose();
    }

    public override void Dispose()
    {
        if (!_heldByScope) base.Dispose();
    }

    public override ValueTask DisposeAsync() => _heldByScope ? ValueTask.CompletedTask : base.DisposeAsync();

    /// <summary>
    /// Rows of every tenant, for the work that is the installation's, not a tenant's: sign-in before the
    /// caller is known, background workers, the platform administrator. The one named way around the
    /// tenant filter.
    /// </summary>
    internal IQueryable<T> AcrossTenants<T>() where T : class => Set<T>().IgnoreQueryFilters();

    /// <summary>The tenant whose entity-set rows queries see; no tenant sees none.</summary>
    public Guid CurrentTenantId => _caller.TenantId ?? Guid.Empty;

    internal CallerContext Caller => _caller;

    public const string OwnerAnnotation = "SalesKernel:Owner";
    public const string KernelOwner = "kernel";

    internal PluginCatalog Catalog { get; }

    private int _pipelineWrites;

    /// <summary>Tenants whose access this context's saves changed and a transaction still holds (see <see cref="AccessChangeInterceptor"/>).</summary>
    internal HashSet<Guid?> AccessChanges { get; } = [];

    /// <summary>The Data Protection key ring, when it is kept in the database (<c>SalesKernel:Keys:Store</c> = <c>Database</c>).</summary>
    public DbSet<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey> DataProtectionKeys => Set<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>();

    /// <summary>Whether the write pipeline (or the demo seed's bulk writer) is saving: only then may entity-set records be written.</summary>
    internal bool IsPipelineWrite => _pipelineWrites > 0;

    /// <summary>Marks the saves made until disposal as the pipeline's own.</summary>
    internal IDisposable PipelineWrite()
    {
        _pipelineWrites++;
        return new Scope(this);
    }

    private sealed class Scope(KernelDbContext db) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            db._pipelineWrites--;
        }
    }

    public DbSet<SchemaHistoryEntry> SchemaHistory => Set<SchemaHistoryEntry>();
    public DbSet<AuditEntry> Audit => Set<AuditEntry>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<CustomFieldDefinition> CustomFieldDefinitions => Set<CustomFieldDefinition>();
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<TenantPlugin> TenantPlugins => Set<TenantPlugin>();
    public DbSet<UserAccount> Users => Set<UserAccount>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<Role> Roles => Set<Role>();
    public DbSet<RoleGrant> RoleGrants => Set<RoleGrant>();
    public DbSet<UserRole> UserRoles => Set<UserRole>();
    public DbSet<FieldRule> FieldRules => Set<FieldRule>();
    public DbSet<RecordShare> Shares => Set<RecordShare>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every time is stored as UTC and read back as UTC, whatever the provider keeps of the kind.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<SchemaHistoryEntry>(SchemaHistoryEntry.Configure);
        modelBuilder.Entity<SchemaHistoryEntry>().HasAnnotation(OwnerAnnotation, KernelOwner);
        modelBuilder.Entity<AuditEntry>(AuditEntry.Configure);
        modelBuilder.Entity<OutboxMessage>(OutboxMessage.Configure);
        modelBuilder.Entity<CustomFieldDefinition>(CustomFieldDefinition.Configure);
        modelBuilder.Entity<Tenant>(Tenant.Configure);
        modelBuilder.Entity<TenantPlugin>(TenantPlugin.Configure);
        modelBuilder.Entity<UserAccount>(UserAccount.Configure);
        modelBuilder.Entity<Team>(Team.Configure);
        modelBuilder.Entity<Role>(Role.Configure);
        modelBuilder.Entity<RoleGrant>(RoleGrant.Configure);
        modelBuilder.Entity<UserRole>(UserRole.Configure);
        modelBuilder.Entity<FieldRule>(FieldRule.Configure);
        modelBuilder.Entity<RecordShare>(RecordShare.Configure);
        modelBuilder.Entity<Records.IdempotencyRecord>(Records.IdempotencyRecord.Configure);
        modelBuilder.Entity<ChangeStamp>(ChangeStamp.Configure);
        modelBuilder.Entity<SignInWindow>(SignInWindow.Configure);
        modelBuilder.Entity<SignInFailure>(SignInFailure.Configure);
        // the Data Protection key ring, when SalesKernel:Keys:Store is Database (the table exists either way)
        modelBuilder.Entity<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>(b => b.ToTable("sk_data_protection_key"));
        modelBuilder.Entity<ApiKey>(ApiKey.Configure);
        modelBuilder.Entity<RefreshToken>(RefreshToken.Configure);
        modelBuilder.Entity<Records.NumberCounter>(Records.NumberCounter.Configure);
        modelBuilder.Entity<Records.NumberFormatSetting>(Records.NumberFormatSetting.Configure);
        modelBuilder.Entity<Hosting.DemoSeedRun>(Hosting.DemoSeedRun.Configure);
        modelBuilder.Entity<Workflow.TransitionRecord>(Workflow.TransitionRecord.Configure);
        modelBuilder.Entity<Jobs.JobSchedule>(Jobs.JobSchedule.Configure);
        modelBuilder.Entity<Jobs.JobRunRecord>(Jobs.JobRunRecord.Configure);
        modelBuilder.Entity<Webhooks.WebhookSubscription>(Webhooks.WebhookSubscription.Configure);
        modelBuilder.Entity<Webhooks.WebhookDelivery>(Webhooks.WebhookDelivery.Configure);
        modelBuilder.Entity<Workflow.ApprovalPolicy>(Workflow.ApprovalPolicy.Configure);
        modelBuilder.Entity<Workflow.ApprovalRequest>(Workflow.ApprovalRequest.Configure);
        modelBuilder.Entity<Automation.AutomationRule>(Automation.AutomationRule.Configure);
        modelBuilder.Entity<Automation.AutomationRun>(Automation.AutomationRun.Configure);

        TenantData.Apply(modelBuilder, this);

        var jsonColumnType = Database.IsNpgsql() ? "jsonb" : null;
        foreach (var (plugin, entity) in Catalog.Entities)
        {
            var isSet = Catalog.EntitySets.Any(s => s.Set.ClrType == entity.ClrType);
            // the kernel's columns first, so the plugin's model can refer to them (an index on OwnerId)
            if (Catalog.EntitySets.FirstOrDefault(s => s.Set.ClrType == entity.ClrType).Set is { } ownSet)
                EntitySetModel.AddSystemFields(modelBuilder, ownSet, jsonColumnType);
            entity.Configure(modelBuilder);
            var entityType = modelBuilder.Entity(entity.ClrType).Metadata;
            entityType.SetAnnotation(OwnerAnnotation, plugin.Id);
            if (((IConventionEntityType)entityType).GetTableNameConfigurationSource() is null or ConfigurationSource.Convention)
                entityType.SetTableName(DefaultTableName(plugin.Id, entity.ClrType));
            // a plugin's own table holds the tenant's data like its entity sets do, unless declared for the installation
            if (!isSet) TenantData.ApplyToPluginEntity(modelBuilder, entity, this);
        }

        JsonDocumentFunctions.Register(modelBuilder, Database.IsNpgsql(), Database.IsSqlServer(), this.GetService<IRelationalTypeMappingSource>());
        foreach (var (_, set) in Catalog.EntitySets)
        {
            EntitySetModel.AddSystemIndexes(modelBuilder, set);
            EntitySetModel.AddTenantFilter(modelBuilder, set, this);
        }
        foreach (var (_, extension) in Catalog.Extensions) EntitySetModel.AddExtension(modelBuilder, extension);
        EntitySetModel.RestrictDeletes(modelBuilder, Catalog.EntitySets.Select(s => s.Set.ClrType).ToHashSet(),
            Catalog.EntitySets.Where(s => s.Set.Lines is not null).Select(s => s.Set.Lines!.LineType).ToHashSet());
    }

    /// <summary><c>&lt;plugin id&gt;_&lt;entity name&gt;</c> in lower case, dots and dashes as underscores.</summary>
    public static string DefaultTableName(string pluginId, Type clrType) =>
        $"{pluginId.Replace('.', '_').Replace('-', '_')}_{clrType.Name}".ToLowerInvariant();
}

/// <summary>Carries a host's plugin catalog in its context options, for the pooled contexts made from them.</summary>
internal sealed class KernelContextExtension(PluginCatalog catalog) : IDbContextOptionsExtension
{
    public PluginCatalog Catalog => catalog;
    public DbContextOptionsExtensionInfo Info => new ExtensionInfo(this);
    public void ApplyServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services) { }
    public void Validate(IDbContextOptions options) { }

    private sealed class ExtensionInfo(IDbContextOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;
        public override string LogFragment => "";
        public override int GetServiceProviderHashCode() => 0;
        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;
        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) { }
    }
}

/// <summary>A scope's lease of a pooled context: the one thing that gives it back (see <see cref="KernelDbContext.ReturnAsync"/>).</summary>
internal sealed class KernelContextLease(IDbContextFactory<KernelDbContext> factory, CallerContext caller) : IDisposable, IAsyncDisposable
{
    public KernelDbContext Context { get; } = factory.CreateDbContext().Lease(caller);
    public void Dispose() => Context.Return();
    public ValueTask DisposeAsync() => Context.ReturnAsync();
}
