using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace SalesKernel.Tests.Infrastructure;

public static class HttpJson
{
    public static async Task<JsonObject> ObjectAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    public static async Task<JsonObject> GetObjectAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        if (!response.IsSuccessStatusCode)
            throw new Xunit.Sdk.XunitException($"GET {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.ObjectAsync();
    }

    /// <summary>POST that must succeed; returns the created record.</summary>
    public static async Task<JsonObject> CreateAsync(this HttpClient client, string url, object body)
    {
        var response = await client.PostAsJsonAsync(url, body);
        if (!response.IsSuccessStatusCode)
            throw new Xunit.Sdk.XunitException($"POST {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.ObjectAsync();
    }

    public static Task<HttpResponseMessage> PatchAsync(this HttpClient client, string url, object body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, url) { Content = JsonContent.Create(body) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return client.SendAsync(request);
    }

    public static string[] Names(this JsonObject page, string field = "name") =>
        page["items"]!.AsArray().Select(i => i![field]?.ToString() ?? "").ToArray();
}
