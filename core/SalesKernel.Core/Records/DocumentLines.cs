using System.Collections;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Records;

/// <summary>
/// The lines of a document: read from a client's body, kept in step with the header's collection when
/// the document is written, checked, and described for the audit and the API.
/// </summary>
internal static class DocumentLines
{
    /// <summary>
    /// The lines a client sent (a JSON array of objects), as new line instances; errors go to
    /// <paramref name="errors"/> as <c>lines[2].quantity</c>. Null when the array itself is wrong.
    /// </summary>
    public static List<object>? Read(JsonElement json, EntitySetDescriptor set, Dictionary<string, List<string>> errors)
    {
        var definition = set.Definition.Lines!;
        if (json.ValueKind != JsonValueKind.Array)
        {
            FieldValidation.Add(errors, definition.Name, "must be a JSON array of lines");
            return null;
        }
        var count = json.GetArrayLength();
        if (count > definition.MaxLines)
        {
            FieldValidation.Add(errors, definition.Name, $"must hold at most {definition.MaxLines} lines; it holds {count}");
            return null;
        }
        var lines = new List<object>(count);
        var i = 0;
        foreach (var element in json.EnumerateArray())
        {
            var values = RecordReader.Read(element, set.LineFields, isCreate: true, errors, $"{definition.Name}[{i}].");
            var (line, _) = RecordReader.NewEntity(definition.LineType, values);
            lines.Add(line);
            i++;
        }
        return lines;
    }

    /// <summary>The header's collection of lines.</summary>
    public static IList Collection(EntityEntry header, EntitySetDescriptor set)
    {
        var property = set.ClrType.GetProperty(set.Definition.Lines!.PropertyName)!;
        if (property.GetValue(header.Entity) is not IList list)
        {
            list = (IList)Activator.CreateInstance(property.PropertyType)!;
            property.SetValue(header.Entity, list);
        }
        return list;
    }

    /// <summary>Puts a loaded document's collection in line-number order.</summary>
    public static void SortByNumber(EntityEntry header, EntitySetDescriptor set)
    {
        var collection = Collection(header, set);
        var sorted = collection.Cast<IDocumentLine>().OrderBy(l => l.LineNumber).ToList();
        for (var i = 0; i < sorted.Count; i++) collection[i] = sorted[i];
    }

    /// <summary>The stored lines of a header, as tracked entries (their original values are the stored ones).</summary>
    public static List<EntityEntry> Tracked(DbContext db, EntitySetDescriptor set, Guid documentId) =>
        db.ChangeTracker.Entries()
            .Where(e => e.Metadata.ClrType == set.Definition.Lines!.LineType && e.State != EntityState.Added && e.State != EntityState.Detached
                && Equals(e.Property(nameof(IDocumentLine.DocumentId)).OriginalValue, documentId))
            .OrderBy(e => (int)e.Property(nameof(IDocumentLine.LineNumber)).OriginalValue!)
            .ToList();

    /// <summary>
    /// Makes the tracked lines what the header's collection holds: new lines are added (with an id, the
    /// document's id), lines no longer in it are deleted, and every line is numbered from 1 in its order.
    /// </summary>
    public static void Sync(DbContext db, EntityEntry header, EntitySetDescriptor set, List<EntityEntry> stored)
    {
        var documentId = ((IEntity)header.Entity).Id;
        var current = Collection(header, set).Cast<IDocumentLine>().ToList();
        var kept = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var number = 1;
        foreach (var line in current)
        {
            kept.Add(line);
            var entry = db.Entry(line);
            if (entry.State == EntityState.Detached || entry.State == EntityState.Added)
            {
                if (entry.State == EntityState.Detached && line.Id == Guid.Empty) line.Id = Guid.CreateVersion7();
                line.DocumentId = documentId;
                line.LineNumber = number++;
                entry.State = EntityState.Added;
                continue;
            }
            line.DocumentId = documentId;
            line.LineNumber = number++;
            if (entry.State == EntityState.Deleted) entry.State = EntityState.Modified;
        }
        foreach (var entry in stored.Where(e => !kept.Contains(e.Entity))) entry.State = EntityState.Deleted;
    }

    /// <summary>Whether the header's collection differs from its stored lines: lines added, removed, reordered or changed.</summary>
    public static bool Changed(DbContext db, EntityEntry header, EntitySetDescriptor set)
    {
        var stored = Tracked(db, set, ((IEntity)header.Entity).Id);
        var current = Collection(header, set);
        if (current.Count != stored.Count) return true;
        for (var i = 0; i < stored.Count; i++)
        {
            if (!ReferenceEquals(current[i], stored[i].Entity)) return true;
            stored[i].DetectChanges();
            if (stored[i].State != EntityState.Unchanged) return true;
        }
        return false;
    }

    /// <summary>Each line's values, by field name, for the audit: before (original values) or after (current).</summary>
    public static List<Dictionary<string, object?>> Snapshot(IEnumerable<EntityEntry> lines, IReadOnlyList<RecordField> fields, bool original) =>
        lines.Select(e => fields.ToDictionary(f => f.Name, f => original ? e.Property(f.PropertyName).OriginalValue : e.Property(f.PropertyName).CurrentValue)).ToList();

    /// <summary>Whether two snapshots hold the same lines with equal values (20.00 and 20 are one amount).</summary>
    public static bool Same(List<Dictionary<string, object?>> before, List<Dictionary<string, object?>>? after) =>
        after is not null && before.Count == after.Count
        && before.Zip(after).All(pair => pair.First.Count == pair.Second.Count && pair.First.All(v => Equals(v.Value, pair.Second.GetValueOrDefault(v.Key))));

    /// <summary>The current lines of a header in order, as entries.</summary>
    public static List<EntityEntry> Current(DbContext db, EntityEntry header, EntitySetDescriptor set) =>
        Collection(header, set).Cast<object>().Select(db.Entry).ToList();

    /// <summary>The lines of one document as the API shows them, in order.</summary>
    public static async Task<List<Dictionary<string, object?>>> ReadAsync(DbContext db, EntitySetDescriptor set, Guid documentId, CancellationToken cancellationToken)
    {
        var method = Data.GenericMethods.Of(typeof(DocumentLines), nameof(ReadTypedAsync), set.Definition.Lines!.LineType);
        return await (Task<List<Dictionary<string, object?>>>)method.Invoke(null, [db, set, documentId, cancellationToken])!;
    }

    private static async Task<List<Dictionary<string, object?>>> ReadTypedAsync<TLine>(DbContext db, EntitySetDescriptor set, Guid documentId, CancellationToken cancellationToken)
        where TLine : class, IDocumentLine
    {
        var lines = await db.Set<TLine>().AsNoTracking().Where(l => l.DocumentId == documentId).OrderBy(l => l.LineNumber).ToListAsync(cancellationToken);
        return lines.Select(line => set.LineFields.ToDictionary(f => f.Name, f => f.Property!.GetValue(line) is Enum e ? e.ToString() : f.Property!.GetValue(line))).ToList();
    }
}
