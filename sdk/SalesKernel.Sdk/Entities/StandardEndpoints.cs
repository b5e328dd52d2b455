namespace SalesKernel.Sdk.Entities;

/// <summary>The generic endpoints an entity set gets; a plugin may switch any of them off.</summary>
[Flags]
public enum StandardEndpoints
{
    /// <summary>No generic endpoint.</summary>
    None = 0,
    /// <summary><c>GET /api/&lt;plugin&gt;/&lt;set&gt;</c> with filter, sort, search, paging and field selection.</summary>
    List = 1,
    /// <summary><c>GET /api/&lt;plugin&gt;/&lt;set&gt;/{id}</c>, with the record's version as ETag.</summary>
    Get = 2,
    /// <summary><c>POST /api/&lt;plugin&gt;/&lt;set&gt;</c>.</summary>
    Create = 4,
    /// <summary><c>PATCH /api/&lt;plugin&gt;/&lt;set&gt;/{id}</c>, honouring <c>If-Match</c>.</summary>
    Update = 8,
    /// <summary><c>DELETE /api/&lt;plugin&gt;/&lt;set&gt;/{id}</c>, honouring <c>If-Match</c>.</summary>
    Delete = 16,
    /// <summary><c>POST /api/&lt;plugin&gt;/&lt;set&gt;/bulk</c>: many creates in one transaction.</summary>
    BulkCreate = 32,
    /// <summary>Every generic endpoint.</summary>
    All = List | Get | Create | Update | Delete | BulkCreate,
}
