using SalesKernel.Sdk;

namespace SalesKernel.Plugins.Leads;

/// <summary>The Chinese of what the plugin tells users (the pool, the claim cap, conversion, follow-ups).</summary>
internal static class Messages
{
    public static readonly LocalizedText[] Chinese =
    [
        new("You hold {held} open leads and may hold at most {max}: convert, disqualify or return some before claiming more.",
            "你持有 {held} 条未结线索，最多可持有 {max} 条：请先转化、判为无效或退回一些，再领取更多。"),
        new("They hold {held} open leads and may hold at most {max}.", "对方持有 {held} 条未结线索，最多可持有 {max} 条。"),
        new("Claimed by someone else", "已被他人领取"),
        new("Someone took this lead from the pool a moment before.", "有人刚刚从线索池领取了此线索。"),
        new("Already in the pool", "已在线索池中"),
        new("This lead is waiting in the pool already.", "此线索已在线索池中等待领取。"),
        new("Not in the pool", "不在线索池中"),
        new("This lead is not waiting in a pool you see: someone holds it, or it is closed.", "此线索不在你可见的线索池中：已有人负责，或已关闭。"),
        new("No lead {id} is waiting in a pool you see: there is none, or a colleague claimed it a moment ago.",
            "你可见的线索池中没有线索 {id}：它不存在，或刚被同事领取。"),
        new("is required, at most {max} characters", "为必填项，最多 {max} 个字符"),
        new("Only the lead's owner or someone who may assign it can return it to the pool.", "只有线索的负责人或有权分配它的人才能将其退回线索池。"),
        new("A converted lead stays with its owner; only open leads go back to the pool.", "已转化的线索留在其负责人处；只有未结线索才能退回线索池。"),
        new("A disqualified lead stays with its owner; only open leads go back to the pool.", "已判为无效的线索留在其负责人处；只有未结线索才能退回线索池。"),
        new("A {status} lead stays with its owner; only open leads go back to the pool.", "状态为 {status} 的线索留在其负责人处；只有未结线索才能退回线索池。"),
        new("You may not assign leads.", "你无权分配线索。"),
        new("must be an active user within your reach (your team and below)", "必须是你管辖范围内（你的团队及下级团队）的在职用户"),
        new("must be a team within your reach (your team and below)", "必须是你管辖范围内（你的团队及下级团队）的团队"),
        new("must not be negative", "不能为负数"),
        new("You may see this lead but not convert it.", "你可以查看此线索，但无权转化。"),
        new("Only a qualified lead is converted; this one is new.", "只有已确认的线索才能转化；此线索是新线索。"),
        new("Only a qualified lead is converted; this one is contacted.", "只有已确认的线索才能转化；此线索处于已联系状态。"),
        new("Only a qualified lead is converted; this one is converted.", "只有已确认的线索才能转化；此线索已转化。"),
        new("Only a qualified lead is converted; this one is disqualified.", "只有已确认的线索才能转化；此线索已判为无效。"),
        new("Only a qualified lead is converted; this one is {status}.", "只有已确认的线索才能转化；此线索的状态为 {status}。"),
        new("You may not read the lead pool settings.", "你无权读取线索池设置。"),
        new("must be between 0 (off) and 3650", "必须介于 0（关闭）和 3650 之间"),
        new("You may not claim leads from the pool.", "你无权从线索池领取线索。"),
        new("is not a cursor this list returned (pass its nextCursor)", "不是此列表返回的游标（请传入它返回的 nextCursor）"),
        new("must not be in the future: log a follow-up once it happened", "不能是将来的时间：请在跟进发生后再记录"),
        new("You may see this lead but not work it: only those who may update a lead log its follow-ups.",
            "你可以查看此线索，但无权处理：只有可以修改线索的人才能记录跟进。"),
        new("A lead is converted with POST /api/leads/leads/{{id}}/convert, which creates its customer, contact and opportunity.",
            "线索通过 POST /api/leads/leads/{{id}}/convert 转化，该操作会创建其客户、联系人和商机。"),
    ];
}
