using SalesKernel.Sdk;

namespace SalesKernel.Plugins.Activities;

/// <summary>The Chinese of what the plugin tells users (the link check, "my day").</summary>
internal static class Messages
{
    public static readonly LocalizedText[] Chinese =
    [
        new("is required with {field}", "与 {field} 一起时为必填项"),
        new("'{tz}' is not a known time zone (use an IANA name such as Asia/Shanghai)", "“{tz}”不是已知的时区（请使用 IANA 名称，例如 Asia/Shanghai）"),
    ];
}
