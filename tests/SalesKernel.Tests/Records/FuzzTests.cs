using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>
/// A small table-driven fuzz over every entity set's write and list endpoints, generated from the
/// metadata: lone surrogates and invalid UTF-8 in strings and names, literal-null and malformed
/// cursors, huge strings and numbers, wrong shapes and content types. No answer may be a 5xx; the
/// cases a probe found as 500s answer 400 naming what is wrong.
/// </summary>
public sealed class FuzzTests() : TenantHostTest([.. PluginFolder.Sales, PluginFolder.Credit])
{
    /// <summary>JSON values, as raw text, that no field should choke on.</summary>
    private static readonly string[] Values =
    [
        "\"\\ud800\"", "\"a\\ud800\\u0041\"", "\"\\udfff\\ud800\"", "\"\\u0000\"", $"\"{new string('x', 70_000)}\"",
        "1e400", "-1e400", "123456789012345678901234567890", "-9223372036854775809", "0.1e-400",
        "\"9999-99-99\"", "\"0000-00-00T25:61:61Z\"", "\"not-a-guid\"", "[]", "{}", "[null]", "[\"\\ud800\"]", "true", "null",
    ];

    /// <summary>Whole bodies, as raw bytes (invalid UTF-8 among them).</summary>
    private static readonly byte[][] Bodies =
    [
        Encoding.UTF8.GetBytes("{\"\\ud800\":1}"),
        [.. "{\"name\":\""u8, 0xFF, 0xFE, .. "\"}"u8],
        [.. "{\""u8, 0xC3, 0x28, .. "\":1}"u8],
        Encoding.UTF8.GetBytes("null"), Encoding.UTF8.GetBytes("[]"), Encoding.UTF8.GetBytes("\"x\""), Encoding.UTF8.GetBytes("1"),
        Encoding.UTF8.GetBytes(""), Encoding.UTF8.GetBytes(new string('[', 100)), Encoding.UTF8.GetBytes("{\"a\":" + new string('[', 40) + "}"),
        Encoding.UTF8.GetBytes("{\"name\":\"x\",\"name\":\"y\"}"),
    ];

    private static readonly string[] Cursors =
    [
        "bnVsbA==", "bnVsbA", "W10", "W251bGxd", "W251bGwsbnVsbF0", "e30", "WyJ4Il0", "WzFd", "WzEsMiwzLDQsNSw2XQ", "%%%", "====", "_-_-",
        Convert.ToBase64String(Encoding.UTF8.GetBytes("[\"\\ud800\", \"00000000-0000-0000-0000-000000000000\"]")),
        Convert.ToBase64String([0xFF, 0xFE, 0xFD]), new string('A', 10_000),
    ];

    private static readonly string[] Queries =
    [
        "limit=-1", "limit=0", "limit=99999999999", "offset=-5", "offset=2147483648", "sort=-", "sort=,,,", "sort=nonexistent", "fields=nonexistent",
        "filter=name eq '\ud800'", "filter=%ED%A0%80", "filter=((((((((((((((((((((((((((((((((((((((((", $"search={new string('x', 5000)}", "search=%FF%FE",
        "count=maybe", "force=1", "filter=name in ()", "filter=version gt 99999999999999999999999",
        "filter=name eq '%00'", "search=%00", "filter=%00", "sort=%00", "fields=%00",
    ];

    private readonly List<string> _failures = [];

    private void Judge(string what, HttpResponseMessage response)
    {
        if ((int)response.StatusCode >= 500) _failures.Add($"{what}: {(int)response.StatusCode}");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, byte[]? body, string? contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        return await _client.SendAsync(request);
    }

    private static byte[] Object(string field, string rawValue) => Encoding.UTF8.GetBytes($"{{\"{field}\":{rawValue}}}");

