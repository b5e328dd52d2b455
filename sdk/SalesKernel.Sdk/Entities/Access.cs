namespace SalesKernel.Sdk.Entities;

/// <summary>How far a privilege reaches over an owned entity set's records.</summary>
public enum AccessDepth
{
    /// <summary>Not granted.</summary>
    None = 0,
    /// <summary>Records the user owns or that were shared with them.</summary>
    Own = 1,
    /// <summary>Records of the user's team, and their own.</summary>
    Team = 2,
    /// <summary>Records of the user's team and every team below it.</summary>
    TeamAndBelow = 3,
    /// <summary>Every record of the tenant.</summary>
    Tenant = 4,
}

/// <summary>The roles every tenant has; plugins declare default grants for them.</summary>
public static class StandardRoles
{
    /// <summary>Administers the tenant: everything, everywhere.</summary>
    public const string TenantAdmin = "tenant-admin";
    /// <summary>Manages a sales team: sees and approves the team's work.</summary>
    public const string SalesManager = "sales-manager";
    /// <summary>Works their own customers, leads and deals.</summary>
    public const string SalesRep = "sales-rep";
    /// <summary>Handles service cases.</summary>
    public const string ServiceAgent = "service-agent";
    /// <summary>Reads, changes nothing.</summary>
    public const string ReadOnly = "read-only";

    /// <summary>All of them, in order.</summary>
    public static readonly IReadOnlyList<string> All = [TenantAdmin, SalesManager, SalesRep, ServiceAgent, ReadOnly];
}

/// <summary>The privileges every entity set has; a set may declare more (such as <c>approve</c>).</summary>
public static class Privileges
{
    /// <summary>See records.</summary>
    public const string Read = "read";
    /// <summary>Create records.</summary>
    public const string Create = "create";
    /// <summary>Change records.</summary>
    public const string Update = "update";
    /// <summary>Delete records.</summary>
    public const string Delete = "delete";
    /// <summary>Give a record to another owner.</summary>
    public const string Assign = "assign";
    /// <summary>Let another user see a record.</summary>
    public const string Share = "share";
    /// <summary>Export records.</summary>
    public const string Export = "export";

    /// <summary>The standard privileges, in order.</summary>
    public static readonly IReadOnlyList<string> Standard = [Read, Create, Update, Delete, Assign, Share, Export];
}

/// <summary>A privilege a role gets by default, at a depth.</summary>
/// <param name="Role">A standard role, see <see cref="StandardRoles"/>.</param>
/// <param name="Privilege">A standard or declared privilege.</param>
/// <param name="Depth">How far it reaches.</param>
internal sealed record DefaultGrant(string Role, string Privilege, AccessDepth Depth);
