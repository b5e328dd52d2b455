using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SalesKernel.Core.Data;
using SalesKernel.Core.Outbox;

namespace SalesKernel.Core.Webhooks;

/// <summary>
/// Sends webhook deliveries: POST of the event as JSON, signed with HMAC-SHA256 of the body under the
/// subscription's secret (<c>X-SalesKernel-Signature: sha256=&lt;hex&gt;</c>). A failure (no answer in
/// 10 s, or not 2xx) is retried with exponential back-off (2 s, 4 s, … at most an hour) up to
/// <see cref="MaxAttempts"/>. Deliveries live in the database, so none is lost across a restart.
/// Several hosts on one database send each attempt once: a host leases a delivery (one conditional
/// update) before sending it and lets it go when the attempt is recorded; a delivery whose host died
/// mid-send is taken again when the lease (<c>SalesKernel:Webhooks:LeaseSeconds</c>, 20) runs out.
/// </summary>
internal sealed class WebhookSender(IServiceScopeFactory scopes, IHttpClientFactory clients, IDataProtectionProvider protection,
    OutboxSignal signal, TimeProvider clock, IConfiguration configuration, ILogger<WebhookSender> logger, Telemetry.KernelMetrics metrics) : BackgroundService
{
    public const int MaxAttempts = 10;
    public const string ClientName = "webhooks";
    public const string SecretPurpose = "SalesKernel.Webhooks.Secret";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("SalesKernel:Webhooks:PollSeconds", 2)));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await SendDueAsync(stoppingToken) > 0) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Webhook deliveries could not be read; trying again shortly");
            }
            await signal.WaitAsync(poll, stoppingToken, "webhooks");
        }
    }

    /// <summary>How long a host holds a delivery it is sending (longer than the 10 s a receiver has to answer).</summary>
    private TimeSpan LeaseTime => TimeSpan.FromSeconds(Math.Max(15, configuration.GetValue("SalesKernel:Webhooks:LeaseSeconds", 20)));

    private async Task<int> SendDueAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.AcrossTenants<WebhookDelivery>()
            .Where(d => d.DeliveredAtUtc == null && d.GaveUpAtUtc == null && d.NextAttemptAtUtc <= now && (d.LeasedUntilUtc == null || d.LeasedUntilUtc < now))
            .OrderBy(d => d.Id).Take(20).ToListAsync(ct);
        if (due.Count == 0) return 0;
        var hooks = await db.AcrossTenants<WebhookSubscription>().AsNoTracking().Where(w => due.Select(d => d.WebhookId).Contains(w.Id)).ToDictionaryAsync(w => w.Id, ct);
        var protector = protection.CreateProtector(SecretPurpose);
        var client = clients.CreateClient(ClientName);
        foreach (var delivery in due)
        {
            // several hosts poll the same deliveries: one conditional update makes this attempt one host's —
            // none took it since it was read (the attempt count is unchanged) and no lease of another host runs
            var attempts = delivery.Attempts;
            // the lease from now, for this delivery: those before it in the batch may have taken a receiver's 10 s each
            now = clock.GetUtcNow().UtcDateTime;
            var until = now + LeaseTime;
            var taken = await db.AcrossTenants<WebhookDelivery>()
                .Where(d => d.Id == delivery.Id && d.Attempts == attempts && d.DeliveredAtUtc == null && d.GaveUpAtUtc == null
                    && (d.LeasedUntilUtc == null || d.LeasedUntilUtc < now))
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.LeasedUntilUtc, until), ct);
            if (taken == 0)
            {
                db.Entry(delivery).State = EntityState.Detached;
                continue;
            }
            delivery.Attempts++;
            if (!hooks.TryGetValue(delivery.WebhookId, out var hook) || !hook.IsActive)
            {
                delivery.GaveUpAtUtc = now;
                delivery.LastError = "The subscription was removed.";
            }
            else
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json") };
                    request.Headers.Add("X-SalesKernel-Signature", "sha256=" + Sign(protector.Unprotect(hook.ProtectedSecret), delivery.Payload));
                    request.Headers.Add("X-SalesKernel-Delivery", delivery.Id.ToString());
                    request.Headers.Add("X-SalesKernel-Event", delivery.EventId.ToString());
                    using var response = await client.SendAsync(request, ct);
                    delivery.LastStatus = (int)response.StatusCode;
                    if (response.IsSuccessStatusCode) delivery.DeliveredAtUtc = clock.GetUtcNow().UtcDateTime;
                    else delivery.LastError = $"The receiver answered {(int)response.StatusCode}.";
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    // whatever went wrong is this delivery's failure, never the queue's
                    delivery.LastError = e switch
                    {
                        TaskCanceledException => "No answer within the timeout.",
                        HttpRequestException { InnerException: WebhookAddressException } => "The address is inside a private network.",
                        HttpRequestException => "The receiver could not be reached.",
                        _ => "The delivery could not be prepared.",
                    };
                }
                if (delivery.DeliveredAtUtc is null)
                {
                    if (delivery.Attempts >= MaxAttempts) delivery.GaveUpAtUtc = now;
                    else delivery.NextAttemptAtUtc = now + OutboxDispatcher.Backoff(delivery.Attempts);
                }
            }
            // each attempt recorded before the next, and the delivery let go for whichever host retries it
            delivery.LeasedUntilUtc = null;
            db.Entry(delivery).Property(d => d.LeasedUntilUtc).IsModified = true;
            await db.SaveChangesAsync(CancellationToken.None);
            metrics.Delivery(delivery.DeliveredAtUtc is not null ? "delivered" : delivery.GaveUpAtUtc is not null ? "gave_up" : "failed");
        }
        return due.Count;
    }

    /// <summary>
    /// The HTTP handler for deliveries: no redirects, and — unless private addresses are allowed — the
    /// address actually connected to is checked, so a name that resolves elsewhere later cannot reach
    /// inside the network.
    /// </summary>
    public static SocketsHttpHandler Handler(bool allowPrivate) => new()
    {
        AllowAutoRedirect = false,
        ConnectCallback = async (context, ct) =>
        {
            var addresses = await System.Net.Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
            if (!allowPrivate && addresses.Any(IsPrivate)) throw new WebhookAddressException();
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>Loopback, private, link-local, shared-address and unspecified addresses (IPv4, IPv6, and IPv4 mapped into IPv6).</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return true;
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
        var b = address.GetAddressBytes();
        return b[0] is 0 or 10 or 127 || b[0] == 172 && b[1] is >= 16 and <= 31 || b[0] == 192 && b[1] == 168
            || b[0] == 169 && b[1] == 254 || b[0] == 100 && b[1] is >= 64 and <= 127;
    }

    public static string Sign(string secret, string payload) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(payload))).ToLowerInvariant();
}

/// <summary>A delivery refused because its address is inside a private network.</summary>
internal sealed class WebhookAddressException() : Exception("The address is inside a private network.");
