using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;

namespace SalesKernel.Core.Security;

/// <summary>
/// The access-token format with what it unprotected kept until the token expires: a bearer token is
/// decrypted and its MAC checked (Data Protection derives the keys per call) once per host, not on every
/// request. Only what the key ring itself would have answered is kept — the same token string gives the
/// same ticket — and every caller gets its own copy of it; expiry is still checked by the handler and
/// revocation by the security stamp, per request. Bounded in entries.
/// </summary>
internal sealed class CachedTicketFormat(ISecureDataFormat<AuthenticationTicket> inner, TimeProvider clock) : ISecureDataFormat<AuthenticationTicket>, IDisposable
{
    /// <summary>Tokens kept at most (about 2 KB each with their ticket).</summary>
    public const int MaxEntries = 20_000;

    private readonly MemoryCache _tickets = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (string.IsNullOrEmpty(protectedText) || protectedText.Length > 8_192) return inner.Unprotect(protectedText, purpose);
        var key = (purpose, protectedText);
        if (!_tickets.TryGetValue(key, out AuthenticationTicket? ticket))
        {
            ticket = inner.Unprotect(protectedText, purpose);
            // a token that does not unprotect is not kept (a flood of made-up tokens fills nothing)
            if (ticket?.Properties.ExpiresUtc is not { } expires || expires <= clock.GetUtcNow()) return ticket;
            _tickets.Set(key, ticket, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = expires });
        }
        // identities copied too (a principal's clone shares them): what one request adds to its caller stays in it
        return ticket is null ? null
            : new AuthenticationTicket(new System.Security.Claims.ClaimsPrincipal(ticket.Principal.Identities.Select(i => i.Clone())), ticket.Properties.Clone(), ticket.AuthenticationScheme);
    }

    public void Dispose() => _tickets.Dispose();
}

/// <summary>Wraps the bearer scheme's access-token format in <see cref="CachedTicketFormat"/>.</summary>
internal sealed class CachedBearerTickets(TimeProvider clock) : Microsoft.Extensions.Options.IPostConfigureOptions<Microsoft.AspNetCore.Authentication.BearerToken.BearerTokenOptions>
{
    public void PostConfigure(string? name, Microsoft.AspNetCore.Authentication.BearerToken.BearerTokenOptions options)
    {
        if (options.BearerTokenProtector is not CachedTicketFormat) options.BearerTokenProtector = new CachedTicketFormat(options.BearerTokenProtector, clock);
    }
}
