using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Workflow;

/// <summary>
/// Transitions that take input (sending a quote names its recipient and validity; losing a deal names
/// the reason, the competitor and a duplicate): read and checked like a write, every error in one 400,
/// kept in the history, and described in the metadata.
/// </summary>
public sealed class TransitionInputTests() : TenantHostTest(PluginFolder.Quoting, PluginFolder.Deals)
{
    private const string Quotes = "/api/quoting/quotes";
    private const string Deals = "/api/deals/deals";

    private async Task<Guid> QuoteAsync() =>
        (await _client.CreateAsync(Quotes, new { customer = "Acme", lines = new[] { new { sku = "A", quantity = 1, unitPrice = 10m } } }))["id"]!.GetValue<Guid>();

    private Task<HttpResponseMessage> RunAsync(string set, Guid id, string transition, object body) =>
        _client.PostAsJsonAsync($"{set}/{id}/transitions/{transition}", body);

    [Fact]
    public async Task Input_is_checked_like_a_write_and_every_error_comes_back_at_once()
    {
        var id = await QuoteAsync();
        var bad = await RunAsync(Quotes, id, "send", new { input = new { to = "not-an-email", validUntil = "31/12/2026", bcc = "x" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.ObjectAsync())["errors"]!.AsObject();
        Assert.Equal(["input.bcc", "input.to", "input.validUntil"], errors.Select(e => e.Key).Order());

        var missing = (await (await RunAsync(Quotes, id, "send", new { })).ObjectAsync())["errors"]!.AsObject();
        Assert.Equal(["input.to", "input.validUntil"], missing.Select(e => e.Key).Order());
        Assert.Equal("is required", missing["input.to"]![0]!.GetValue<string>());

        // a rule across the input's fields, once each field is valid
        var same = await RunAsync(Quotes, id, "send", new { input = new { to = "buyer@acme.cn", cc = "BUYER@acme.cn", validUntil = "2027-01-31" } });
        Assert.Equal("must differ from to", (await same.ObjectAsync())["errors"]!["input.cc"]![0]!.GetValue<string>());
        Assert.Equal("Draft", (await _client.GetObjectAsync($"{Quotes}/{id}"))["status"]!.GetValue<string>()); // nothing happened

        var notObject = await RunAsync(Quotes, id, "send", new { input = "buyer@acme.cn" });
        Assert.Equal(HttpStatusCode.BadRequest, notObject.StatusCode);
        var unwanted = await RunAsync(Quotes, id, "revise", new { input = new { to = "x@y.cn" } });
        Assert.Equal(HttpStatusCode.BadRequest, unwanted.StatusCode);
    }

    [Fact]
    public async Task The_effects_get_the_input_and_the_history_keeps_it()
    {
        var id = await QuoteAsync();
        var sent = await RunAsync(Quotes, id, "send", new { input = new { to = "buyer@acme.cn", validUntil = "2027-01-31" } });
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        var quote = await sent.ObjectAsync();
        Assert.Equal("Sent", quote["status"]!.GetValue<string>());
        Assert.Equal("buyer@acme.cn", quote["sentTo"]!.GetValue<string>());
        Assert.Equal("2027-01-31", quote["validUntil"]!.GetValue<string>());

        var declined = await (await RunAsync(Quotes, id, "decline", new { input = new { reason = "Competitor" } })).ObjectAsync();
        Assert.Equal("Competitor", declined["declineReason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await RunAsync(Quotes, id, "revise", new { input = new { reason = "Cheaper" } })).StatusCode);

        var history = (await _client.GetFromJsonAsync<JsonArray>($"{Quotes}/{id}/history"))!;
        Assert.Equal("buyer@acme.cn", history[0]!["input"]!["to"]!.GetValue<string>());
        Assert.Equal("Competitor", history[1]!["input"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task References_in_input_must_name_records_the_caller_can_read()
    {
        var deal = (await _client.CreateAsync(Deals, new { title = "Twice entered" }))["id"]!.GetValue<Guid>();
        var original = (await _client.CreateAsync(Deals, new { title = "The original" }))["id"]!.GetValue<Guid>();
        using var globex = await _host.TenantClientAsync("globex");
        var theirs = (await globex.CreateAsync(Deals, new { title = "Globex's" }))["id"]!.GetValue<Guid>();

        var foreign = await RunAsync(Deals, deal, "lose", new { comment = "duplicate", input = new { reason = "Duplicate", duplicateOf = theirs } });
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.StartsWith("names no deals.deals record", (await foreign.ObjectAsync())["errors"]!["input.duplicateOf"]![0]!.GetValue<string>());

        var errors = (await (await RunAsync(Deals, deal, "lose", new { input = new { reason = "Sometimes", competitorPrice = -1, contactEmail = "nobody" } })).ObjectAsync())["errors"]!.AsObject();
        Assert.Equal(["comment", "input.competitorPrice", "input.contactEmail", "input.reason"], errors.Select(e => e.Key).Order());

        var lost = await (await RunAsync(Deals, deal, "lose", new { comment = "duplicate", input = new { reason = "Duplicate", duplicateOf = original } })).ObjectAsync();
        Assert.Equal(original, lost["duplicateOf"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task The_metadata_and_the_transition_list_describe_the_input()
    {
        var meta = await _client.GetObjectAsync("/api/meta");
        var quotes = meta["entitySets"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == "quoting.quotes")!;
        var send = quotes["stateMachine"]!["transitions"]!.AsArray().First(t => t!["name"]!.GetValue<string>() == "send")!;
        var input = send["input"]!.AsArray();
        Assert.Equal(["to", "cc", "validUntil"], input.Select(f => f!["name"]!.GetValue<string>()));
        Assert.Equal("Email", input[0]!["format"]!.GetValue<string>());
        Assert.True(input[2]!["required"]!.GetValue<bool>());
        Assert.Equal("Date", input[2]!["type"]!.GetValue<string>());
        var decline = quotes["stateMachine"]!["transitions"]!.AsArray().First(t => t!["name"]!.GetValue<string>() == "decline")!;
        Assert.Equal(["Price", "Terms", "Competitor", "Other"], decline["input"]![0]!["choices"]!.AsArray().Select(c => c!.GetValue<string>()));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/meta");
        request.Headers.AcceptLanguage.ParseAdd("zh-CN");
        var chinese = await (await _client.SendAsync(request)).ObjectAsync();
        var zhSend = chinese["entitySets"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == "quoting.quotes")!["stateMachine"]!["transitions"]!.AsArray()
            .First(t => t!["name"]!.GetValue<string>() == "send")!;
        Assert.Equal("收件人", zhSend["input"]![0]!["label"]!.GetValue<string>());

        var id = await QuoteAsync();
        var available = (await _client.GetFromJsonAsync<JsonArray>($"{Quotes}/{id}/transitions"))!;
        Assert.Equal(3, available.First(t => t!["name"]!.GetValue<string>() == "send")!["input"]!.AsArray().Count);
    }
}
