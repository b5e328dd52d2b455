using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Plugins.Leads.Entities;
using SalesKernel.Plugins.Leads.Rules;
using SalesKernel.Plugins.Opportunities.Entities;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Leads.Endpoints;

/// <summary>The pool (list, claim, return, assign), conversion, and the pool settings.</summary>
public static class LeadApi
{
    public const int MaxPageSize = 200;
    public const int MaxReasonLength = 500;

    public static IEndpointRouteBuilder MapLeadApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/pool", ListPool)
            .WithName("ListLeadPool").WithSummary("Leads waiting in the pools the caller sees (the company's and their team's), oldest first; keyset paging: pass nextCursor as ?cursor=.")
            .Produces<CursorPage<PoolLead>>().ProducesValidationProblem().ProducesProblem(403);
        endpoints.MapPost("/leads/{id:guid}/claim", ClaimLead)
            .WithName("ClaimLead").WithSummary("Take a lead from the pool, within the tenant's cap of open leads per rep.")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);
        endpoints.MapPost("/leads/{id:guid}/return", ReturnLead)
            .WithName("ReturnLead").WithSummary("Give a lead back to the pool with a reason (the owner, or someone who may assign it).")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(422);
        endpoints.MapPost("/pool/{id:guid}/assign", AssignFromPool)
            .WithName("AssignLeadFromPool").WithSummary("A manager hands a lead from the pool to a user within their reach.")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        endpoints.MapPost("/leads/{id:guid}/convert", ConvertLead)
            .WithName("ConvertLead").WithSummary("Turn a qualified lead into a customer (or attach it to one), a contact and an opportunity, in one transaction.")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);
        endpoints.MapGet("/pool/settings", GetSettings)
            .WithName("GetLeadPoolSettings").WithSummary("The tenant's pool rules: cap per rep, days before an idle lead returns, pools per team.");
        endpoints.MapPut("/pool/settings", PutSettings)
            .WithName("PutLeadPoolSettings").WithSummary("Change the tenant's pool rules (tenant administrators).")
            .ProducesValidationProblem().ProducesProblem(403);
        return endpoints;
    }

    private static async Task<IResult> ListPool(IEntityStore store, IRecordAccess access, CancellationToken ct, int limit = 50, string? cursor = null, string? search = null)
    {
        if (limit is < 1 or > MaxPageSize) return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"must be between 1 and {MaxPageSize}"] });
        var after = Guid.Empty;
        if (cursor is not null && !PageCursor.TryDecode(cursor, out after))
            return Results.ValidationProblem(new Dictionary<string, string[]> { [PageCursor.Parameter] = ["is not a cursor this list returned (pass its nextCursor)"] });
        var depth = await RequireClaimAsync(access, ct);
        var query = await LeadPool.VisibleToAsync(LeadPool.Waiting(store), access, depth, ct);
        if (cursor is not null) query = query.Where(l => l.Id.CompareTo(after) > 0);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLower();
            query = query.Where(l => l.Name.ToLower().Contains(term) || (l.Company != null && l.Company.ToLower().Contains(term)));
        }
        var page = await query.OrderBy(l => l.Id).Take(limit + 1)
            .Select(l => new PoolLead(l.Id, l.Name, l.Company, l.Industry, l.Region, l.Source, l.Status, l.Score, l.EstimatedAmount,
                l.ReturnedAtUtc, l.ReturnReason, EF.Property<string?>(l, SystemFields.TeamId)))
            .ToListAsync(ct);
        return Results.Ok(new CursorPage<PoolLead>(page.Take(limit).ToList(), page.Count > limit ? PageCursor.Encode(page[limit - 1].Id) : null));
    }

    private static async Task<IResult> ClaimLead(Guid id, IEntityStore store, IRecordAccess access, ICallerContext caller, TimeProvider clock, CancellationToken ct)
    {
        var depth = await RequireClaimAsync(access, ct);
        var lead = await (await LeadPool.VisibleToAsync(LeadPool.Waiting(store), access, depth, ct)).Where(l => l.Id == id)
            .Select(l => new { Version = EF.Property<long>(l, SystemFields.Version) }).FirstOrDefaultAsync(ct);
        if (lead is null) return await NotInPoolAsync(access, id, ct);
        // the caller may claim, not assign: the plugin checks its own rule, and the write goes as the system (audited as the caller)
        return await TakeFromPoolAsync(store, id, lead.Version, caller.UserId!, await access.TeamIdAsync(ct), claimedBySelf: true, clock, ct);
    }

    /// <summary>Gives a pool lead to a user within the cap, counting and writing under a per-user lock so parallel requests cannot pass it.</summary>
    private static async Task<IResult> TakeFromPoolAsync(IEntityStore store, Guid id, long version, string owner, Guid? team, bool claimedBySelf,
        TimeProvider clock, CancellationToken ct)
    {
        var settings = await LeadPool.SettingsAsync(store, ct);
        var open = LeadPool.OpenStatuses;
        try
        {
            await store.AsSystemAsync(async () =>
            {
                await store.LockAsync($"leads.cap:{owner}", ct);
                var held = await store.QueryAsSystem<Lead>().CountAsync(l => EF.Property<string?>(l, SystemFields.OwnerId) == owner && open.Contains(l.Status), ct);
                if (held >= settings.MaxLeadsPerRep)
                    throw new RuleViolationException("leads.claim-cap", claimedBySelf
                        ? $"You hold {held} open leads and may hold at most {settings.MaxLeadsPerRep}: convert, disqualify or return some before claiming more."
                        : $"They hold {held} open leads and may hold at most {settings.MaxLeadsPerRep}.");
                await store.AssignAsync<Lead>(id, owner, team, version, ct);
                return await store.UpdateAsync<Lead>(id, l => l.ClaimedAtUtc = clock.GetUtcNow().UtcDateTime, cancellationToken: ct);
            }, ct);
        }
        catch (ConcurrencyConflictException)
        {
            return Conflict("Claimed by someone else", "Someone took this lead from the pool a moment before.");
        }
        return Results.Ok(await ReadAsync(store, id, ct));
    }

    private static async Task<IResult> ReturnLead(Guid id, ReturnRequest request, IEntityStore store, IRecordAccess access, ICallerContext caller,
        TimeProvider clock, CancellationToken ct)
    {
        var reason = request.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > MaxReasonLength)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = [$"is required, at most {MaxReasonLength} characters"] });
        // the owner may give the lead back; so may whoever may assign it (a manager over the team)
        var lead = await (await access.ScopeAsync<Lead>(cancellationToken: ct)).Where(l => l.Id == id)
            .Select(l => new { l.Status, Owner = EF.Property<string?>(l, SystemFields.OwnerId), Team = EF.Property<string?>(l, SystemFields.TeamId),
                Version = EF.Property<long>(l, SystemFields.Version) })
            .FirstOrDefaultAsync(ct) ?? throw new RecordNotFoundException("leads.leads", id);
        var mayAssign = await (await access.ScopeAsync<Lead>(Privileges.Assign, ct)).AnyAsync(l => l.Id == id, ct);
        if (lead.Owner != caller.UserId && !mayAssign) throw new AccessDeniedException("Only the lead's owner or someone who may assign it can return it to the pool.");
        if (lead.Owner is null) return Conflict("Already in the pool", "This lead is waiting in the pool already.");
        if (!LeadPool.OpenStatuses.Contains(lead.Status))
            throw new RuleViolationException("leads.return-closed", $"A {lead.Status.ToString().ToLowerInvariant()} lead stays with its owner; only open leads go back to the pool.");
        var settings = await LeadPool.SettingsAsync(store, ct);
        var pool = settings.PoolPerTeam && Guid.TryParse(lead.Team, out var team) ? team : (Guid?)null;
        // as read: a lead reassigned meanwhile is not taken from its new owner (412)
        await store.AsSystemAsync(async () =>
        {
            await LeadPool.ReturnAsync(store, id, pool, reason, clock.GetUtcNow().UtcDateTime, ct, lead.Version);
            return 0;
        }, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> AssignFromPool(Guid id, PoolAssignRequest request, IEntityStore store, IRecordAccess access, TimeProvider clock, CancellationToken ct)
    {
        var depth = await access.DepthAsync<Lead>(Privileges.Assign, ct);
        if (depth == AccessDepth.None) throw new AccessDeniedException("You may not assign leads.");
        var lead = await (await LeadPool.VisibleToAsync(LeadPool.Waiting(store), access, depth, ct)).Where(l => l.Id == id)
            .Select(l => new { Version = EF.Property<long>(l, SystemFields.Version) }).FirstOrDefaultAsync(ct);
        if (lead is null) return await NotInPoolAsync(access, id, ct);
        if (string.IsNullOrWhiteSpace(request.OwnerId) || !await access.ReachesUserAsync(request.OwnerId, depth, ct))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["ownerId"] = ["must be an active user within your reach (your team and below)"] });
        if (request.TeamId is { } asked && await access.TeamsWithinAsync(depth, ct) is { } teams && !teams.Contains(asked))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["teamId"] = ["must be a team within your reach (your team and below)"] });
        var team = request.TeamId ?? await access.TeamOfUserAsync(request.OwnerId, ct); // the new owner's team, unless told otherwise
        return await TakeFromPoolAsync(store, id, lead.Version, request.OwnerId, team, claimedBySelf: false, clock, ct);
    }

    private static async Task<IResult> ConvertLead(Guid id, ConvertRequest request, IEntityStore store, IRecordAccess access, CancellationToken ct)
    {
        if (request.Amount is < 0)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["amount"] = ["must not be negative"] });
        var lead = await (await access.ScopeAsync<Lead>(Privileges.Update, ct)).FirstOrDefaultAsync(l => l.Id == id, ct);
        if (lead is null)
        {
            if (await access.CanReadAsync("leads.leads", id, ct)) throw new AccessDeniedException("You may see this lead but not convert it.");
            throw new RecordNotFoundException("leads.leads", id);
        }
        if (lead.Status != LeadStatus.Qualified)
            throw new RuleViolationException("leads.convert-qualified", $"Only a qualified lead is converted; this one is {lead.Status.ToString().ToLowerInvariant()}.");

        var result = await store.InTransactionAsync(async () =>
        {
            Guid customerId;
            if (request.CustomerId is { } existing)
            {
                if (!await access.CanReadAsync("customers.customers", existing, ct)) throw new RecordNotFoundException("customers.customers", existing);
                customerId = existing;
            }
            else
            {
                var customer = await store.CreateAsync(new Customer
                {
                    Name = string.IsNullOrWhiteSpace(lead.Company) ? lead.Name : lead.Company,
                    Industry = lead.Industry, Region = lead.Region,
                }, cancellationToken: ct);
                customerId = customer.Id;
            }
            var contact = await store.CreateAsync(new Contact
            {
                CustomerId = customerId, Name = lead.Name, Title = lead.Title, Phone = lead.Phone, Email = lead.Email,
                IsPrimary = request.CustomerId is null,
            }, cancellationToken: ct);
            var opportunity = await store.CreateAsync(new Opportunity
            {
                Name = string.IsNullOrWhiteSpace(request.OpportunityName) ? $"{lead.Company ?? lead.Name}: first order" : request.OpportunityName.Trim(),
                CustomerId = customerId, ContactId = contact.Id, LeadId = lead.Id,
                Amount = request.Amount ?? lead.EstimatedAmount ?? 0,
                Currency = request.Currency ?? lead.Currency,
                ExpectedCloseDate = request.ExpectedCloseDate,
            }, cancellationToken: ct);
            await store.UpdateAsync<Lead>(id, l =>
            {
                l.ConvertedCustomerId = customerId;
                l.ConvertedContactId = contact.Id;
                l.ConvertedOpportunityId = opportunity.Id;
            }, cancellationToken: ct);
            await store.TransitionAsync<Lead>(id, "convert", request.Comment, cancellationToken: ct);
            return new ConversionResult(id, customerId, contact.Id, opportunity.Id);
        }, ct);
        return Results.Ok(result);
    }

    private static async Task<IResult> GetSettings(IEntityStore store, IRecordAccess access, CancellationToken ct)
    {
        if (await access.DepthAsync<PoolSettings>(Privileges.Read, ct) == AccessDepth.None) throw new AccessDeniedException("You may not read the lead pool settings.");
        var s = await LeadPool.SettingsAsync(store, ct);
        return Results.Ok(new SettingsDto(s.MaxLeadsPerRep, s.IdleDaysBeforeReturn, s.PoolPerTeam));
    }

    private static async Task<IResult> PutSettings(SettingsDto request, IEntityStore store, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.MaxLeadsPerRep is < 1 or > 100_000) errors["maxLeadsPerRep"] = ["must be between 1 and 100000"];
        if (request.IdleDaysBeforeReturn is < 0 or > 3650) errors["idleDaysBeforeReturn"] = ["must be between 0 (off) and 3650"];
        if (errors.Count > 0) return Results.ValidationProblem(errors);
        var existing = await store.QueryAsSystem<PoolSettings>().OrderBy(s => s.Id).Select(s => (Guid?)s.Id).FirstOrDefaultAsync(ct);
        // the store checks the caller's create or update privilege on the settings (administrators by default)
        var saved = existing is { } settingsId
            ? await store.UpdateAsync<PoolSettings>(settingsId, s =>
            {
                s.MaxLeadsPerRep = request.MaxLeadsPerRep;
                s.IdleDaysBeforeReturn = request.IdleDaysBeforeReturn;
                s.PoolPerTeam = request.PoolPerTeam;
            }, cancellationToken: ct)
            : await store.CreateAsync(new PoolSettings
            {
                MaxLeadsPerRep = request.MaxLeadsPerRep, IdleDaysBeforeReturn = request.IdleDaysBeforeReturn, PoolPerTeam = request.PoolPerTeam,
            }, cancellationToken: ct);
        return Results.Ok(new SettingsDto(saved.MaxLeadsPerRep, saved.IdleDaysBeforeReturn, saved.PoolPerTeam));
    }

    private static async Task<AccessDepth> RequireClaimAsync(IRecordAccess access, CancellationToken ct)
    {
        var depth = await access.DepthAsync<Lead>(Permissions.Claim, ct);
        return depth == AccessDepth.None ? throw new AccessDeniedException("You may not claim leads from the pool.") : depth;
    }

    /// <summary>
    /// A lead that is not in a pool the caller sees: 409 when the caller may read it (they hold it, or
    /// it is closed), 404 otherwise — the same answer as for an id that does not exist, so that the
    /// answer never tells that a record the caller may not read exists.
    /// </summary>
    private static async Task<IResult> NotInPoolAsync(IRecordAccess access, Guid id, CancellationToken ct) =>
        await access.CanReadAsync("leads.leads", id, ct)
            ? Conflict("Not in the pool", "This lead is not waiting in a pool you see: someone holds it, or it is closed.")
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Record not found",
                detail: $"No lead {id} is waiting in a pool you see: there is none, or a colleague claimed it a moment ago.");

    private static IResult Conflict(string title, string detail) => Results.Problem(title: title, detail: detail, statusCode: StatusCodes.Status409Conflict);

    /// <summary>The lead the caller just claimed or handed out, as the answer to that: they made the change, so they see its result.</summary>
    private static Task<LeadView> ReadAsync(IEntityStore store, Guid id, CancellationToken ct) =>
        store.QueryAsSystem<Lead>().Where(l => l.Id == id)
            .Select(l => new LeadView(l.Id, l.Name, l.Company, l.Status, EF.Property<string?>(l, SystemFields.OwnerId), EF.Property<string?>(l, SystemFields.TeamId),
                l.ClaimedAtUtc, EF.Property<long>(l, SystemFields.Version)))
            .FirstAsync(ct);
}

