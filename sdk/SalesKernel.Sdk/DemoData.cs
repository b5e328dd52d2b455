using SalesKernel.Sdk.Entities;

namespace SalesKernel.Sdk;

/// <summary>
/// A plugin's share of the demo data the <c>seed-demo</c> command writes. Seeders run in plugin
/// dependency order (customers before the opportunities that reference them), for the tenant being
/// seeded, and only for plugins the tenant has switched on. Declare one with
/// <see cref="IPluginBuilder.AddDemoData{TSeeder}"/>.
/// </summary>
/// <remarks>
/// Make the data deterministic: derive every random choice from <see cref="IDemoData.Seed"/> (with
/// Bogus: <c>new Faker&lt;T&gt;().UseSeed(demo.Seed)</c>), so the same command gives the same data.
/// </remarks>
public interface IDemoDataSeeder
{
    /// <summary>Writes the plugin's demo records.</summary>
    /// <param name="demo">The tenant, its demo users, the size asked for, and the bulk writer.</param>
    /// <param name="cancellationToken">Cancelled when the command is interrupted (Ctrl+C).</param>
    /// <returns>A task.</returns>
    Task SeedAsync(IDemoData demo, CancellationToken cancellationToken);
}

/// <summary>What a demo seeder works with.</summary>
public interface IDemoData
{
    /// <summary>The tenant being seeded.</summary>
    Guid TenantId { get; }

    /// <summary>The base of every random choice, from the command line (<c>--seed</c>).</summary>
    int Seed { get; }

    /// <summary>
    /// How many customer accounts were asked for (<c>--customers</c>); other plugins size their data
    /// from it (say, half as many leads).
    /// </summary>
    int Customers { get; }

    /// <summary>"Now" for the demo: dates are spread around it.</summary>
    DateTime NowUtc { get; }

    /// <summary>The sales users the command created (managers and reps) to own records.</summary>
    IReadOnlyList<DemoUser> Users { get; }

    /// <summary>Records of the tenant already written (by this seeder or earlier ones), for LINQ queries translated to SQL.</summary>
    /// <typeparam name="TEntity">An entity-set type.</typeparam>
    /// <returns>A query.</returns>
    IQueryable<TEntity> Query<TEntity>() where TEntity : class, IEntity;

    /// <summary>
    /// Writes records in bulk, in batches of a few thousand (one transaction each), filling the
    /// kernel's fields: tenant, creation time and author, owner and team. It bypasses handlers,
    /// state machines and per-record audit (one audit entry per batch names the command), so a
    /// seeder may put records straight into any state. Records are enumerated lazily: generate
    /// them as you go rather than building a list of a million.
    /// </summary>
    /// <typeparam name="TEntity">An entity-set type.</typeparam>
    /// <param name="records">The records, each with its owner (null for none) and creation time.</param>
    /// <param name="progress">Advanced by one per record written; null for none.</param>
    /// <param name="cancellationToken">Cancels the write (batches already written stay).</param>
    /// <returns>How many records were written.</returns>
    Task<long> InsertAsync<TEntity>(IEnumerable<DemoRecord<TEntity>> records, IDemoProgress? progress, CancellationToken cancellationToken)
        where TEntity : class, IEntity;

    /// <summary>A progress line the command shows while the seeder works.</summary>
    /// <param name="description">What is being written, such as "Customers".</param>
    /// <param name="total">How many records it will be.</param>
    /// <returns>The progress to advance.</returns>
    IDemoProgress Progress(string description, long total);
}

/// <summary>A record to write, with who owns it and when it was created.</summary>
/// <typeparam name="TEntity">The entity type.</typeparam>
/// <param name="Entity">The record; an empty id gets a new one.</param>
/// <param name="Owner">Its owner (with the owner's team), or null for none.</param>
/// <param name="CreatedAtUtc">When it was created.</param>
public sealed record DemoRecord<TEntity>(TEntity Entity, DemoUser? Owner, DateTime CreatedAtUtc) where TEntity : class, IEntity;

/// <summary>A user the demo command created.</summary>
/// <param name="Id">The user's id, as records store it in <c>OwnerId</c>.</param>
/// <param name="Name">Display name.</param>
/// <param name="Email">Sign-in email.</param>
/// <param name="TeamId">Their team.</param>
/// <param name="Role">Their standard role (<see cref="StandardRoles"/>).</param>
public sealed record DemoUser(string Id, string Name, string Email, Guid? TeamId, string Role);

/// <summary>One progress line of the demo command.</summary>
public interface IDemoProgress
{
    /// <summary>Adds to the count done.</summary>
    /// <param name="count">How many more are done.</param>
    void Advance(long count);
}
