using System.Linq.Expressions;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Records;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Queries;

/// <summary>
/// A list request: filter, search, sort, paging (offset or keyset cursor), field selection and an
/// optional total — all checked against the set's metadata and run as one SQL query (two with the total).
/// </summary>
public sealed class ListQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public string? Filter { get; init; }
    public string? Search { get; init; }
    public string? Sort { get; init; }
    public string? Fields { get; init; }
    public int? Offset { get; init; }
    public int? Limit { get; init; }
    /// <summary>
    /// Empty: the first page of keyset paging. Otherwise the previous page's <c>nextCursor</c>. Null with no
    /// <see cref="Offset"/>: the first page, paged by keyset when the sort allows it (else by offset).
    /// </summary>
    public string? Cursor { get; init; }
    public bool Count { get; init; }
    /// <summary>Restricts the query to one record (used to read a record back).</summary>
    public Guid? Id { get; init; }
    /// <summary>The records the caller may see (record-level security); null for all of the tenant's.</summary>
    public Func<ParameterExpression, Expression?>? Scope { get; init; }

    /// <summary>Runs the query over the entity set of <paramref name="clrType"/> in <paramref name="context"/>.</summary>
    public Task<ListPage> RunAsync(DbContext context, Type clrType, IReadOnlyList<RecordField> fields, string? defaultSort, CancellationToken cancellationToken) =>
        Runners.GetOrAdd(clrType, static type => Data.GenericMethods.Of(typeof(ListQuery), nameof(RunOf), type).CreateDelegate<Runner>())
            (this, context, fields, defaultSort, cancellationToken);

    private delegate Task<ListPage> Runner(ListQuery query, DbContext context, IReadOnlyList<RecordField> fields, string? defaultSort, CancellationToken cancellationToken);

    /// <summary>The typed run of each entity type, made once (a delegate call, not a reflection call, per request).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Runner> Runners = new();

    private static Task<ListPage> RunOf<T>(ListQuery query, DbContext context, IReadOnlyList<RecordField> fields, string? defaultSort, CancellationToken cancellationToken)
        where T : class => query.RunTypedAsync<T>(context, fields, defaultSort, cancellationToken);

    private async Task<ListPage> RunTypedAsync<T>(DbContext context, IReadOnlyList<RecordField> fields, string? defaultSort, CancellationToken cancellationToken) where T : class
    {
        var limit = Limit ?? DefaultLimit;
        if (limit is < 1 or > MaxLimit) throw new QueryException($"limit must be between 1 and {MaxLimit}");
        if (Offset is < 0) throw new QueryException("offset must be 0 or more");
        if (Offset is not null && Cursor is not null) throw new QueryException("use either offset or cursor, not both");

        List<object?[]>? rows = null;
        Built built = default;
        var plans = QueryPlans.For(context.Model);
        // a page without its total runs as a compiled query, made once for its shape
        if (!Count && context is Data.KernelDbContext kernel)
        {
            QueryPlans.Rows? plan;
            object?[] values;
            // the sink collects on this thread only while the query is built: nothing awaits inside it
            using (var sink = ParameterSink.Begin())
            {
                built = Build(plans, context.Set<T>(), fields, defaultSort, limit);
                plan = plans.Get(built.Rows, sink);
                values = sink.Values;
            }
            if (plan is not null)
            {
                rows = [];
                await foreach (var row in plan(kernel, values).WithCancellation(cancellationToken)) rows.Add(row);
            }
        }
        if (rows is null)
        {
            built = Build(plans, context.Set<T>(), fields, defaultSort, limit);
            rows = await built.Rows.ToListAsync(cancellationToken);
        }
        var total = Count ? await built.Count(cancellationToken) : (int?)null;

        // one row more than the page tells whether there is a next one: its cursor is given on every page
        // that has one, the first included (by keyset where the sort allows it, else the next offset)
        string? next = null;
        if (rows.Count > limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = built.Keyset
                ? EncodeCursor(built.Shape.Sort.Select(s => rows[^1][built.Shape.Columns.FindIndex(c => c.Key == "sort:" + s.Field.Name)]).ToList())
                : EncodeOffset(built.Offset + limit);
        }
        var items = new List<Dictionary<string, object?>>(rows.Count);
        foreach (var row in rows) items.Add(ToRecord(row, built.Shape));
        // the answer's offset: with offset paging, and on a first page asked for with neither offset nor cursor
        return new ListPage(items, total, built.Keyset && Cursor is not null ? null : built.Offset, limit, next);
    }

    /// <summary>The query of a page (and, for its total, of every matching record), built and checked but not run.</summary>
    private Built Build<T>(QueryPlans plans, IQueryable<T> query, IReadOnlyList<RecordField> fields, string? defaultSort, int limit) where T : class
    {
        var record = Expression.Parameter(typeof(T), "r");
        RecordField? Resolve(string name) => fields.FirstOrDefault(f => f.Name == name);
        query = query.AsNoTracking();
        if (Scope?.Invoke(record) is { } scope) query = query.Where(Expression.Lambda<Func<T, bool>>(scope, record));
        if (Id is { } id)
        {
            var idField = fields.First(f => f.Name == "id");
            query = query.Where(Expression.Lambda<Func<T, bool>>(
                Expression.Equal(FieldAccess.Build(record, idField), FilterTranslator.Parameter(id, typeof(Guid))), record));
        }

        if (!string.IsNullOrWhiteSpace(Filter))
        {
            var predicate = FilterTranslator.Translate(FilterParser.Parse(Filter), record, Resolve, f => f.IsFilterable);
            query = query.Where(Expression.Lambda<Func<T, bool>>(predicate, record));
        }
        if (!string.IsNullOrWhiteSpace(Search)) query = query.Where(SearchPredicate<T>(record, fields, Search.Trim()));
        var matching = query;

        var shape = ShapeOf<T>(plans, fields, Sort ?? defaultSort);
        var sort = shape.Sort;
        // a cursor is either a row's sort values (keyset) or, for sorts keyset paging cannot follow, the next offset
        var cursorOffset = Cursor is { Length: > 0 } ? DecodeOffset(Cursor) : null;
        var unseekable = sort.FirstOrDefault(s => !CanSeek(s.Field));
        var seekable = unseekable is null;
        var keyset = Cursor is not null ? cursorOffset is null : Offset is null && seekable;
        var offset = keyset ? 0 : cursorOffset ?? Offset ?? 0;
        if (keyset && Cursor is not null)
        {
            if (!seekable)
                throw new QueryException($"cursor paging cannot sort on '{unseekable!.Field.Name}' (it may be empty or is a choice); sort on other fields or use offset paging");
            if (Cursor.Length > 0) query = query.Where(After<T>(record, sort, DecodeCursor(Cursor, sort)));
        }
        var first = true;
        foreach (var (key, descending) in shape.Orderings)
        {
            query = Apply(query, key, first, descending);
            first = false;
        }
        if (offset > 0) query = Page(query, nameof(Queryable.Skip), offset);
        query = Page(query, nameof(Queryable.Take), limit + 1);

        return new Built(ct => matching.CountAsync(ct), query.Select((Expression<Func<T, object?[]>>)shape.Projection), shape, keyset, offset);
    }

    /// <summary>What a page reads and in which order, for a set's fields, a selection and a sort: made once, then shared by every query of that shape.</summary>
    private sealed record Shape(List<RecordField> Selected, List<Column> Columns, List<SortKey> Sort, LambdaExpression Projection, List<(LambdaExpression Key, bool Descending)> Orderings)
    {
        /// <summary>The column of each selected field (-1 for a custom field, read from the custom column).</summary>
        public int[] ColumnOf { get; } = [.. Selected.Select(f => f.Source == FieldSource.Custom ? -1 : Columns.FindIndex(c => c.Key == "field:" + f.Name))];
        public int CustomColumn { get; } = Columns.FindIndex(c => c.Key == "custom");
    }

    private readonly record struct ShapeKey(Type Type, FieldList Fields, string? Selection, string? Sort);

    /// <summary>A list of fields compared by the identity of its fields (a caller's visible fields are a new list each request, of the same fields).</summary>
    private readonly struct FieldList(IReadOnlyList<RecordField> fields) : IEquatable<FieldList>
    {
        private readonly int _hash = Hash(fields);
        public IReadOnlyList<RecordField> Fields { get; } = fields;

        private static int Hash(IReadOnlyList<RecordField> fields)
        {
            var hash = new HashCode();
            for (var i = 0; i < fields.Count; i++) hash.Add(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(fields[i]));
            return hash.ToHashCode();
        }

        public bool Equals(FieldList other)
        {
            if (_hash != other._hash || Fields.Count != other.Fields.Count) return false;
            for (var i = 0; i < Fields.Count; i++) if (!ReferenceEquals(Fields[i], other.Fields[i])) return false;
            return true;
        }

        public override bool Equals(object? obj) => obj is FieldList other && Equals(other);
        public override int GetHashCode() => _hash;
    }

    private const int MaxShapes = 4000;

    private Shape ShapeOf<T>(QueryPlans plans, IReadOnlyList<RecordField> fields, string? sortText)
    {
        var key = new ShapeKey(typeof(T), new FieldList(fields), Fields, sortText);
        if (plans.Shapes.TryGetValue(key, out var known)) return (Shape)known;
        var sort = ParseSort(sortText, fields);
        var selected = SelectFields(fields);
        var columns = Columns(selected, fields, sort);
        var record = Expression.Parameter(typeof(T), "r");
        var projection = Expression.Lambda<Func<T, object?[]>>(
            Expression.NewArrayInit(typeof(object), columns.Select(c => Expression.Convert(c.Access(record), typeof(object)))), record);
        var shape = new Shape(selected, columns, sort, projection, OrderKeys(record, sort));
        if (plans.Shapes.Count < MaxShapes) plans.Shapes.TryAdd(key, shape);
        return shape;
    }

    /// <summary>Skip or Take with the count as a parameter, so pages of any size or offset share one query.</summary>
    private static IQueryable<T> Page<T>(IQueryable<T> query, string method, int count) =>
        query.Provider.CreateQuery<T>(Expression.Call(PageMethods.GetOrAdd((method, typeof(T)), static k => typeof(Queryable).GetMethods()
            .Single(m => m.Name == k.Name && m.GetParameters() is [_, { ParameterType: var count }] && count == typeof(int)).MakeGenericMethod(k.Record)),
            query.Expression, FilterTranslator.Parameter(count, typeof(int))));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Name, Type Record), System.Reflection.MethodInfo> PageMethods = new();

    private static Expression<Func<T, bool>> SearchPredicate<T>(ParameterExpression record, IReadOnlyList<RecordField> fields, string term)
    {
        var searchable = fields.Where(f => f.IsSearchable && f.Type == FieldType.Text).ToList();
        if (searchable.Count == 0) throw new QueryException("search: this entity set has no searchable fields");
        if (term.Length > 200) throw new QueryException("search: the term is longer than 200 characters");
        if (term.Contains('\0')) throw new QueryException("search: the term must not contain the NUL character");
        var literal = new FilterLiteral(FilterLiteralKind.String, term);
        var body = searchable
            .Select(f => FilterTranslator.Translate(new ConditionNode(f.Name, FilterOperator.Contains, [literal], 0), record, n => searchable.First(s => s.Name == n), _ => true))
            .Aggregate(Expression.OrElse);
        return Expression.Lambda<Func<T, bool>>(body, record);
    }

    private static List<SortKey> ParseSort(string? sort, IReadOnlyList<RecordField> fields)
    {
        var keys = new List<SortKey>();
        foreach (var part in (sort ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var descending = part.StartsWith('-');
            var name = part.TrimStart('-', '+');
            var field = fields.FirstOrDefault(f => f.Name == name) ?? throw new QueryException($"sort: unknown field '{name}'");
            if (!field.IsSortable) throw new QueryException($"sort: field '{name}' cannot be sorted on");
            if (keys.Any(k => k.Field == field)) throw new QueryException($"sort: field '{name}' is named twice");
            keys.Add(new SortKey(field, descending));
        }
        if (keys.Count > 5) throw new QueryException("sort: at most 5 fields");
        // the id ends every order, so pages never overlap or skip rows
        var id = fields.First(f => f.Name == "id");
        if (keys.All(k => k.Field != id)) keys.Add(new SortKey(id, keys.LastOrDefault()?.Descending ?? false));
        return keys;
    }

    private static bool CanSeek(RecordField f) =>
        !FieldAccess.QueryType(f).IsGenericType && f.Source != FieldSource.Custom && !f.IsNullable
        && f.Type is FieldType.Text or FieldType.Integer or FieldType.Decimal or FieldType.Money or FieldType.Date or FieldType.DateTime or FieldType.Guid;

    /// <summary>The keys a page is ordered by: each sort field (empty values last when it may be empty), then the id.</summary>
    private static List<(LambdaExpression Key, bool Descending)> OrderKeys(ParameterExpression record, List<SortKey> sort)
    {
        var keys = new List<(LambdaExpression, bool)>();
        foreach (var key in sort)
        {
            var access = FieldAccess.Build(record, key.Field);
            if (key.Field.IsNullable && !CanSeek(key.Field))
            {
                // empty values last, in either direction and on every database
                var isNull = Expression.Condition(Expression.Equal(access, Expression.Constant(null, access.Type)), Expression.Constant(1), Expression.Constant(0));
                keys.Add((Expression.Lambda(isNull, record), false));
            }
            keys.Add((Expression.Lambda(access, record), key.Descending));
        }
        return keys;
    }

    private static IQueryable<T> Apply<T>(IQueryable<T> query, LambdaExpression key, bool first, bool descending)
    {
        var name = first ? (descending ? nameof(Queryable.OrderByDescending) : nameof(Queryable.OrderBy))
            : (descending ? nameof(Queryable.ThenByDescending) : nameof(Queryable.ThenBy));
        var method = Orderings.GetOrAdd((name, typeof(T), key.ReturnType), static k => typeof(Queryable).GetMethods()
            .Single(m => m.Name == k.Name && m.GetParameters().Length == 2).MakeGenericMethod(k.Record, k.Key));
        return query.Provider.CreateQuery<T>(Expression.Call(method, query.Expression, Expression.Quote(key)));
    }

    /// <summary>OrderBy, ThenByDescending, … closed over (record, key) types, made once.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Name, Type Record, Type Key), System.Reflection.MethodInfo> Orderings = new();

    /// <summary>Rows after the cursor's row in the sort order: (k1 &gt; v1) or (k1 = v1 and k2 &gt; v2) …</summary>
    private static Expression<Func<T, bool>> After<T>(ParameterExpression record, List<SortKey> sort, List<object?> values)
    {
        Expression? result = null;
        for (var i = sort.Count - 1; i >= 0; i--)
        {
            var access = FieldAccess.Build(record, sort[i].Field);
            var value = FilterTranslator.Parameter(values[i], access.Type);
            var beyond = sort[i].Field.Type == FieldType.Guid
                ? GuidBeyond(access, value, sort[i].Descending)
                : FilterTranslator.Compare(access, value, sort[i].Descending ? FilterOperator.Lt : FilterOperator.Gt);
            result = result is null ? beyond : Expression.OrElse(beyond, Expression.AndAlso(Expression.Equal(access, value), result));
        }
        return Expression.Lambda<Func<T, bool>>(result!, record);
    }

    private static Expression GuidBeyond(Expression access, Expression value, bool descending)
    {
        var compare = Expression.Call(access, typeof(Guid).GetMethod(nameof(Guid.CompareTo), [typeof(Guid)])!, value);
        return descending ? Expression.LessThan(compare, Expression.Constant(0)) : Expression.GreaterThan(compare, Expression.Constant(0));
    }

    private List<RecordField> SelectFields(IReadOnlyList<RecordField> fields)
    {
        if (string.IsNullOrWhiteSpace(Fields)) return [.. fields];
        var selected = new List<RecordField> { fields.First(f => f.Name == "id") };
        foreach (var name in Fields.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var field = fields.FirstOrDefault(f => f.Name == name) ?? throw new QueryException($"fields: unknown field '{name}'");
            if (!selected.Contains(field)) selected.Add(field);
        }
        return selected;
    }

    private static List<Column> Columns(List<RecordField> selected, IReadOnlyList<RecordField> all, List<SortKey> sort)
    {
        var columns = selected.Where(f => f.Source != FieldSource.Custom)
            .Select(f => new Column("field:" + f.Name, r => FieldAccess.Build(r, f))).ToList();
        if (selected.Any(f => f.Source == FieldSource.Custom))
            columns.Add(new Column("custom", r => FieldAccess.Shadow(r, SystemFields.CustomFields, typeof(string))));
        foreach (var key in sort) columns.Add(new Column("sort:" + key.Field.Name, r => FieldAccess.Build(r, key.Field)));
        return columns;
    }

    private static Dictionary<string, object?> ToRecord(object?[] row, Shape shape)
    {
        var selected = shape.Selected;
        var record = new Dictionary<string, object?>(selected.Count);
        JsonObject? custom = null;
        if (shape.CustomColumn >= 0 && row[shape.CustomColumn] is string json && json.Length > 0) custom = JsonNode.Parse(json) as JsonObject;
        for (var i = 0; i < selected.Count; i++)
        {
            var field = selected[i];
            record[field.Name] = shape.ColumnOf[i] >= 0 ? row[shape.ColumnOf[i]]
                : custom?[field.PropertyName] is { } node ? RecordValues.FromNode(node, field) : null;
        }
        return record;
    }

    private static string EncodeCursor(List<object?> values) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(values, RecordPipeline.ValueJson))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The cursor of a page read by offset: <c>{"offset":N}</c>, encoded as a keyset cursor is.</summary>
    private static string EncodeOffset(int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"offset\":{offset}}}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The offset an offset cursor holds; null for a keyset cursor (or anything else, refused later).</summary>
    private static int? DecodeOffset(string cursor)
    {
        try
        {
            using var json = JsonDocument.Parse(FromBase64Url(cursor));
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("offset", out var offset)
                && offset.TryGetInt32(out var value) && value >= 0
                ? value
                : json.RootElement.ValueKind == JsonValueKind.Array ? null : throw new FormatException();
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new QueryException("cursor is not valid for this query: pass the nextCursor of the previous page with the same sort");
        }
    }

    private static byte[] FromBase64Url(string cursor)
    {
        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64 + new string('=', (4 - base64.Length % 4) % 4));
    }

    private static List<object?> DecodeCursor(string cursor, List<SortKey> sort)
    {
        try
        {
            // the cursor came from a client: anything but an array of one value per sort key is refused
            var elements = JsonSerializer.Deserialize<JsonElement[]?>(FromBase64Url(cursor));
            // keyset paging only sorts on fields that cannot be empty, so no value of a real cursor is null
            if (elements is null || elements.Length != sort.Count || elements.Any(e => e.ValueKind == JsonValueKind.Null)
                || elements.Any(e => e.ValueKind == JsonValueKind.String && (!Records.FieldValueReader.IsReadableText(e) || e.GetString()!.Contains('\0'))))
                throw new FormatException();
            return sort.Select((s, i) => JsonSerializer.Deserialize(elements[i], s.Field.ValueType, RecordPipeline.ValueJson)).ToList();
        }
        catch (Exception e) when (e is FormatException or JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new QueryException("cursor is not valid for this query: pass the nextCursor of the previous page with the same sort");
        }
    }

    private sealed record SortKey(RecordField Field, bool Descending);

    private readonly record struct Built(Func<CancellationToken, Task<int>> Count, IQueryable<object?[]> Rows, Shape Shape, bool Keyset, int Offset);

    private sealed record Column(string Key, Func<ParameterExpression, Expression> Access);
}

/// <summary>One page of a list.</summary>
public sealed record ListPage(
    IReadOnlyList<Dictionary<string, object?>> Items,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? Total,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? Offset,
    int Limit,
    string? NextCursor);
