using SalesKernel.Core.Hosting;

var builder = WebApplication.CreateBuilder(args);
if (KernelCli.IsCommand(args)) builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.AddSalesKernel();
builder.Services.AddEndpointsApiExplorer();
builder.Services.AddSwaggerGen(options =>
{
    options.SwaggerDoc("v1", new() { Title = "SalesKernel API", Version = "v1" });
    options.CustomSchemaIds(type => type.FullName?.Replace('+', '.'));
});

var app = builder.Build();
app.UseSwagger();
app.UseSwaggerUI(options => options.SwaggerEndpoint("/swagger/v1/swagger.json", "SalesKernel API v1"));
try
{
    app.UseSalesKernel();
}
catch (KernelStartException e)
{
    // a database that cannot be reached is said in one sentence, not a stack trace
    Console.Error.WriteLine(e.Message);
    return 1;
}

if (KernelCli.IsCommand(args)) return await KernelCli.RunAsync(app, args, Console.Out);
app.Run();
return 0;

/// <summary>The host's entry point; public so tests can start it in-process.</summary>
public partial class Program;