    [Fact]
    public async Task No_write_or_list_of_any_entity_set_answers_a_5xx_to_malformed_input()
    {
        var meta = await _client.GetObjectAsync("/api/meta");
        var sets = meta["entitySets"]!.AsArray().Select(s => s!.AsObject()).ToList();
        Assert.True(sets.Count >= 8, $"only {sets.Count} entity sets");
        var requests = 0;
        foreach (var set in sets)
        {
            var route = set["route"]!.GetValue<string>();
            var endpoints = set["endpoints"]!.AsArray().Select(e => e!.GetValue<string>()).ToHashSet();
            Guid? id = endpoints.Contains("Create") ? await SampleRecords.ReferencedAsync(_client, meta, set["name"]!.GetValue<string>()) : null;
            var fieldNames = set["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();

            foreach (var field in fieldNames)
                foreach (var value in Values)
                {
                    var body = Object(field, value);
                    if (endpoints.Contains("Create")) Judge($"POST {route} {{{field}: {value[..Math.Min(20, value.Length)]}}}", await SendAsync(HttpMethod.Post, route, body));
                    if (id is not null && endpoints.Contains("Update")) Judge($"PATCH {route}/id {{{field}: {value[..Math.Min(20, value.Length)]}}}", await SendAsync(HttpMethod.Patch, $"{route}/{id}", body));
                    if (endpoints.Contains("BulkCreate")) Judge($"POST {route}/bulk [{{{field}: {value[..Math.Min(20, value.Length)]}}}]",
                        await SendAsync(HttpMethod.Post, $"{route}/bulk", [(byte)'[', .. body, (byte)']']));
                    requests += 3;
                }
            foreach (var (body, i) in Bodies.Select((b, i) => (b, i)))
            {
                if (endpoints.Contains("Create")) Judge($"POST {route} body #{i}", await SendAsync(HttpMethod.Post, route, body));
                if (id is not null) Judge($"PATCH {route}/id body #{i}", await SendAsync(HttpMethod.Patch, $"{route}/{id}", body));
                if (endpoints.Contains("BulkCreate")) Judge($"POST {route}/bulk body #{i}", await SendAsync(HttpMethod.Post, $"{route}/bulk", body));
                requests += 3;
            }
            foreach (var contentType in new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded", "application/json; charset=latin1", null })
            {
                if (endpoints.Contains("Create")) Judge($"POST {route} as {contentType}", await SendAsync(HttpMethod.Post, route, "{\"name\":\"x\"}"u8.ToArray(), contentType));
                if (id is not null) Judge($"PATCH {route}/id as {contentType}", await SendAsync(HttpMethod.Patch, $"{route}/{id}", "{\"name\":\"x\"}"u8.ToArray(), contentType));
                requests += 2;
            }
            if (!endpoints.Contains("List")) continue;
            foreach (var cursor in Cursors)
            {
                Judge($"GET {route}?cursor={cursor[..Math.Min(20, cursor.Length)]}", await _client.GetAsync($"{route}?cursor={cursor}"));
                Judge($"GET {route}/export?cursor={cursor[..Math.Min(20, cursor.Length)]}", await _client.GetAsync($"{route}/export?cursor={cursor}"));
                requests += 2;
            }
            foreach (var query in Queries)
            {
                Judge($"GET {route}?{query[..Math.Min(40, query.Length)]}", await _client.GetAsync($"{route}?{query}"));
                requests++;
            }
        }
        Assert.True(_failures.Count == 0, $"{_failures.Count} of {requests} requests answered 5xx:\n" + string.Join("\n", _failures.Take(40)));
    }

    [Fact]
    public async Task No_plugin_or_kernel_endpoint_with_a_typed_body_answers_a_5xx_to_bad_text()
    {
        var endpoints = _host.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Select(e => (Endpoint: e, Type: e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType))
            .Where(e => e.Type is not null && e.Type != typeof(Dictionary<string, object?>) && e.Type != typeof(List<Dictionary<string, object?>>))
            .ToList();
        Assert.True(endpoints.Count >= 15, $"{endpoints.Count} endpoints with a typed body");
        var requests = 0;
        var wrongAnswers = new List<string>();
        foreach (var (endpoint, type) in endpoints)
        {
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["POST"];
            var url = System.Text.RegularExpressions.Regex.Replace(endpoint.RoutePattern.RawText!, "{[^}]+}", m => m.Value.Contains("guid") ? Guid.NewGuid().ToString() : "x");
            var properties = type!.GetProperties().Select(p => (Name: System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(p.Name),
                IsText: (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) == typeof(string))).ToList();
            // each string property in turn gets the bad text; the others are left out
            foreach (var text in properties.Where(p => p.IsText))
                foreach (var (bad, mustBe400) in new[] { ("\"a\\u0000b\"", true), ("\"\\ud800\"", true), ($"\"{new string('x', 100_000)}\"", false) })
                    foreach (var method in methods)
                    {
                        var answer = await SendAsync(new HttpMethod(method), url, Encoding.UTF8.GetBytes($"{{\"{text.Name}\":{bad}}}"));
                        var what = $"{method} {endpoint.RoutePattern.RawText} {{{text.Name}: {bad[..Math.Min(12, bad.Length)]}}}";
                        Judge(what, answer);
                        if (answer.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) { requests++; continue; } // refused before the body is read
                        if (mustBe400 && answer.StatusCode != HttpStatusCode.BadRequest) wrongAnswers.Add($"{what}: {(int)answer.StatusCode}");
                        else if (mustBe400 && !(await answer.Content.ReadAsStringAsync()).Contains(text.Name, StringComparison.OrdinalIgnoreCase))
                            wrongAnswers.Add($"{what}: the 400 does not name {text.Name}");
                        requests++;
                    }
        }
        Assert.True(requests >= 30, $"{requests} requests");
        Assert.True(_failures.Count == 0, $"{_failures.Count} of {requests} requests answered 5xx:\n" + string.Join("\n", _failures.Take(40)));
        Assert.True(wrongAnswers.Count == 0, $"{wrongAnswers.Count} of {requests}:\n" + string.Join("\n", wrongAnswers.Take(40)));
    }

    [Fact]
    public async Task The_NUL_character_in_a_text_is_a_400_naming_the_field()
    {
        var answer = await SendAsync(HttpMethod.Post, "/api/customers/customers", Object("name", "\"a\\u0000b\""));
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("NUL", (await answer.ObjectAsync())["errors"]!["name"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/api/customers/customers?search=a%00b")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/api/customers/customers?filter=name eq 'a%00'")).StatusCode);
    }

    [Theory]
    [InlineData("\"\\ud800\"")]
    [InlineData("\"a\\ud800\\u0041\"")]
    public async Task A_lone_surrogate_in_a_field_is_a_400_naming_the_field_on_create_patch_and_bulk(string value)
    {
        const string route = "/api/customers/customers";
        var id = (await _client.CreateAsync(route, new { name = "Surrogate Co" }))["id"]!.GetValue<Guid>();
        foreach (var (method, url, body, key) in new[]
        {
            (HttpMethod.Post, route, Object("name", value), "name"),
            (HttpMethod.Patch, $"{route}/{id}", Object("name", value), "name"),
            (HttpMethod.Post, $"{route}/bulk", Encoding.UTF8.GetBytes($"[{{\"name\":{value}}}]"), "items[0].name"),
        })
        {
            var answer = await SendAsync(method, url, body);
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            var errors = (await answer.ObjectAsync())["errors"]!.AsObject();
            Assert.Contains("not valid text", Assert.Single(errors[key]!.AsArray())!.GetValue<string>());
        }
        Assert.Equal("Surrogate Co", (await _client.GetObjectAsync($"{route}/{id}"))["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Invalid_UTF8_in_a_string_or_a_field_name_is_a_400()
    {
        const string route = "/api/customers/customers";
        var answer = await SendAsync(HttpMethod.Post, route, [.. "{\"name\":\""u8, 0xFF, 0xFE, .. "\"}"u8]);
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        var name = await SendAsync(HttpMethod.Post, route, Encoding.UTF8.GetBytes("{\"\\ud800\":1}"));
        Assert.Equal(HttpStatusCode.BadRequest, name.StatusCode);
        Assert.Equal(0L, await _db.CountAsync("customers_customer"));
    }

    [Theory]
    [InlineData("bnVsbA==")] // null
    [InlineData("W251bGxd")] // [null]
    [InlineData("W251bGwsbnVsbF0")] // [null, null]
    [InlineData("e30")] // {}
    public async Task A_cursor_that_decodes_to_null_or_the_wrong_shape_is_a_400(string cursor)
    {
        foreach (var route in new[] { "/api/customers/customers", "/api/leads/leads", "/api/opportunities/opportunities", "/api/audit" })
        {
            var answer = await _client.GetAsync($"{route}?cursor={cursor}");
            Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{route}?cursor={cursor} answered {(int)answer.StatusCode}");
            Assert.Contains("cursor", (await answer.ObjectAsync())["detail"]?.ToString() ?? (await answer.Content.ReadAsStringAsync()));
        }
        foreach (var route in new[] { "/api/leads/pool", "/api/opportunities/overdue-follow-ups" })
            Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync($"{route}?cursor={cursor}")).StatusCode);
    }
}
