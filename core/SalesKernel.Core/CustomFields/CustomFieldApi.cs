using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Metadata;
using SalesKernel.Core.Records;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.CustomFields;

/// <summary>
/// <c>/api/custom-fields</c>: administrators add fields to entity sets at run time, without a restart.
/// Values live in the record's custom-field document; removing a field hides its values, it does
/// not erase them (adding it again brings them back).
/// </summary>
internal static partial class CustomFieldApi
{
    public const int MaxFieldsPerSet = 200;

    public static void MapCustomFieldApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/custom-fields").WithTags("Kernel");
        group.MapGet("/", ListAsync).WithName("ListCustomFields").WithSummary("Custom fields, of one entity set when 'entity' is given.");
        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, KernelDbContext db, CancellationToken ct) =>
            {
                var tenant = Tenant(db);
                return await db.CustomFieldDefinitions.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id && d.TenantId == tenant && d.DeletedAtUtc == null, ct) is { } d
                    ? TypedResults.Ok(new CustomFieldResponse(d.Id, d.EntitySet, MetadataApi.Describe(CustomFieldRegistry.ToField(d))))
                    : TypedResults.Problem(statusCode: 404, title: "Custom field not found", detail: $"There is no custom field with id {id}.");
            })
            .WithName("GetCustomField").WithSummary("One custom field.").Produces<CustomFieldResponse>().ProducesProblem(404);
        group.MapPost("/", CreateAsync).WithName("CreateCustomField").WithSummary("Add a custom field to an entity set.")
            .ProducesValidationProblem().ProducesProblem(409);
        group.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteCustomField").WithSummary("Remove a custom field (its values are kept, hidden).")
            .ProducesProblem(404);
    }

    private static async Task<IResult> ListAsync(KernelDbContext db, string? entity, CancellationToken ct)
    {
        var tenant = Tenant(db);
        var query = db.CustomFieldDefinitions.AsNoTracking().Where(d => d.TenantId == tenant && d.DeletedAtUtc == null);
        if (!string.IsNullOrEmpty(entity)) query = query.Where(d => d.EntitySet == entity);
        var rows = await query.OrderBy(d => d.EntitySet).ThenBy(d => d.CreatedAtUtc).ToListAsync(ct);
        return Results.Ok(rows.Select(d => new CustomFieldResponse(d.Id, d.EntitySet, MetadataApi.Describe(CustomFieldRegistry.ToField(d)))));
    }

    private static async Task<IResult> CreateAsync(CustomFieldRequest request, KernelDbContext db, EntitySetRegistry sets,
        CustomFieldRegistry registry, TimeProvider clock, CancellationToken ct)
    {
        var tenant = Tenant(db);
        var errors = new Dictionary<string, List<string>>();
        var set = request.Entity is null ? null : sets.Find(request.Entity);
        if (set is null) FieldValidation.Add(errors, "entity", $"must name an entity set: {string.Join(", ", sets.Sets.Select(s => s.FullName))}");
        else if (!set.Definition.AllowsCustomFields) FieldValidation.Add(errors, "entity", "does not allow custom fields");
        if (request.Name is null || !NamePattern().IsMatch(request.Name))
            FieldValidation.Add(errors, "name", "must start with cf_ followed by a lower-case letter, then letters and digits (at most 40), e.g. cf_wechatId");
        var type = Enum.GetNames<FieldType>().Contains(request.Type) ? Enum.Parse<FieldType>(request.Type!) : FieldType.Guid;
        if (type == FieldType.Guid)
            FieldValidation.Add(errors, "type", "must be one of: Text, Integer, Decimal, Money, Boolean, Date, DateTime, Choice, MultiChoice, Reference");
        if (string.IsNullOrWhiteSpace(request.DisplayName?.En) || request.DisplayName.En.Length > 200)
            FieldValidation.Add(errors, "displayName.en", "is required (at most 200 characters)");
        if (request.DisplayName?.ZhHans?.Length > 200) FieldValidation.Add(errors, "displayName.zhHans", "must be at most 200 characters");

        var choices = request.Choices?.Select(c => c.Trim()).Where(c => c.Length > 0).Distinct().ToArray();
        if (type is FieldType.Choice or FieldType.MultiChoice)
        {
            if (choices is not { Length: > 0 and <= 200 } || choices.Any(c => c.Length > 100))
                FieldValidation.Add(errors, "choices", "must list 1 to 200 values of at most 100 characters");
        }
        else if (request.Choices is not null) FieldValidation.Add(errors, "choices", "apply only to Choice and MultiChoice fields");
        if (type == FieldType.Reference && (request.ReferenceTo is null || sets.Find(request.ReferenceTo) is null))
            FieldValidation.Add(errors, "referenceTo", "must name an entity set");
        if (type == FieldType.Text && request.MaxLength is < 1 or > 4000) FieldValidation.Add(errors, "maxLength", "must be between 1 and 4000");
        if (request.Minimum > request.Maximum) FieldValidation.Add(errors, "minimum", "must not be above maximum");

        CustomFieldDefinition? removed = null;
        if (errors.Count == 0)
        {
            var existing = await db.CustomFieldDefinitions.FirstOrDefaultAsync(d => d.TenantId == tenant && d.EntitySet == set!.FullName && d.Name == request.Name, ct);
            if (set!.Fields.Any(f => f.Name == request.Name) || existing is { DeletedAtUtc: null })
                return Results.Problem(statusCode: 409, title: "The field exists", detail: $"{set.FullName} already has a field named {request.Name}.");
            if (existing is not null && existing.Type != type.ToString())
                return Results.Problem(statusCode: 409, title: "The name was used by another type",
                    detail: $"{request.Name} was a {existing.Type} field; its stored values are kept, so it can only come back as {existing.Type}.");
            removed = existing;
            if (await db.CustomFieldDefinitions.CountAsync(d => d.TenantId == tenant && d.EntitySet == set.FullName && d.DeletedAtUtc == null, ct) >= MaxFieldsPerSet)
                FieldValidation.Add(errors, "entity", $"already has {MaxFieldsPerSet} custom fields");
        }
        if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));

        var definition = removed ?? new CustomFieldDefinition { Id = Guid.CreateVersion7(), TenantId = tenant, EntitySet = set!.FullName, Name = request.Name! };
        definition.Type = type.ToString();
        definition.DisplayNameEn = request.DisplayName!.En.Trim();
        definition.DisplayNameZhHans = request.DisplayName.ZhHans?.Trim();
        definition.IsRequired = request.Required;
        definition.MaxLength = type == FieldType.Text ? request.MaxLength ?? 255 : null;
        definition.Minimum = request.Minimum;
        definition.Maximum = request.Maximum;
        definition.Choices = choices is null ? null : JsonSerializer.Serialize(choices);
        definition.ReferenceTo = type == FieldType.Reference ? request.ReferenceTo : null;
        definition.CreatedAtUtc = clock.GetUtcNow().UtcDateTime;
        definition.DeletedAtUtc = null;
        if (removed is null)
            db.CustomFieldDefinitions.Add(definition);
        await db.SaveChangesAsync(ct);
        await registry.ReloadAsync(ct);
        return Results.Created($"/api/custom-fields/{definition.Id}",
            new CustomFieldResponse(definition.Id, definition.EntitySet, MetadataApi.Describe(CustomFieldRegistry.ToField(definition))));
    }

    private static async Task<IResult> DeleteAsync(Guid id, KernelDbContext db, CustomFieldRegistry registry, CancellationToken ct)
    {
        var tenant = Tenant(db);
        var deleted = await db.CustomFieldDefinitions.Where(d => d.Id == id && d.TenantId == tenant && d.DeletedAtUtc == null)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.DeletedAtUtc, DateTime.UtcNow), ct);
        if (deleted == 0) return Results.Problem(statusCode: 404, title: "Custom field not found", detail: $"There is no custom field with id {id}.");
        await registry.ReloadAsync(ct);
        return Results.NoContent();
    }

    /// <summary>Custom fields are a tenant's own: only a tenant's users define them.</summary>
    private static Guid Tenant(KernelDbContext db) => db.Caller.TenantId
        ?? throw new AccessDeniedException("Custom fields belong to a tenant; sign in as one of its users.");

    [GeneratedRegex("^cf_[a-z][a-zA-Z0-9]{0,39}$")]
    private static partial Regex NamePattern();
}

public sealed record CustomFieldRequest(
    string? Entity, string? Name, string? Type, LocalizedText? DisplayName, bool Required, int? MaxLength,
    double? Minimum, double? Maximum, string[]? Choices, string? ReferenceTo);

public sealed record CustomFieldResponse(Guid Id, string Entity, FieldMetadata Field);
