using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Query;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Queries;

/// <summary>
/// While a list or a read builds its query, collects every value the query compares with as a lambda
/// parameter instead of a constant, so the query's shape is the same for every value and can be compiled
/// once (<see cref="QueryPlans"/>). The build is synchronous, so the sink is per thread.
/// </summary>
internal sealed class ParameterSink : IDisposable
{
    [ThreadStatic] private static ParameterSink? _current;

    private readonly ParameterSink? _outer;
    private readonly List<ParameterExpression> _parameters = [];
    private readonly List<object?> _values = [];

    private ParameterSink(ParameterExpression context)
    {
        Context = context;
        _outer = _current;
        _current = this;
    }

    /// <summary>The sink of the query being built on this thread, if any.</summary>
    public static ParameterSink? Current => _current;

    /// <summary>Starts collecting; dispose to stop.</summary>
    public static ParameterSink Begin() => new(Expression.Parameter(typeof(KernelDbContext), "context"));

    /// <summary>The context the compiled query runs on, for sets the query reads besides its root (shares).</summary>
    public ParameterExpression Context { get; }

    public IReadOnlyList<ParameterExpression> Parameters => _parameters;

    public object?[] Values => [.. _values];

    public ParameterExpression Add(object? value, Type type)
    {
        var parameter = Expression.Parameter(type, "p" + _parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _parameters.Add(parameter);
        _values.Add(value);
        return parameter;
    }

    public void Dispose()
    {
        if (ReferenceEquals(_current, this)) _current = _outer;
    }
}

/// <summary>
/// Lists and reads compiled once per query shape (entity set, fields, filter and sort structure, paging
/// kind, the caller's kind of reach) with EF Core's compiled queries: a request with a shape seen before
/// skips building and translating its query (EF Core's parameter extraction and cache lookup), and only
/// binds its values. Shapes are compared structurally (<see cref="ExpressionEqualityComparer"/>), so two
/// requests share a plan only when their queries are the same but for the values. One cache per model;
/// at most <see cref="MaxPlans"/> shapes, beyond which queries run as before.
/// </summary>
internal sealed class QueryPlans
{
    public const int MaxPlans = 2000;

    public delegate IAsyncEnumerable<object?[]> Rows(KernelDbContext context, object?[] values);

    private static readonly ConditionalWeakTable<IModel, QueryPlans> ByModel = new();

    private readonly ConcurrentDictionary<Expression, Rows> _plans = new(ExpressionEqualityComparer.Instance);

    public static QueryPlans For(IModel model) => ByModel.GetValue(model, static _ => new QueryPlans());

    public int Count => _plans.Count;

    /// <summary>What <see cref="ListQuery"/> reads and in which order per (set, fields, selection, sort), made once per model.</summary>
    public ConcurrentDictionary<object, object> Shapes { get; } = new();

    /// <summary>The compiled rows of a query built under <paramref name="sink"/>; null when it cannot or should not be compiled.</summary>
    public Rows? Get(IQueryable<object?[]> query, ParameterSink sink)
    {
        if (_plans.TryGetValue(query.Expression, out var plan))
        {
            Probe.Value?.Seen(this, made: false);
            return plan;
        }
        if (_plans.Count >= MaxPlans || !CompileMethods.ContainsKey(sink.Parameters.Count)) return null;
        Probe.Value?.Seen(this, made: true);
        return _plans.GetOrAdd(query.Expression, static (expression, s) => Compile(expression, s.Context, [.. s.Parameters]), sink);
    }

    /// <summary>
    /// For tests: what the requests made in this execution context did — reused a plan or made one, and in
    /// which model's plans (a count of a model's plans would also see other hosts' requests on that model,
    /// and a suite of many hosts may see EF Core build a model again, with plans of its own).
    /// </summary>
    internal static readonly AsyncLocal<PlanProbe?> Probe = new();

    internal sealed class PlanProbe
    {
        private readonly List<(object Plans, bool Made)> _seen = [];

        public void Seen(object plans, bool made)
        {
            lock (_seen) _seen.Add((plans, made));
        }

        public IReadOnlyList<(object Plans, bool Made)> All
        {
            get { lock (_seen) return [.. _seen]; }
        }
    }

    private static Rows Compile(Expression body, ParameterExpression context, ParameterExpression[] parameters)
    {
        var types = parameters.Select(p => p.Type).ToArray();
        var queryType = typeof(IQueryable<object?[]>);
        var lambda = Expression.Lambda(Expression.GetFuncType([context.Type, .. types, queryType]), body, [context, .. parameters]);
        var compile = CompileMethods[parameters.Length].MakeGenericMethod([context.Type, .. types, typeof(object?[])]);
        var compiled = (Delegate)compile.Invoke(null, [lambda])!;

        // (context, values) => compiled(context, (T0)values[0], (T1)values[1], …)
        var contextArgument = Expression.Parameter(typeof(KernelDbContext), "context");
        var values = Expression.Parameter(typeof(object?[]), "values");
        var call = Expression.Invoke(Expression.Constant(compiled),
            [contextArgument, .. types.Select((t, i) => Expression.Convert(Expression.ArrayIndex(values, Expression.Constant(i)), t))]);
        return Expression.Lambda<Rows>(call, contextArgument, values).Compile();
    }

    /// <summary>EF.CompileAsyncQuery(Expression&lt;Func&lt;TContext, T1 … Tn, IQueryable&lt;TResult&gt;&gt;&gt;) by n.</summary>
    private static readonly Dictionary<int, MethodInfo> CompileMethods = typeof(EF).GetMethods(BindingFlags.Public | BindingFlags.Static)
        .Where(m => m.Name == nameof(EF.CompileAsyncQuery) && m.GetParameters().Length == 1)
        .Select(m => (Method: m, Func: m.GetParameters()[0].ParameterType.GetGenericArguments()[0]))
        .Where(x => x.Func.GetGenericArguments()[^1] is { IsGenericType: true } result && result.GetGenericTypeDefinition() == typeof(IQueryable<>))
        .ToDictionary(x => x.Func.GetGenericArguments().Length - 2, x => x.Method);
}
