using System.Text.Json;
using System.Text.Json.Serialization;

namespace SalesKernel.Core.Hosting;

/// <summary>
/// Reads every string of a typed request body (kernel and plugin endpoints alike) and refuses text
/// no database keeps: the NUL character, which PostgreSQL refuses in text and JSON, and undecodable
/// text (a lone surrogate, invalid UTF-8). The caller gets 400 naming the property, not a 500.
/// </summary>
internal sealed class RequestTextConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text;
        try
        {
            text = reader.GetString();
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException("The text is not valid (a lone surrogate or invalid UTF-8).", e);
        }
        if (text is not null && text.Contains('\0')) throw new JsonException("The text must not contain the NUL character (\\u0000).");
        return text;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
