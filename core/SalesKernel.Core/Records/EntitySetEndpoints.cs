using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Queries;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Records;

/// <summary>The generic REST endpoints of an entity set, mapped in its plugin's route group.</summary>
internal static class EntitySetEndpoints
{
    public const int MaxBulk = 1000;

    public static void Map(IEndpointRouteBuilder group, EntitySetDescriptor set)
    {
        var enabled = set.Definition.Endpoints;
        var route = "/" + set.Definition.Name;
        var name = $"{set.Plugin.Id}.{set.Definition.Name}";
        var display = set.Definition.PluralDisplayName?.En ?? set.Definition.Name;

        if (enabled.HasFlag(StandardEndpoints.List))
            group.MapGet(route, (HttpContext http, RecordPipeline pipeline, CancellationToken ct) => ListAsync(set, http, pipeline, ct))
                .WithName($"{name}.list").WithSummary($"List {display}: filter, search, sort, page, select fields.")
                .Produces<ListPage>().ProducesProblem(400);
        if (enabled.HasFlag(StandardEndpoints.List))
            group.MapGet(route + "/export", (HttpContext http, RecordPipeline pipeline, CancellationToken ct) => ExportAsync(set, http, pipeline, ct))
                .WithName($"{name}.export").WithSummary($"Every {display} record the caller may export, as CSV (filter, search and fields as for the list).")
                .Produces(200, contentType: "text/csv").ProducesProblem(400).ProducesProblem(403);
        if (enabled.HasFlag(StandardEndpoints.Get))
            group.MapGet(route + "/{id:guid}", async (Guid id, HttpContext http, RecordPipeline pipeline, CancellationToken ct) =>
                    await ReadAsync(set, id, http, pipeline, ct, conditional: true) ?? throw new RecordNotFoundException(set.FullName, id))
                .WithName($"{name}.get").WithSummary($"One record of {display}, with its version as ETag; If-None-Match with the current ETag answers 304.")
                .Produces<Dictionary<string, object?>>().Produces(304).ProducesProblem(404);
        if (enabled.HasFlag(StandardEndpoints.Create))
            group.MapPost(route, (HttpContext http, RecordPipeline pipeline, CancellationToken ct) => CreateAsync(set, http, pipeline, ct))
                .WithName($"{name}.create").WithSummary($"Create a record of {display}.")
                .Accepts<Dictionary<string, object?>>("application/json")
                .Produces<Dictionary<string, object?>>(201).ProducesValidationProblem().ProducesProblem(409).ProducesProblem(422);
        if (enabled.HasFlag(StandardEndpoints.Update))
            group.MapPatch(route + "/{id:guid}", (Guid id, HttpContext http, RecordPipeline pipeline, CancellationToken ct) => UpdateAsync(set, id, http, pipeline, ct))
                .WithName($"{name}.update").WithSummary($"Change fields of a record of {display}; send If-Match with its ETag to refuse a lost update.")
                .Accepts<Dictionary<string, object?>>("application/json")
                .Produces<Dictionary<string, object?>>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(412).ProducesProblem(422);
        if (enabled.HasFlag(StandardEndpoints.Delete))
            group.MapDelete(route + "/{id:guid}", async (Guid id, HttpContext http, RecordPipeline pipeline, CancellationToken ct) =>
                {
                    await pipeline.DeleteAsync(set, id, RecordVersion.FromIfMatch(http.Request), ct);
                    return Results.NoContent();
                })
                .WithName($"{name}.delete").WithSummary($"Delete a record of {display}; If-Match is honoured.")
                .Produces(204).ProducesProblem(404).ProducesProblem(412).ProducesProblem(422);
        if (set.Definition.StateMachine is not null)
        {
            group.MapGet(route + "/{id:guid}/transitions", async (Guid id, Workflow.Transitions transitions, CancellationToken ct) =>
                    Results.Ok(await transitions.AvailableAsync(set, id, ct)))
                .WithName($"{name}.transitions").WithSummary($"The transitions of a record of {display}, and why any cannot run now.")
                .Produces<IReadOnlyList<Workflow.TransitionAvailability>>().ProducesProblem(404);
            group.MapPost(route + "/{id:guid}/transitions/{transition}", async (Guid id, string transition, Workflow.TransitionRequest? request,
                    HttpContext http, Workflow.Transitions transitions, RecordPipeline pipeline, CancellationToken ct) =>
                {
                    var (_, approval) = await transitions.RunAsync(set, id, transition, request?.Comment, RecordVersion.FromIfMatch(http.Request), ct, request?.Input);
                    if (approval is null) return await ReadAsync(set, id, http, pipeline, ct) ?? Results.Ok(new { id });
                    // waiting for approval: 202 with the approval request
                    return Results.Accepted($"/api/approvals/{approval.Id}", Workflow.Approvals.Describe(approval));
                })
                .WithName($"{name}.transition").WithSummary($"Run a transition on a record of {display}, with a comment and the transition's input (see its metadata).")
                .Produces<Dictionary<string, object?>>().ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(412).ProducesProblem(422);
            group.MapGet(route + "/{id:guid}/history", async (Guid id, Workflow.Transitions transitions, CancellationToken ct) =>
                    Results.Ok(await transitions.HistoryAsync(set, id, ct)))
                .WithName($"{name}.history").WithSummary($"The transitions a record of {display} went through, oldest first.")
                .Produces<IReadOnlyList<Workflow.TransitionHistoryItem>>().ProducesProblem(404);
        }
        if (set.Definition.IsOwned)
        {
            group.MapPost(route + "/{id:guid}/assign", (Guid id, AssignRequest request, HttpContext http, RecordPipeline pipeline, CancellationToken ct) =>
                    AssignAsync(set, id, request, http, pipeline, ct))
                .WithName($"{name}.assign").WithSummary($"Give a record of {display} to another owner (and team).")
                .Produces<Dictionary<string, object?>>().ProducesProblem(403).ProducesProblem(404);
            group.MapPost(route + "/{id:guid}/share", (Guid id, ShareRequest request, HttpContext http, RecordPipeline pipeline, CancellationToken ct) =>
                    ShareAsync(set, id, request, share: true, pipeline, ct))
                .WithName($"{name}.share").WithSummary($"Let a user of the tenant see a record of {display}.")
                .Produces(204).ProducesProblem(403).ProducesProblem(404);
            group.MapDelete(route + "/{id:guid}/share/{userId}", (Guid id, string userId, RecordPipeline pipeline, CancellationToken ct) =>
                    ShareAsync(set, id, new ShareRequest(userId), share: false, pipeline, ct))
                .WithName($"{name}.unshare").WithSummary($"Stop sharing a record of {display} with a user.")
                .Produces(204).ProducesProblem(403).ProducesProblem(404);
        }
        if (enabled.HasFlag(StandardEndpoints.BulkCreate))
            group.MapPost(route + "/bulk", (HttpContext http, RecordPipeline pipeline, CancellationToken ct) => BulkCreateAsync(set, http, pipeline, ct))
                .WithName($"{name}.bulk").WithSummary($"Create up to {MaxBulk} records of {display} in one transaction: all or none.")
                .Accepts<List<Dictionary<string, object?>>>("application/json")
                .Produces<BulkResult>(201).ProducesValidationProblem().ProducesProblem(422);
    }

