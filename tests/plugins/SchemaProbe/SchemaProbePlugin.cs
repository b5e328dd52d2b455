using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Sdk;

namespace SalesKernel.TestPlugins.SchemaProbe;

/// <summary>
/// A note on a customer. Setting <c>Variant</c> changes the model: <c>v2</c> adds a Priority column,
/// <c>drop</c> removes the Title column, <c>rename</c> renames it, <c>invalid</c> leaves the entity
/// without a key, <c>seed</c> declares seed data, <c>facets</c> adds a check constraint and a
/// descending index, <c>bad-endpoint</c> maps a handler ASP.NET Core cannot compile.
/// </summary>
public sealed class SchemaProbePlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        var variant = builder.Configuration["Variant"] ?? "v1";
        builder.AddEntity<Note>(b =>
        {
            if (variant == "invalid") b.Ignore(n => n.Id); // no key left: the model does not validate
            else b.HasKey(n => n.Id);
            b.HasOne<Customer>().WithMany().HasForeignKey(n => n.CustomerId).OnDelete(DeleteBehavior.Cascade);
            if (variant == "drop") b.Ignore(n => n.Title);
            else b.Property(n => n.Title).HasMaxLength(100).IsRequired();
            if (variant == "v2") b.Property<int>("Priority");
            if (variant == "rename") b.Property(n => n.Title).HasColumnName("Heading");
            if (variant == "seed") b.HasData(new Note { Id = 1, Title = "seeded" });
            if (variant == "facets")
            {
                b.ToTable(t => t.HasCheckConstraint("CK_note_title_not_empty", "length(\"Title\") > 0"));
                b.HasIndex(n => new { n.CustomerId, n.Id }).IsDescending(false, true);
            }
        });

        if (variant == "bad-endpoint") // two bodies: rejected when the handler is compiled, not when mapped
            builder.MapEndpoints(e => e.MapPost("/bad", (Note first, Note second) => TypedResults.Ok()));

        builder.MapEndpoints(e =>
        {
            // Counting notes per customer joins this plugin's entity with its dependency's entity:
            // proof that Customer is the same type here as in the Customers plugin.
            e.MapGet("/notes-per-customer", async (DbContext db) => TypedResults.Ok(await db.Set<Customer>()
                .Select(c => new { c.Name, Notes = db.Set<Note>().Count(n => n.CustomerId == c.Id) })
                .OrderBy(x => x.Name).ToListAsync()));
            e.MapGet("/explode", () => { throw new InvalidOperationException("secret detail of the probe"); });
            e.MapPost("/notes", async (DbContext db, Note note) =>
            {
                db.Add(note);
                await db.SaveChangesAsync();
                return TypedResults.Ok(note.Id);
            });
        });
    }
}

public sealed class Note
{
    public int Id { get; set; }
    public Guid? CustomerId { get; set; }
    public string Title { get; set; } = "";
}
