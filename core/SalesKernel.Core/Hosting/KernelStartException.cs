using System.Data.Common;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Hosting;

/// <summary>
/// The host cannot start: its configuration names what it does not know (a database provider), its database
/// could not be opened or prepared (the message says which database — provider and server, never the
/// password — and what it answered), or its address is taken. The host's entry point prints the message
/// and exits with 1 instead of a stack trace.
/// </summary>
public sealed class KernelStartException : Exception
{
    /// <summary>The host cannot start, for the reason <paramref name="message"/> says in a sentence or two.</summary>
    public KernelStartException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>The database could not be opened or prepared: <paramref name="error"/> is what it answered.</summary>
    public KernelStartException(DatabaseOptions database, DbException error, Exception inner)
        : base($"The database could not be opened or prepared ({database.Provider}{Server(database)}): {Sentence(error.Message)} " +
            "Check SalesKernel:Database:ConnectionString, that the server is running and reachable, and that its user may create the database's tables.", inner)
    {
    }

    /// <summary>The database's own error in <paramref name="e"/>'s chain, if there is one.</summary>
    public static DbException? DatabaseError(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is DbException db) return db;
        return null;
    }

    private static string Sentence(string message)
    {
        var text = message.Trim();
        return text.Length > 0 && char.IsPunctuation(text[^1]) ? text : text + ".";
    }

    private static string Server(DatabaseOptions database)
    {
        try
        {
            var named = new DbConnectionStringBuilder { ConnectionString = database.ConnectionString ?? "" };
            foreach (var key in new[] { "Host", "Server", "Data Source", "DataSource", "Address" })
                if (named.TryGetValue(key, out var value) && value?.ToString() is { Length: > 0 } server) return $" at {server}";
        }
        catch (ArgumentException)
        {
            // a connection string the builder cannot read: the provider's own error says more
        }
        return "";
    }
}
