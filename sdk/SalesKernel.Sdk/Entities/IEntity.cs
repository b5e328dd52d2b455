namespace SalesKernel.Sdk.Entities;

/// <summary>
/// An entity exposed as an entity set. Its key is a <see cref="Guid"/> the kernel assigns on create
/// (time-ordered, version 7) when the client does not supply one.
/// </summary>
/// <remarks>
/// The kernel adds system fields to every entity set without the class declaring them:
/// <c>createdAt</c>, <c>updatedAt</c>, <c>createdBy</c>, <c>updatedBy</c> and <c>version</c> (the
/// optimistic-concurrency token sent as the ETag). Read them in queries with
/// <see cref="SystemFields"/> and <c>EF.Property</c>.
/// </remarks>
public interface IEntity
{
    /// <summary>The record's identifier.</summary>
    Guid Id { get; set; }
}

/// <summary>Names of the fields the kernel keeps on every entity set.</summary>
public static class SystemFields
{
    /// <summary>When the record was created (UTC). Column and property <c>CreatedAtUtc</c>.</summary>
    public const string CreatedAt = "CreatedAtUtc";
    /// <summary>When the record was last changed (UTC). Column and property <c>UpdatedAtUtc</c>.</summary>
    public const string UpdatedAt = "UpdatedAtUtc";
    /// <summary>Who created the record (user id). Column and property <c>CreatedBy</c>.</summary>
    public const string CreatedBy = "CreatedBy";
    /// <summary>Who last changed the record (user id). Column and property <c>UpdatedBy</c>.</summary>
    public const string UpdatedBy = "UpdatedBy";
    /// <summary>Increases with every change; the ETag of the record. Column and property <c>RowVersion</c>.</summary>
    public const string Version = "RowVersion";
    /// <summary>The user owning the record, on owned sets. Column and property <c>OwnerId</c>.</summary>
    public const string OwnerId = "OwnerId";
    /// <summary>The team owning the record, on owned sets. Column and property <c>TeamId</c>.</summary>
    public const string TeamId = "TeamId";
    /// <summary>The record's custom field values (JSON). Column and property <c>CustomFields</c>.</summary>
    public const string CustomFields = "CustomFields";
}