    private static async Task<IResult> ListAsync(EntitySetDescriptor set, HttpContext http, RecordPipeline pipeline, CancellationToken ct)
    {
        await pipeline.PrepareAsync(ct);
        var q = http.Request.Query;
        var depth = pipeline.Access.Require(set, Privileges.Read);
        var query = new ListQuery
        {
            Scope = record => pipeline.Access.Scope(set, depth, record),
            Filter = q["filter"], Search = q["search"], Sort = q["sort"], Fields = q["fields"],
            Offset = Int(q, "offset"), Limit = Int(q, "limit"),
            Cursor = q.ContainsKey("cursor") ? q["cursor"].ToString() : null,
            Count = Bool(q, "count"),
        };
        var page = await query.RunAsync(pipeline.Db, set.ClrType, pipeline.VisibleFieldsOf(set), set.Definition.DefaultSort, ct);
        return Results.Ok(page);
    }

    public const int MaxExportRows = 1_000_000;

    /// <summary>
    /// Streams the records as CSV, a keyset page at a time (memory stays flat whatever the size), within
    /// the caller's export depth (never beyond their read depth) and without fields their roles hide.
    /// The export itself is audited.
    /// </summary>
    private static async Task<IResult> ExportAsync(EntitySetDescriptor set, HttpContext http, RecordPipeline pipeline, CancellationToken ct)
    {
        await pipeline.PrepareAsync(ct);
        var depth = (AccessDepth)Math.Min((int)pipeline.Access.Require(set, Privileges.Export), (int)pipeline.Access.Depth(set, Privileges.Read));
        if (depth == AccessDepth.None) throw new SalesKernel.Sdk.AccessDeniedException($"You may not read {set.FullName}.");
        var q = http.Request.Query;
        var fields = pipeline.VisibleFieldsOf(set);
        var query = (string? cursor) => new ListQuery
        {
            Scope = record => pipeline.Access.Scope(set, depth, record),
            Filter = q["filter"], Search = q["search"], Fields = q["fields"], Limit = ListQuery.MaxLimit, Cursor = cursor ?? "",
        };
        // the first page runs before anything is written, so a bad query is still a clean 400
        var page = await query(null).RunAsync(pipeline.Db, set.ClrType, fields, "id", ct);
        var columns = page.Items.FirstOrDefault()?.Keys.ToList() ?? SelectedNames(q["fields"], fields);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{set.FullName}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true)) { NewLine = "\r\n" };
        var rows = 0;
        try
        {
            await writer.WriteLineAsync(string.Join(',', columns.Select(Csv)));
            while (true)
            {
                foreach (var item in page.Items)
                    await writer.WriteLineAsync(string.Join(',', columns.Select(c => Csv(Text(item.GetValueOrDefault(c))))));
                rows += page.Items.Count;
                if (page.NextCursor is not { } next || rows >= MaxExportRows) break;
                page = await query(next).RunAsync(pipeline.Db, set.ClrType, fields, "id", ct);
            }
            await writer.FlushAsync(ct);
        }
        finally
        {
            // whatever left the building is on record, even when the client went away mid-way
            pipeline.Db.ChangeTracker.Clear();
            await pipeline.AuditExportAsync(set, rows, q["filter"], CancellationToken.None);
        }
        return Results.Empty;
    }

    private static List<string> SelectedNames(string? selection, IReadOnlyList<RecordField> fields) =>
        string.IsNullOrWhiteSpace(selection) ? fields.Select(f => f.Name).ToList()
            : ["id", .. selection.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(n => n != "id")];

    private static string Text(object? value) => value switch
    {
        null => "",
        DateTime d => d.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        string[] list => string.Join(';', list),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>RFC 4180 quoting; a leading = + - @ is prefixed with ' so spreadsheets do not run it as a formula.</summary>
    private static string Csv(string text)
    {
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' && !decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            text = "'" + text;
        return text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
    }

    private static async Task<IResult?> ReadAsync(EntitySetDescriptor set, Guid id, HttpContext http, RecordPipeline pipeline, CancellationToken ct,
        int status = 200, bool conditional = false)
    {
        await pipeline.PrepareAsync(ct);
        var depth = pipeline.Access.Depth(set, Privileges.Read);
        if (depth == AccessDepth.None) return null;
        var page = await new ListQuery { Id = id, Limit = 1, Scope = record => pipeline.Access.Scope(set, depth, record) }
            .RunAsync(pipeline.Db, set.ClrType, pipeline.VisibleFieldsOf(set), null, ct);
        if (page.Items.Count == 0) return null;
        var record = page.Items[0];
        // a document is answered with its lines, in order
        if (set.Definition.Lines is { } lines) record[lines.Name] = await DocumentLines.ReadAsync(pipeline.Db, set, id, ct);
        var etag = RecordVersion.ToETag((long)record["version"]!);
        http.Response.Headers.ETag = etag;
        if (conditional && NoneMatch(http.Request, etag)) return Results.StatusCode(StatusCodes.Status304NotModified);
        return status == 201 ? Results.Created($"{set.Route}/{id}", record) : Results.Ok(record);
    }

    /// <summary>True when If-None-Match names the record's current ETag (weakly compared, RFC 9110 §13.1.2) or is <c>*</c>.</summary>
    private static bool NoneMatch(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch.ToString();
        if (header.Length == 0) return false;
        static string Opaque(string tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
        return header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Any(tag => tag == "*" || Opaque(tag) == Opaque(etag));
    }

    private static async Task<IResult> CreateAsync(EntitySetDescriptor set, HttpContext http, RecordPipeline pipeline, CancellationToken ct)
    {
        await pipeline.PrepareAsync(ct);
        pipeline.Confirmed = Bool(http.Request.Query, "force");
        using var body = await ReadBodyAsync(http, ct);
        var errors = new Dictionary<string, List<string>>();
        var values = RecordReader.Read(body.RootElement, pipeline.VisibleFieldsOf(set), isCreate: true, errors, lines: set.Definition.Lines?.Name);
        RefuseFrozen(set, pipeline, values, errors);
        var (entity, rest) = RecordReader.NewEntity(set.ClrType, values);
        SetLines(set, entity, body.RootElement, errors);
        // what could not be read is answered together with what the pipeline finds: one 400 with every error
        pipeline.ReadErrors = errors;
        var entry = await pipeline.CreateAsync(set, entity, rest, ct);
        var createdId = ((IEntity)entry.Entity).Id;
        return await ReadAsync(set, createdId, http, pipeline, ct, status: 201) ?? Results.Created($"{set.Route}/{createdId}", new { id = createdId });
    }

    private static async Task<IResult> UpdateAsync(EntitySetDescriptor set, Guid id, HttpContext http, RecordPipeline pipeline, CancellationToken ct)
    {
        await pipeline.PrepareAsync(ct);
        pipeline.Confirmed = Bool(http.Request.Query, "force");
        var expected = RecordVersion.FromIfMatch(http.Request);
        using var body = await ReadBodyAsync(http, ct);
        var errors = new Dictionary<string, List<string>>();
        var values = RecordReader.Read(body.RootElement, pipeline.VisibleFieldsOf(set), isCreate: false, errors, lines: set.Definition.Lines?.Name);
        RefuseFrozen(set, pipeline, values, errors);
        // lines sent replace every line the document has
        var lines = set.Definition.Lines is { } definition && body.RootElement.ValueKind == JsonValueKind.Object
            && body.RootElement.TryGetProperty(definition.Name, out var sent) ? DocumentLines.Read(sent, set, errors) : null;
        pipeline.ReadErrors = errors;
        await pipeline.UpdateAsync(set, id, expected, entry =>
        {
            foreach (var (field, value) in values.Fields) RecordValues.Set(entry, field, value);
            if (lines is not null)
            {
                var collection = DocumentLines.Collection(entry, set);
                collection.Clear();
                foreach (var line in lines) collection.Add(line);
            }
        }, ct);
        return await ReadAsync(set, id, http, pipeline, ct) ?? Results.Ok(new { id }); // changed, but no longer visible to the caller
    }

    private static async Task<IResult> AssignAsync(EntitySetDescriptor set, Guid id, AssignRequest request, HttpContext http, RecordPipeline pipeline, CancellationToken ct)
    {
        await pipeline.PrepareAsync(ct);
        var owner = await pipeline.Db.Users.AsNoTracking()
            .Where(u => u.TenantId == pipeline.Db.Caller.TenantId && u.Id == request.OwnerId && u.IsActive)
            .Select(u => new { u.Id, u.TeamId }).FirstOrDefaultAsync(ct)
            ?? throw new RecordValidationException(new Dictionary<string, string[]> { ["ownerId"] = ["must be an active user of this tenant"] });
        if (request.TeamId is { } team && !await pipeline.Db.Teams.AnyAsync(t => t.Id == team && t.TenantId == pipeline.Db.Caller.TenantId, ct))
            throw new RecordValidationException(new Dictionary<string, string[]> { ["teamId"] = ["must be a team of this tenant"] });
        await pipeline.AssignAsync(set, id, owner.Id.ToString(), (request.TeamId ?? owner.TeamId)?.ToString(), RecordVersion.FromIfMatch(http.Request), ct);
        return await ReadAsync(set, id, http, pipeline, ct) ?? Results.Ok(new { id });
    }

    private static async Task<IResult> ShareAsync(EntitySetDescriptor set, Guid id, ShareRequest request, bool share, RecordPipeline pipeline, CancellationToken ct)
    {
        await pipeline.PrepareAsync(ct);
        await pipeline.ShareAsync(set, id, request.UserId, share, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> BulkCreateAsync(EntitySetDescriptor set, HttpContext http, RecordPipeline pipeline, CancellationToken ct)
    {
        await pipeline.PrepareAsync(ct);
        pipeline.Confirmed = Bool(http.Request.Query, "force");
        using var body = await ReadBodyAsync(http, ct);
        if (body.RootElement.ValueKind != JsonValueKind.Array)
            throw new RecordValidationException(new Dictionary<string, string[]> { ["$"] = ["must be a JSON array of records"] });
        var count = body.RootElement.GetArrayLength();
        if (count is 0 or > MaxBulk)
            throw new RecordValidationException(new Dictionary<string, string[]> { ["$"] = [$"must hold between 1 and {MaxBulk} records"] });
        var fields = pipeline.VisibleFieldsOf(set);
        var readErrors = new List<Dictionary<string, List<string>>>();
        var items = body.RootElement.EnumerateArray()
            .Select((element, i) =>
            {
                var errors = new Dictionary<string, List<string>>();
                var values = RecordReader.Read(element, fields, isCreate: true, errors, lines: set.Definition.Lines?.Name);
                RefuseFrozen(set, pipeline, values, errors);
                readErrors.Add(errors);
                var created = RecordReader.NewEntity(set.ClrType, values);
                SetLines(set, created.Entity, element, errors);
                return created;
            })
            .Select(x => (x.Entity, (IReadOnlyDictionary<RecordField, object?>)x.Others))
            .ToList();
        var entries = await pipeline.CreateManyAsync(set, items, ct, readErrors);
        return Results.Json(new BulkResult(entries.Count, entries.Select(e => ((IEntity)e.Entity).Id).ToList()), statusCode: 201);
    }

    /// <summary>A new document's lines, read from its body into the header's collection.</summary>
    private static void SetLines(EntitySetDescriptor set, object entity, JsonElement body, Dictionary<string, List<string>> errors)
    {
        if (set.Definition.Lines is not { } definition || body.ValueKind != JsonValueKind.Object || !body.TryGetProperty(definition.Name, out var sent)) return;
        if (DocumentLines.Read(sent, set, errors) is not { } lines) return;
        var property = set.ClrType.GetProperty(definition.PropertyName)!;
        var collection = (System.Collections.IList)(property.GetValue(entity) ?? Activator.CreateInstance(property.PropertyType)!);
        collection.Clear();
        foreach (var line in lines) collection.Add(line);
        property.SetValue(entity, collection);
    }

    /// <summary>Fields a role of the caller freezes can be read but not written (field-level security).</summary>
    private static void RefuseFrozen(EntitySetDescriptor set, RecordPipeline pipeline, RecordReader.Values values, Dictionary<string, List<string>> errors, string prefix = "")
    {
        foreach (var field in values.Fields.Keys.Where(f => pipeline.Access.Restriction(set, f.Name) == Security.FieldAccess.ReadOnly))
            FieldValidation.Add(errors, prefix + field.Name, "is read-only for you");
    }

    private static async Task<JsonDocument> ReadBodyAsync(HttpContext http, CancellationToken ct)
    {
        if (http.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
            throw new BadHttpRequestException("The body must be JSON (Content-Type: application/json).", StatusCodes.Status415UnsupportedMediaType);
        try
        {
            return await JsonDocument.ParseAsync(http.Request.Body, new JsonDocumentOptions { MaxDepth = 32 }, ct);
        }
        catch (JsonException e)
        {
            throw new BadHttpRequestException($"The body is not valid JSON: {e.Message}", e);
        }
    }

    private static int? Int(IQueryCollection query, string name)
    {
        var text = query[name].ToString();
        if (text.Length == 0) return null;
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new QueryException($"{name} must be a whole number; '{text}' is not");
    }

    private static bool Bool(IQueryCollection query, string name)
    {
        var text = query[name].ToString();
        if (text.Length == 0) return false;
        return bool.TryParse(text, out var value) ? value : throw new QueryException($"{name} must be true or false; '{text}' is not");
    }

    private static void ThrowIfAny(Dictionary<string, List<string>> errors)
    {
        if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }
}

/// <summary>The new owner of a record, and optionally its team (the owner's team otherwise).</summary>
public sealed record AssignRequest(Guid OwnerId, Guid? TeamId);

/// <summary>The user to share a record with.</summary>
public sealed record ShareRequest(string UserId);

/// <summary>What a bulk create wrote.</summary>
public sealed record BulkResult(int Created, IReadOnlyList<Guid> Ids);
