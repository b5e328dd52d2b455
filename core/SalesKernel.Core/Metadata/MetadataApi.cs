using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SalesKernel.Core.CustomFields;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Records;
using SalesKernel.Core.Security;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Metadata;

/// <summary><c>GET /api/meta</c>: every entity set with its fields, flags and endpoints — enough for a generic UI or a generated client.</summary>
internal static class MetadataApi
{
    public static void MapMetadataApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/meta", async (EntitySetRegistry sets, RecordPipeline pipeline, PluginCatalog catalog, CallerContext caller, HttpContext http, CancellationToken ct) =>
            {
                var language = Language.Of(http);
                // only what the caller may see: sets of plugins the tenant has on, that they may read, less hidden fields
                if (caller.TenantId is null) return Results.Ok(new MetadataDocument([], []));
                await pipeline.PrepareAsync(ct);
                return Results.Ok(new MetadataDocument(
                    sets.Sets.Where(s => pipeline.IsEnabled(s.Plugin.Id) && pipeline.Access.Depth(s, Privileges.Read) != AccessDepth.None)
                        .Select(s => Describe(s, pipeline.VisibleFieldsOf(s), language)).ToList(),
                    catalog.Permissions.Select(p => new PermissionSummary(p.FullName, p.DisplayName.En, p.DisplayName.ZhHans) { Label = p.DisplayName.In(language) }).ToList()));
            })
            .WithTags("Kernel").WithName("GetMetadata")
            .WithSummary("Entity sets, fields, transitions and permissions; every label in the language of Accept-Language (en or zh-CN).");

    private static EntitySetMetadata Describe(EntitySetDescriptor set, IReadOnlyList<RecordField> fields, string language) => new(
        set.FullName,
        set.Plugin.Id,
        set.Route,
        set.Definition.DisplayName ?? new LocalizedText(set.ClrType.Name),
        set.Definition.PluralDisplayName ?? new LocalizedText(set.Definition.Name),
        Enum.GetValues<StandardEndpoints>().Where(e => e is not (StandardEndpoints.None or StandardEndpoints.All) && set.Definition.Endpoints.HasFlag(e))
            .Select(e => e.ToString()).ToList(),
        set.Definition.AllowsCustomFields,
        set.Definition.IsOwned,
        set.Definition.DefaultSort,
        fields.Select(f => Describe(f, language)).ToList(),
        set.Definition.StateMachine is { } m ? new StateMachineMetadata(
            JsonNames.CamelCase(m.PropertyName), Workflow.Transitions.StateName(m.Initial),
            m.States.Select(Workflow.Transitions.StateName).ToList(), m.Final.Select(Workflow.Transitions.StateName).ToList(),
            m.Transitions.Select(t => new TransitionMetadata(t.Name, t.From.Select(Workflow.Transitions.StateName).ToList(), Workflow.Transitions.StateName(t.To),
                t.Privilege, t.RequiresComment, t.Guards.Select(g => new GuardMetadata(g.Rule, g.Reason)).ToList())
            {
                Label = (t.DisplayName ?? new LocalizedText(Humanize(t.Name))).In(language),
                Input = Workflow.TransitionInput.Fields(t).Select(f => Describe(f, language)).ToList(),
            }).ToList()) : null)
    {
        Label = (set.Definition.DisplayName ?? new LocalizedText(set.ClrType.Name)).In(language),
        PluralLabel = (set.Definition.PluralDisplayName ?? new LocalizedText(set.Definition.Name)).In(language),
        Lines = set.Definition.Lines is { } lines
            ? new LinesMetadata(lines.Name, lines.MaxLines, lines.AtLeastOne, set.LineFields.Select(f => Describe(f, language)).ToList())
            : null,
    };

    private static string Humanize(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name[1..].Replace('-', ' ');

    public static FieldMetadata Describe(RecordField f, string language = Language.English) => new(
        f.Name, f.Type.ToString(), f.Source.ToString(), f.Owner, f.DisplayName, f.IsRequired, f.IsReadOnly,
        f.IsSearchable, f.IsFilterable, f.IsSortable, f.IsNullable, f.MaxLength, f.Minimum, f.Maximum, f.Choices, f.ReferenceTo,
        f.Format == FieldFormat.None ? null : f.Format.ToString())
    {
        Label = (f.DisplayName ?? new LocalizedText(f.Name)).In(language),
        CurrencyField = f.CurrencyField,
    };
}

public sealed record MetadataDocument(IReadOnlyList<EntitySetMetadata> EntitySets, IReadOnlyList<PermissionSummary> Permissions);

public sealed record EntitySetMetadata(
    string Name, string Plugin, string Route, LocalizedText DisplayName, LocalizedText PluralDisplayName,
    IReadOnlyList<string> Endpoints, bool AllowsCustomFields, bool Owned, string? DefaultSort, IReadOnlyList<FieldMetadata> Fields,
    StateMachineMetadata? StateMachine)
{
    /// <summary>The display name in the caller's language.</summary>
    public string Label { get; init; } = "";
    /// <summary>The plural display name in the caller's language.</summary>
    public string PluralLabel { get; init; } = "";
    /// <summary>For documents with lines: the lines' name, limits and fields.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public LinesMetadata? Lines { get; init; }
}

/// <summary>The lines of a document set: sent and answered as <paramref name="Name"/>, an array.</summary>
public sealed record LinesMetadata(string Name, int MaxLines, bool AtLeastOne, IReadOnlyList<FieldMetadata> Fields);

public sealed record StateMachineMetadata(string Field, string Initial, IReadOnlyList<string> States, IReadOnlyList<string> Final, IReadOnlyList<TransitionMetadata> Transitions);
public sealed record TransitionMetadata(string Name, IReadOnlyList<string> From, string To, string Privilege, bool RequiresComment, IReadOnlyList<GuardMetadata> Guards)
{
    /// <summary>What the button says, in the caller's language.</summary>
    public string Label { get; init; } = "";
    /// <summary>The fields of the transition's input, sent as <c>input</c> (empty when it takes none).</summary>
    public IReadOnlyList<FieldMetadata> Input { get; init; } = [];
}
public sealed record GuardMetadata(string Rule, string Reason);

public sealed record FieldMetadata(
    string Name, string Type, string Source, string Owner, LocalizedText? DisplayName, bool Required, bool ReadOnly,
    bool Searchable, bool Filterable, bool Sortable, bool Nullable, int? MaxLength, double? Minimum, double? Maximum,
    IReadOnlyList<string>? Choices, string? ReferenceTo,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Format)
{
    /// <summary>The display name in the caller's language.</summary>
    public string Label { get; init; } = "";
    /// <summary>For money: the field holding the amount's currency.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? CurrencyField { get; init; }
}
