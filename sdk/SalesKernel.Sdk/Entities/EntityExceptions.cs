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
