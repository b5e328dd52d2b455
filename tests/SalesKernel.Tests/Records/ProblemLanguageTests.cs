using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>
/// Errors in the caller's language: every ProblemDetails — thrown by the pipeline, built by a kernel or
/// plugin endpoint, written before any endpoint — in English or Simplified Chinese by
/// <c>Accept-Language</c>, validation problems under one title, untranslated text left in English.
/// </summary>
public sealed class ProblemLanguageTests() : TenantHostTest(PluginFolder.Sales)
{
    private const string Customers = "/api/customers/customers";
    private const string Opportunities = "/api/opportunities/opportunities";
    private const string Leads = "/api/leads/leads";
    private const string Chinese = "zh-CN,zh;q=0.9,en;q=0.8";
    private const string English = "en-US";

    private async Task<(HttpStatusCode Status, JsonObject Problem)> SendAsync(HttpMethod method, string url, string? language, object? body = null,
        HttpClient? client = null, string? rawJson = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (rawJson is not null) request.Content = new StringContent(rawJson, Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = JsonContent.Create(body);
        if (language is not null) request.Headers.TryAddWithoutValidation("Accept-Language", language);
        var response = await (client ?? _client).SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{(int)response.StatusCode}: {text}");
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    private static string Title(JsonObject problem) => problem["title"]!.GetValue<string>();
    private static string Detail(JsonObject problem) => problem["detail"]!.GetValue<string>();
    private static string Error(JsonObject problem, string field) => problem["errors"]![field]![0]!.GetValue<string>();

    [Fact]
    public async Task A_field_validation_error_comes_in_English_or_Chinese_with_its_parameters()
    {
        var tooLong = new string('x', 250);
        var (status, en) = await SendAsync(HttpMethod.Post, "/api/customers/contacts", English, new { name = tooLong, email = "not-an-address" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("One or more fields are invalid", Title(en));
        Assert.Equal("must be at most 200 characters", Error(en, "name"));
        Assert.Equal("must be an email address (name@example.com)", Error(en, "email"));

        var (zhStatus, zh) = await SendAsync(HttpMethod.Post, "/api/customers/contacts", Chinese, new { name = tooLong, email = "not-an-address" });
        Assert.Equal(HttpStatusCode.BadRequest, zhStatus);
        Assert.Equal("一个或多个字段无效", Title(zh));
        Assert.Equal("最多 200 个字符", Error(zh, "name"));
        Assert.Equal("必须是电子邮件地址（name@example.com）", Error(zh, "email"));
        // only the words change: the same fields, the same number of messages
        Assert.Equal(en["errors"]!.AsObject().Select(e => e.Key).Order(), zh["errors"]!.AsObject().Select(e => e.Key).Order());
        Assert.Equal(en["status"]!.GetValue<int>(), zh["status"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("zh-CN", true)]
    [InlineData("zh", true)]
    [InlineData("zh-Hans", true)]
    [InlineData("fr-FR, zh;q=0.5", true)]           // French is not spoken here: the next best is Chinese
    [InlineData("en;q=0.9, zh-CN;q=0.8", false)]    // English preferred by quality, whatever the order
    [InlineData("zh-CN;q=0.5, en;q=0.9", false)]
    [InlineData("zh;q=0, en;q=0.1", false)]         // q=0: not Chinese
    [InlineData("de-DE", false)]
    [InlineData(null, false)]
    public async Task A_missing_record_is_answered_in_the_language_Accept_Language_prefers(string? acceptLanguage, bool chinese)
    {
        var id = Guid.NewGuid();
        var (status, problem) = await SendAsync(HttpMethod.Get, $"{Customers}/{id}", acceptLanguage);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(chinese ? "找不到记录" : "Record not found", Title(problem));
        Assert.Equal(chinese ? $"customers.customers 中没有 ID 为 {id} 的记录。" : $"There is no customers.customers record with id {id}.", Detail(problem));
    }

    [Fact]
    public async Task A_business_rule_of_a_plugin_speaks_Chinese_through_the_messages_it_registered()
    {
        var customer = (await _client.CreateAsync(Customers, new { name = "Huaxin" }))["id"]!.GetValue<Guid>();
        var deal = (await _client.CreateAsync(Opportunities, new { name = "No amount yet", customerId = customer, amount = 0 }))["id"]!.GetValue<Guid>();

        var (status, en) = await SendAsync(HttpMethod.Post, $"{Opportunities}/{deal}/transitions/win", English, new { });
        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal("A business rule refused the change", Title(en));
        Assert.Equal("An opportunity is won only with an amount.", Detail(en));
        var (_, zh) = await SendAsync(HttpMethod.Post, $"{Opportunities}/{deal}/transitions/win", Chinese, new { });
        Assert.Equal("业务规则拒绝了此更改", Title(zh));
        Assert.Equal("商机须有金额才能赢单。", Detail(zh));
        Assert.Equal(en["rule"]!.GetValue<string>(), zh["rule"]!.GetValue<string>()); // the rule's name is not a word for people

        // the plugin's exact message wins over the kernel's pattern for it ("is required to {transition}")
        var (loseStatus, lose) = await SendAsync(HttpMethod.Post, $"{Opportunities}/{deal}/transitions/lose", Chinese, new { });
        Assert.Equal(HttpStatusCode.BadRequest, loseStatus);
        Assert.Equal("一个或多个字段无效", Title(lose));
        Assert.Equal("输单时为必填项", Error(lose, "comment"));
        var (_, loseEn) = await SendAsync(HttpMethod.Post, $"{Opportunities}/{deal}/transitions/lose", English, new { });
        Assert.Equal("is required to lose", Error(loseEn, "comment"));
    }

    [Fact]
    public async Task A_parametrised_plugin_rule_carries_its_numbers_into_the_Chinese()
    {
        (await _client.PutAsJsonAsync("/api/leads/pool/settings", new { maxLeadsPerRep = 1, idleDaysBeforeReturn = 0, poolPerTeam = false })).EnsureSuccessStatusCode();
        await _client.CreateAsync(Leads, new { name = "Held lead" });
        var pooled = (await _client.CreateAsync(Leads, new { name = "Pool lead" }))["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.NoContent, (await _client.PostAsJsonAsync($"{Leads}/{pooled}/return", new { reason = "For the pool" })).StatusCode);

        var (status, en) = await SendAsync(HttpMethod.Post, $"{Leads}/{pooled}/claim", English);
        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal("You hold 1 open leads and may hold at most 1: convert, disqualify or return some before claiming more.", Detail(en));
        var (_, zh) = await SendAsync(HttpMethod.Post, $"{Leads}/{pooled}/claim", Chinese);
        Assert.Equal("业务规则拒绝了此更改", Title(zh));
        Assert.Equal("你持有 1 条未结线索，最多可持有 1 条：请先转化、判为无效或退回一些，再领取更多。", Detail(zh));
        Assert.Equal("leads.claim-cap", zh["rule"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_refused_refresh_token_says_why_in_the_callers_language()
    {
        using var anonymous = _host.CreateClient();
        var (status, en) = await SendAsync(HttpMethod.Post, "/api/auth/refresh", English, new { refreshToken = "rt_forged" }, anonymous);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Sign-in refused", Title(en));
        Assert.Equal("The refresh token is not valid or has expired; sign in again.", Detail(en));
        var (_, zh) = await SendAsync(HttpMethod.Post, "/api/auth/refresh", Chinese, new { refreshToken = "rt_forged" }, anonymous);
        Assert.Equal("登录被拒绝", Title(zh));
        Assert.Equal("该刷新令牌无效或已过期；请重新登录。", Detail(zh));

        // a token of a sign-in that was ended
        var signIn = await (await anonymous.PostAsJsonAsync("/api/auth/login", new { email = KernelHost.TenantAdminEmail("acme"), password = KernelHost.TenantPassword })).ObjectAsync();
        var token = signIn["refreshToken"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.NoContent, (await anonymous.PostAsJsonAsync("/api/auth/logout", new { refreshToken = token })).StatusCode);
        var (revokedStatus, revoked) = await SendAsync(HttpMethod.Post, "/api/auth/refresh", "zh-Hans", new { refreshToken = token }, anonymous);
        Assert.Equal(HttpStatusCode.Unauthorized, revokedStatus);
        Assert.Equal("该刷新令牌已被吊销；请重新登录。", Detail(revoked));
        var (_, revokedEn) = await SendAsync(HttpMethod.Post, "/api/auth/refresh", null, new { refreshToken = token }, anonymous);
        Assert.Equal("The refresh token was revoked; sign in again.", Detail(revokedEn));
    }

    [Theory]
    [InlineData("name eq", "filter ends where a value was expected", "filter 在应有值的位置结束了")]
    [InlineData("nope eq 'x'", "filter: unknown field 'nope' at position 1", "filter：第 1 个字符处的字段“nope”不存在")]
    public async Task A_query_error_is_answered_in_the_callers_language(string filter, string english, string chinese)
    {
        var url = $"{Customers}?filter={Uri.EscapeDataString(filter)}";
        var (status, en) = await SendAsync(HttpMethod.Get, url, English);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("The query is not valid", Title(en));
        Assert.Equal(english, Detail(en));
        var (zhStatus, zh) = await SendAsync(HttpMethod.Get, url, Chinese);
        Assert.Equal(HttpStatusCode.BadRequest, zhStatus);
        Assert.Equal("查询无效", Title(zh));
        Assert.Equal(chinese, Detail(zh));
    }

    [Fact]
    public async Task Validation_problems_have_one_title_whether_the_pipeline_throws_or_an_endpoint_returns_them()
    {
        // the pipeline (RecordValidationException), a kernel endpoint, and plugin endpoints' Results.ValidationProblem
        var pipeline = await SendAsync(HttpMethod.Post, Customers, English, new { });
        var kernel = await SendAsync(HttpMethod.Post, "/api/users", English, new { email = "nobody", password = "x" });
        var overdue = await SendAsync(HttpMethod.Get, "/api/opportunities/overdue-follow-ups?limit=0", English);
        var settings = await SendAsync(HttpMethod.Put, "/api/leads/pool/settings", English, new { maxLeadsPerRep = 0, idleDaysBeforeReturn = -1, poolPerTeam = false });
        foreach (var (status, problem) in new[] { pipeline, kernel, overdue, settings })
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("One or more fields are invalid", Title(problem));
            Assert.NotEmpty(problem["errors"]!.AsObject());
        }
        Assert.Equal("must be between 1 and 200", Error(overdue.Problem, "limit"));

        var zhPipeline = await SendAsync(HttpMethod.Post, Customers, Chinese, new { });
        var zhKernel = await SendAsync(HttpMethod.Post, "/api/users", Chinese, new { email = "nobody", password = "x" });
        var zhOverdue = await SendAsync(HttpMethod.Get, "/api/opportunities/overdue-follow-ups?limit=0", Chinese);
        var zhSettings = await SendAsync(HttpMethod.Put, "/api/leads/pool/settings", Chinese, new { maxLeadsPerRep = 0, idleDaysBeforeReturn = -1, poolPerTeam = false });
        foreach (var (_, problem) in new[] { zhPipeline, zhKernel, zhOverdue, zhSettings })
            Assert.Equal("一个或多个字段无效", Title(problem));
        Assert.Equal("为必填项", Error(zhPipeline.Problem, "name"));
        Assert.Equal("必须是电子邮件地址", Error(zhKernel.Problem, "email"));
        Assert.Equal("至少 10 个字符", Error(zhKernel.Problem, "password"));
        // a plugin's message the kernel's catalogue covers, and one the plugin gave the Chinese of
        Assert.Equal("必须介于 1 和 200 之间", Error(zhOverdue.Problem, "limit"));
        Assert.Equal("必须介于 1 和 100000 之间", Error(zhSettings.Problem, "maxLeadsPerRep"));
        Assert.Equal("必须介于 0（关闭）和 3650 之间", Error(zhSettings.Problem, "idleDaysBeforeReturn"));
    }

    [Fact]
    public async Task A_message_without_a_translation_stays_in_English_and_the_rest_is_translated()
    {
        // what the JSON reader says of a broken body is the framework's, not in the catalogue
        var (status, en) = await SendAsync(HttpMethod.Post, Customers, English, rawJson: "{\"name\": ");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("The request could not be read", Title(en));
        var (zhStatus, zh) = await SendAsync(HttpMethod.Post, Customers, Chinese, rawJson: "{\"name\": ");
        Assert.Equal(HttpStatusCode.BadRequest, zhStatus);
        Assert.Equal("无法读取请求", Title(zh));
        Assert.Equal(Detail(en), Detail(zh));
        Assert.DoesNotMatch(@"\p{IsCJKUnifiedIdeographs}", Detail(zh));
    }

    [Fact]
    public async Task Problems_written_before_any_endpoint_are_translated_too()
    {
        var key = new string('k', 300);
        using var request = new HttpRequestMessage(HttpMethod.Post, Customers) { Content = JsonContent.Create(new { name = "Keyed" }) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        request.Headers.TryAddWithoutValidation("Accept-Language", Chinese);
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ObjectAsync();
        Assert.Equal("Idempotency-Key 无效", Title(problem));
        Assert.Equal("Idempotency-Key 必须是 1 到 255 个可见 ASCII 字符（UUID 是很好的键）。", Detail(problem));

        var (status, unknown) = await SendAsync(HttpMethod.Get, "/api/no-such-thing", Chinese);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("未找到", Title(unknown));
        Assert.Equal("/api/no-such-thing 处没有任何内容。", Detail(unknown));
    }
}
