using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Records;

/// <summary>The non-generic face of a write in progress, for the pipeline to call typed handlers with.</summary>
internal interface IRecordChange
{
    EntityEntry Entry { get; }
    WriteOperation Operation { get; }
    bool AllowSet { get; set; }
    Task InvokeHandlerAsync(object handler, CancellationToken cancellationToken);
    Task<ValidationResult> ValidateAsync(object validator, CancellationToken cancellationToken);
    /// <summary>Fixes the changed fields once the write is saved (the entry no longer shows them).</summary>
    void Freeze(IReadOnlyCollection<string> changedFields);
}

internal sealed class EntityChange<TEntity>(
    EntitySetDescriptor set,
    EntityEntry entry,
    WriteOperation operation,
    TEntity? before,
    IReadOnlyDictionary<string, object?> beforeValues,
    IReadOnlyList<RecordField> fields,
    Func<IReadOnlyCollection<string>> changedFields,
    int depth,
    string? userId,
    bool confirmed,
    Func<IEnumerable<object>> unsaved) : IEntityChange<TEntity>, IRecordChange
    where TEntity : class, IEntity
{
    public EntityEntry Entry => entry;
    public WriteOperation Operation => operation;
    public bool AllowSet { get; set; }
    public string EntitySet => set.FullName;
    public Guid Id => ((IEntity)entry.Entity).Id;
    public TEntity? Before => before;
    public TEntity? After => operation == WriteOperation.Delete ? null : (TEntity)entry.Entity;
    private IReadOnlyCollection<string>? _frozen;

    public IReadOnlyCollection<string> ChangedFields => _frozen ?? changedFields();

    public void Freeze(IReadOnlyCollection<string> changed) => _frozen = changed;
    public int Depth => depth;
    public string? UserId => userId;
    public bool IsConfirmed => confirmed;
    public IReadOnlyList<TEntity> Unsaved => unsaved().OfType<TEntity>().Where(e => !ReferenceEquals(e, entry.Entity)).ToList();

    public object? GetBefore(string field) =>
        operation == WriteOperation.Create ? null : beforeValues.GetValueOrDefault(Field(field).Name);

    public object? GetAfter(string field) =>
        operation == WriteOperation.Delete ? null : RecordValues.Get(entry, Field(field));

    public void Set(string field, object? value)
    {
        if (!AllowSet) throw new InvalidOperationException("Fields can be set only by pre-operation handlers of a create or update.");
        RecordValues.Set(entry, Field(field), value);
    }

    public Task InvokeHandlerAsync(object handler, CancellationToken cancellationToken) =>
        ((IEntityHandler<TEntity>)handler).HandleAsync(this, cancellationToken);

    public Task<ValidationResult> ValidateAsync(object validator, CancellationToken cancellationToken) =>
        ((IValidator<TEntity>)validator).ValidateAsync((TEntity)entry.Entity, cancellationToken);

    private RecordField Field(string name) =>
        fields.FirstOrDefault(f => f.Name == name) ?? throw new ArgumentException($"{set.FullName} has no field '{name}'.", nameof(name));
}