/// <summary>A lead as the pool shows it.</summary>
public sealed record PoolLead(Guid Id, string Name, string? Company, string? Industry, string? Region, LeadSource Source, LeadStatus Status, int Score,
    decimal? EstimatedAmount, DateTime? ReturnedAtUtc, string? ReturnReason, string? PoolTeamId);

/// <summary>Who holds a lead after a claim or an assignment.</summary>
public sealed record LeadView(Guid Id, string Name, string? Company, LeadStatus Status, string? OwnerId, string? TeamId, DateTime? ClaimedAtUtc, long Version);

/// <summary>Why a lead goes back to the pool.</summary>
public sealed record ReturnRequest(string? Reason);

/// <summary>Whom a manager gives a pool lead to, and optionally the team (within the manager's reach; the new owner's team otherwise).</summary>
public sealed record PoolAssignRequest(string? OwnerId, Guid? TeamId);

/// <summary>
/// How to convert: attach to an existing customer (<c>customerId</c>) or create one from the lead's
/// company; the opportunity's name, amount (the lead's estimate otherwise) and expected close date.
/// </summary>
public sealed record ConvertRequest(Guid? CustomerId, string? OpportunityName, decimal? Amount, DateOnly? ExpectedCloseDate, string? Comment, string? Currency = null);

/// <summary>The records a conversion created or linked.</summary>
public sealed record ConversionResult(Guid LeadId, Guid CustomerId, Guid ContactId, Guid OpportunityId);

/// <summary>The pool rules of a tenant.</summary>
public sealed record SettingsDto(int MaxLeadsPerRep, int IdleDaysBeforeReturn, bool PoolPerTeam);
