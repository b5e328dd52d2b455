using SalesKernel.Sdk;

namespace SalesKernel.Plugins.Opportunities;

/// <summary>The Chinese of what the plugin tells users (its transitions, the forecast and follow-up lists).</summary>
internal static class Messages
{
    public static readonly LocalizedText[] Chinese =
    [
        new("An opportunity is won only with an amount.", "商机须有金额才能赢单。"),
        new("is required to lose", "输单时为必填项"),
        new("is required when the reason is Competitor", "输单原因为 Competitor（竞争对手）时为必填项"),
        new("must be before the year 9000", "必须早于 9000 年"),
        new("must be month or quarter", "必须是 month 或 quarter"),
        new("must be owner or team (or left out for totals)", "必须是 owner 或 team（求总计时不填）"),
        new("must not be before from", "不能早于 from"),
        new("must be within {months} months of from", "必须在 from 之后 {months} 个月以内"),
        new("must be a date as yyyy-MM-dd", "必须是 yyyy-MM-dd 格式的日期"),
        new("is not a cursor this list returned (pass its nextCursor)", "不是此列表返回的游标（请传入它返回的 nextCursor）"),
        new("You may not read opportunities.", "你无权读取商机。"),
    ];
}
