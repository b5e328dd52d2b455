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
        app.MapGet("/api/meta", async (EntitySetRegistry sets, RecordPipeline pipeline, PluginCatalog catalog, CallerContext caller, CancellationToken ct) =>
            {
                // only what the caller may see: sets of plugins the tenant has on, that they may read, less hidden fields
                if (caller.TenantId is null) return Results.Ok(new MetadataDocument([], []));
                await pipeline.PrepareAsync(ct);
                return Results.Ok(new MetadataDocument(
                    sets.Sets.Where(s => pipeline.IsEnabled(s.Plugin.Id) && pipeline.Access.Depth(s, Privileges.Read) != AccessDepth.None)
                        .Select(s => Describe(s, pipeline.VisibleFieldsOf(s))).ToList(),
                    catalog.Permissions.Select(p => new PermissionSummary(p.FullName, p.DisplayName.En, p.DisplayName.ZhHans)).ToList()));
            })
            .WithTags("Kernel").WithName("GetMetadata").WithSummary("Entity sets, fields and permissions.");

    private static EntitySetMetadata Describe(EntitySetDescriptor set, IReadOnlyList<RecordField> fields) => new(
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
        fields.Select(Describe).ToList(),
        set.Definition.StateMachine is { } m ? new StateMachineMetadata(
            JsonNames.CamelCase(m.PropertyName), Workflow.Transitions.StateName(m.Initial),
            m.States.Select(Workflow.Transitions.StateName).ToList(), m.Final.Select(Workflow.Transitions.StateName).ToList(),
            m.Transitions.Select(t => new TransitionMetadata(t.Name, t.From.Select(Workflow.Transitions.StateName).ToList(), Workflow.Transitions.StateName(t.To),
                t.Privilege, t.RequiresComment, t.Guards.Select(g => new GuardMetadata(g.Rule, g.Reason)).ToList())).ToList()) : null);

    public static FieldMetadata Describe(RecordField f) => new(
        f.Name, f.Type.ToString(), f.Source.ToString(), f.Owner, f.DisplayName, f.IsRequired, f.IsReadOnly,
        f.IsSearchable, f.IsFilterable, f.IsSortable, f.IsNullable, f.MaxLength, f.Minimum, f.Maximum, f.Choices, f.ReferenceTo,
        f.Format == FieldFormat.None ? null : f.Format.ToString());
}

public sealed record MetadataDocument(IReadOnlyList<EntitySetMetadata> EntitySets, IReadOnlyList<PermissionSummary> Permissions);

public sealed record EntitySetMetadata(
    string Name, string Plugin, string Route, LocalizedText DisplayName, LocalizedText PluralDisplayName,
    IReadOnlyList<string> Endpoints, bool AllowsCustomFields, bool Owned, string? DefaultSort, IReadOnlyList<FieldMetadata> Fields,
    StateMachineMetadata? StateMachine);

public sealed record StateMachineMetadata(string Field, string Initial, IReadOnlyList<string> States, IReadOnlyList<string> Final, IReadOnlyList<TransitionMetadata> Transitions);
public sealed record TransitionMetadata(string Name, IReadOnlyList<string> From, string To, string Privilege, bool RequiresComment, IReadOnlyList<GuardMetadata> Guards);
public sealed record GuardMetadata(string Rule, string Reason);

public sealed record FieldMetadata(
    string Name, string Type, string Source, string Owner, LocalizedText? DisplayName, bool Required, bool ReadOnly,
    bool Searchable, bool Filterable, bool Sortable, bool Nullable, int? MaxLength, double? Minimum, double? Maximum,
    IReadOnlyList<string>? Choices, string? ReferenceTo,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Format);
