namespace SalesKernel.Sdk.Entities;

/// <summary>A business rule refuses a write. The write is rolled back; the client gets 422 naming the rule.</summary>
/// <param name="rule">A stable name for the rule, e.g. <c>credit.limit-exceeded</c>.</param>
/// <param name="message">What is wrong, for the user.</param>
public sealed class RuleViolationException(string rule, string message) : Exception(message)
{
    /// <summary>The rule's stable name.</summary>
    public string Rule { get; } = rule;
}

/// <summary>The record does not exist (or is not visible to the caller). The client gets 404.</summary>
/// <param name="entitySet">The entity set's full name.</param>
/// <param name="id">The id asked for.</param>
public sealed class RecordNotFoundException(string entitySet, Guid id)
    : Exception($"There is no {entitySet} record with id {id}.")
{
    /// <summary>The entity set's full name.</summary>
    public string EntitySet { get; } = entitySet;
    /// <summary>The id asked for.</summary>
    public Guid Id { get; } = id;
}

/// <summary>The record changed since the caller read it. The client gets 412.</summary>
/// <param name="entitySet">The entity set's full name.</param>
/// <param name="id">The record's id.</param>
/// <param name="expected">The version the caller had.</param>
/// <param name="actual">The version stored now, when known.</param>
public sealed class ConcurrencyConflictException(string entitySet, Guid id, long expected, long? actual)
    : Exception($"The {entitySet} record {id} was changed by someone else: you had version {expected}" +
        (actual is { } a ? $", it is now at version {a}." : "."))
{
    /// <summary>The version stored now, when known.</summary>
    public long? ActualVersion { get; } = actual;
}

/// <summary>Field values are invalid. The client gets 400 with the errors per field.</summary>
/// <param name="errors">Messages by API field name.</param>
public sealed class RecordValidationException(IReadOnlyDictionary<string, string[]> errors)
    : Exception("One or more fields are invalid: " + string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")))
{
    /// <summary>Messages by API field name.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>
/// The write looks like a duplicate of existing records. The client gets 409 with the candidates'
/// ids, and may repeat the write with <c>?force=true</c> to make it anyway.
/// </summary>
/// <param name="entitySet">The entity set's full name.</param>
/// <param name="candidates">The ids of the records it may duplicate.</param>
/// <param name="message">Why, for the user.</param>
public sealed class DuplicateRecordException(string entitySet, IReadOnlyList<Guid> candidates, string message) : Exception(message)
{
    /// <summary>The entity set's full name.</summary>
    public string EntitySet { get; } = entitySet;
    /// <summary>The records it may duplicate.</summary>
    public IReadOnlyList<Guid> Candidates { get; } = candidates;
}

/// <summary>
/// What deleting a record does to the records of another entity set that refer to it. The kernel runs
/// it through the write pipeline — privileges, handlers, audit and events apply to each record it
/// touches — and the database refuses any delete that would leave a reference dangling.
/// </summary>
public enum DeleteRule
{
    /// <summary>The delete is refused (409) while such records exist, naming their set and how many there are.</summary>
    Restrict,
    /// <summary>They are deleted with it, each as an audited delete the caller must be allowed to make (the contacts of a customer).</summary>
    Cascade,
    /// <summary>Their reference is emptied, as an audited update (the contact an opportunity named).</summary>
    Detach,
}

/// <summary>Records of other sets refer to a record being deleted, and their rule refuses it. The client gets 409.</summary>
/// <param name="entitySet">The full name of the set of the record being deleted.</param>
/// <param name="id">The record's id.</param>
/// <param name="usedBy">What refers to it: entity set, field and how many records.</param>
public sealed class RecordInUseException(string entitySet, Guid id, IReadOnlyList<RecordUse> usedBy)
    : Exception($"The {entitySet} record {id} cannot be deleted while {string.Join(", ", usedBy.Select(u => $"{u.Count} {u.EntitySet} record(s)"))} refer to it.")
{
    /// <summary>The full name of the set of the record being deleted.</summary>
    public string EntitySet { get; } = entitySet;
    /// <summary>The record's id.</summary>
    public Guid Id { get; } = id;
    /// <summary>What refers to it.</summary>
    public IReadOnlyList<RecordUse> UsedBy { get; } = usedBy;
}

/// <summary>Records of one set that refer to a record through one field.</summary>
/// <param name="EntitySet">The referring set's full name.</param>
/// <param name="Field">The referring field's API name.</param>
/// <param name="Count">How many records.</param>
public sealed record RecordUse(string EntitySet, string Field, int Count);
