using System.Text.Json.Nodes;

namespace SalesKernel.Tests.Infrastructure;

/// <summary>Valid records of any entity set, built from its metadata (<c>GET /api/meta</c>), for generated tests.</summary>
public static class SampleRecords
{
    /// <summary>A value of the field's type that passes its rules.</summary>
    public static object Value(JsonObject field) => field["type"]!.GetValue<string>() switch
    {
        "Integer" => 1,
        "Decimal" or "Money" => 1.5m,
        "Boolean" => true,
        "Date" => "2026-01-31",
        "DateTime" => "2026-01-31T08:00:00Z",
        "Choice" => field["choices"]![0]!.GetValue<string>(),
        "MultiChoice" => new[] { field["choices"]![0]!.GetValue<string>() },
        "Guid" => Guid.NewGuid(),
        _ => "sample",
    };

    /// <summary>The writable fields of a set (not read-only, not the id).</summary>
    public static List<JsonObject> WritableFields(JsonObject set) =>
        set["fields"]!.AsArray().Select(f => f!.AsObject()).Where(f => !f["readOnly"]!.GetValue<bool>() && f["name"]!.GetValue<string>() != "id").ToList();

    /// <summary>A body with every required field of the set; required references point at records the client creates first.</summary>
    public static async Task<Dictionary<string, object>> RequiredAsync(HttpClient client, JsonObject meta, JsonObject set)
    {
        var sample = new Dictionary<string, object>();
        foreach (var f in WritableFields(set).Where(f => f["required"]!.GetValue<bool>()))
            sample[f["name"]!.GetValue<string>()] = f["referenceTo"] is { } target
                ? await ReferencedAsync(client, meta, target.GetValue<string>())
                : Value(f);
        return sample;
    }

    /// <summary>A record of the named set, created by the client (with <c>?force=true</c> past duplicate rules).</summary>
    public static async Task<Guid> ReferencedAsync(HttpClient client, JsonObject meta, string setName)
    {
        var set = meta["entitySets"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == setName)!.AsObject();
        return (await client.CreateAsync($"{set["route"]!.GetValue<string>()}?force=true", await RequiredAsync(client, meta, set)))["id"]!.GetValue<Guid>();
    }
}
