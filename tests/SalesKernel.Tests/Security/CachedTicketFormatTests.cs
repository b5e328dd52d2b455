using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using SalesKernel.Core.Security;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Security;

/// <summary>Bearer tickets are unprotected once per token and host; each request gets its own copy.</summary>
public sealed class CachedTicketFormatTests
{
    private sealed class CountingFormat(ISecureDataFormat<AuthenticationTicket> inner) : ISecureDataFormat<AuthenticationTicket>
    {
        public int Unprotects;
        public string Protect(AuthenticationTicket data) => inner.Protect(data);
        public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);
        public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);
        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
        {
            Unprotects++;
            return inner.Unprotect(protectedText, purpose);
        }
    }

    private static AuthenticationTicket Ticket(DateTimeOffset expires) => new(
        new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "u1")], "BearerToken")),
        new AuthenticationProperties { ExpiresUtc = expires }, "BearerToken");

    [Fact]
    public void A_token_is_unprotected_once_and_every_caller_gets_a_copy_of_its_own()
    {
        var clock = new MovableClock();
        var inner = new CountingFormat(new TicketDataFormat(new EphemeralDataProtectionProvider().CreateProtector("tests")));
        using var format = new CachedTicketFormat(inner, clock);
        var token = format.Protect(Ticket(clock.GetUtcNow().AddMinutes(5)));

        var first = format.Unprotect(token)!;
        var second = format.Unprotect(token)!;
        Assert.Equal(1, inner.Unprotects);
        Assert.Equal("u1", second.Principal.FindFirstValue(ClaimTypes.NameIdentifier));
        ((ClaimsIdentity)first.Principal.Identity!).AddClaim(new Claim("added", "by one request"));
        Assert.Null(second.Principal.FindFirst("added"));
        Assert.Null(format.Unprotect(token)!.Principal.FindFirst("added"));

        // what does not unprotect is asked of the key ring every time, and kept nowhere
        Assert.Null(format.Unprotect(token[..^4] + "AAAA"));
        Assert.Null(format.Unprotect(token[..^4] + "AAAA"));
        Assert.Equal(3, inner.Unprotects);
    }

    [Fact]
    public void A_ticket_that_has_expired_is_not_kept()
    {
        var clock = new MovableClock();
        var inner = new CountingFormat(new TicketDataFormat(new EphemeralDataProtectionProvider().CreateProtector("tests")));
        using var format = new CachedTicketFormat(inner, clock);
        var token = format.Protect(Ticket(clock.GetUtcNow().AddMinutes(-1)));
        Assert.NotNull(format.Unprotect(token));
        Assert.NotNull(format.Unprotect(token));
        Assert.Equal(2, inner.Unprotects);
    }
}
